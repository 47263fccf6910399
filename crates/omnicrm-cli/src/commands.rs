//! What each subcommand does: parse the arguments into core types, call a core service, print.

use std::path::PathBuf;

use omnicrm_core::contacts::{
    ClientStatus, ContactInput, ContactListQuery, ContactSort, ContactSource, EmailEntry,
    LifecycleStage, PhoneEntry, SortDirection,
};
use omnicrm_core::{paths, Core, Error, Result};
use serde::Serialize;

use crate::arguments::{
    AddArgs, Cli, Command, ContactsCommand, DemoArgs, JobsCommand, ListArgs, SortArg,
};
use crate::output::{self, Printer};
use crate::{
    backup_commands, crm_commands, duplicate_commands, google_commands, search_commands,
    transfer_commands,
};

/// How a command that ran to its end finished.
pub enum Finished {
    Done,
    /// `doctor` found a failing check (it printed the report): the exit status says so.
    ChecksFailed,
}

pub fn run(cli: Cli) -> Result<Finished> {
    let data_dir = match cli.data_dir {
        Some(dir) => dir,
        None => paths::default_data_dir()?,
    };
    let printer = Printer { json: cli.json };
    omnicrm_core::store::on_waiting_for_other_process(std::sync::Arc::new(|| {
        output::print_note("another OmniCRM process is writing: waiting…");
    }));
    let done = match cli.command {
        Command::Doctor => return doctor(&data_dir, &printer),
        Command::Models(models) => search_commands::run_models(models, &printer),
        Command::Completions { shell } => completions(shell),
        Command::Encryption(command) => {
            crate::encryption_commands::run(&data_dir, command, &printer)
        }
        command => {
            let _log_guard = open_log(&data_dir);
            let application = omnicrm_app::Application::open(&data_dir)?;
            let core = application.core;
            match command {
                Command::Contacts(contacts) => run_contacts(&core, contacts, &printer),
                Command::Undo { change_id, batch } => undo(&core, change_id, batch, &printer),
                Command::Demo(arguments) => demo(&core, &arguments, &printer),
                Command::Jobs(jobs) => run_jobs(&core, jobs, &printer),
                Command::Backup(backup) => backup_commands::run_backup(&core, backup, &printer),
                Command::Import(arguments) => {
                    transfer_commands::import(&core, &arguments, &printer)
                }
                Command::Imports(imports) => {
                    transfer_commands::run_imports(&core, imports, &printer)
                }
                Command::Export(arguments) => {
                    transfer_commands::export(&core, &arguments, &printer)
                }
                Command::DeleteAllData { confirm } => {
                    transfer_commands::delete_all_data(&core, &confirm, &printer)
                }
                Command::Notes(notes) => crm_commands::run_notes(&core, notes, &printer),
                Command::Tasks(tasks) => crm_commands::run_tasks(&core, tasks, &printer),
                Command::Tags(tags) => crm_commands::run_tags(&core, tags, &printer),
                Command::Duplicates(duplicates) => {
                    duplicate_commands::run_duplicates(&core, duplicates, &printer)
                }
                Command::Google(google) => google_commands::run_google(&core, google, &printer),
                Command::Ai(ai) => crate::ai_commands::run_ai(&core, ai, &printer),
                Command::Search(arguments) => search_commands::search(&core, &arguments, &printer),
                Command::Sync(sync) => crate::sync_commands::run_sync(&core, sync, &printer),
                Command::Today => crate::keep_in_touch_commands::run_today(&core, &printer),
                Command::AccessLog(arguments) => access_log(&core, &arguments, &printer),
                Command::Reminders(reminders) => {
                    crate::keep_in_touch_commands::run_reminders(&core, reminders, &printer)
                }
                Command::KeepInTouch(command) => {
                    crate::keep_in_touch_commands::run_keep_in_touch(&core, command, &printer)
                }
                Command::Interactions(command) => {
                    crate::keep_in_touch_commands::run_interactions(&core, command, &printer)
                }
                Command::Doctor => return doctor(&data_dir, &printer),
                Command::Models(models) => search_commands::run_models(models, &printer),
                Command::Completions { shell } => completions(shell),
                Command::Encryption(command) => {
                    crate::encryption_commands::run(&data_dir, command, &printer)
                }
            }
        }
    };
    done.map(|()| Finished::Done)
}

/// Writes the completion script of `shell` to stdout (a closed pipe is a quiet end, as for
/// every command).
fn completions(shell: clap_complete::Shell) -> Result<()> {
    let mut command = <Cli as clap::CommandFactory>::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "omnicrm", &mut script);
    output::print_text(&String::from_utf8_lossy(&script))
}

fn access_log(
    core: &Core,
    arguments: &crate::arguments::AccessLogArgs,
    printer: &Printer,
) -> Result<()> {
    if let Some(days) = arguments.keep_days {
        core.access_log.set_retention_days(days)?;
    }
    let entries = core
        .access_log
        .list(arguments.contact.as_deref(), arguments.limit)?;
    printer.value(&entries, || {
        if entries.is_empty() {
            return "Nothing yet: no client record has been opened, exported, sent to an AI \
                    provider or shared with the team."
                .to_owned();
        }
        output::access_log_table(&entries)
    })
}

fn undo(
    core: &Core,
    change_id: Option<String>,
    batch: Option<String>,
    printer: &Printer,
) -> Result<()> {
    match (change_id, batch) {
        (_, Some(batch_id)) => {
            let outcome = core.undo.batch(&batch_id)?;
            printer.value(&outcome, || {
                format!(
                    "Undone: {} changes of batch {} are reverted.",
                    outcome.undone, outcome.batch_id
                )
            })
        }
        (Some(change_id), None) => {
            let outcome = core.undo.change(&change_id)?;
            printer.value(&outcome, || {
                format!(
                    "Undone: {} {} is back as it was.",
                    outcome.entity, outcome.entity_id
                )
            })
        }
        (None, None) => Err(Error::invalid_field(
            "change_id",
            "is required unless --batch is given",
        )),
    }
}

/// Logs go to the data directory's log folder; a CLI that cannot log still works.
fn open_log(data_dir: &std::path::Path) -> Option<omnicrm_logging::LogGuard> {
    match omnicrm_logging::init(&paths::log_dir(data_dir), "omnicrm-cli") {
        Ok(guard) => Some(guard),
        Err(error) => {
            crate::output::print_note(&format!("omnicrm: logging is off: {error}"));
            None
        }
    }
}

fn run_contacts(core: &Core, command: ContactsCommand, printer: &Printer) -> Result<()> {
    match command {
        ContactsCommand::Add(arguments) => {
            let contact = core.contacts.create(contact_input(arguments)?)?;
            printer.value(&contact, || {
                format!("Added {} ({})", contact.display_name, contact.id)
            })
        }
        ContactsCommand::List(arguments) => {
            let page = core.contacts.list(&list_query(arguments)?)?;
            printer.value(&page, || {
                let mut text = output::summaries_table(&page.items);
                text.push_str(&format!(
                    "\n{} of {} contacts (from {})",
                    page.items.len(),
                    page.total,
                    page.offset + 1
                ));
                text
            })
        }
        ContactsCommand::Edit(arguments) if !arguments.changes_fields() => {
            let id = arguments.id.clone();
            let Some(cadence) = arguments.cadence else {
                return Err(Error::invalid_field(
                    "id",
                    "give at least one field to change (see `omnicrm contacts edit --help`)",
                ));
            };
            let setting = omnicrm_core::keep_in_touch::CadenceSetting::parse(&cadence, "cadence")?;
            let changed = core.keep_in_touch.set_cadence(&id, setting)?;
            printer.value(&changed, || {
                format!(
                    "Keep in touch: {}; undo with: omnicrm undo {}",
                    match setting {
                        omnicrm_core::keep_in_touch::CadenceSetting::Default =>
                            "the tag and stage defaults".to_owned(),
                        omnicrm_core::keep_in_touch::CadenceSetting::None => "off".to_owned(),
                        omnicrm_core::keep_in_touch::CadenceSetting::Every(cadence) =>
                            cadence.describe(),
                    },
                    changed.change_id
                )
            })
        }
        ContactsCommand::Edit(arguments) => {
            let id = arguments.id.clone();
            let cadence = arguments
                .cadence
                .as_deref()
                .map(|text| omnicrm_core::keep_in_touch::CadenceSetting::parse(text, "cadence"))
                .transpose()?;
            let current = core.contacts.get(&id)?;
            let input = edited_input(current, arguments)?;
            let contact = core.contacts.update(&id, input)?;
            if let Some(cadence) = cadence {
                core.keep_in_touch.set_cadence(&id, cadence)?;
            }
            let change_id = core
                .changes
                .history(omnicrm_core::contacts::ENTITY, &id)?
                .last()
                .map(|change| change.id.clone());
            #[derive(Serialize)]
            struct Edited<'a> {
                #[serde(flatten)]
                contact: &'a omnicrm_core::contacts::Contact,
                change_id: Option<String>,
            }
            let edited = Edited {
                contact: &contact,
                change_id: change_id.clone(),
            };
            printer.value(&edited, || {
                format!(
                    "Changed {} ({}); undo with: omnicrm undo {}",
                    contact.display_name,
                    contact.id,
                    change_id.as_deref().unwrap_or("?")
                )
            })
        }
        ContactsCommand::Timeline { id, limit, after } => {
            let cursor = after
                .map(|text| {
                    text.split_once('/')
                        .map(|(at, id)| omnicrm_core::timeline::TimelineCursor {
                            at: at.to_owned(),
                            id: id.to_owned(),
                        })
                        .ok_or_else(|| {
                            Error::invalid_field(
                                "after",
                                "must be AT/ID, as the previous page printed",
                            )
                        })
                })
                .transpose()?;
            let contact = core.contacts.get(&id)?;
            let page = core.timeline.page(&id, cursor.as_ref(), limit)?;
            printer.value(&page, || {
                output::timeline_text(&contact.display_name, &page)
            })
        }
        ContactsCommand::Show { id } => {
            let contact = core.contacts.get(&id)?;
            core.access_log
                .record_view(&contact.id, "opened with omnicrm contacts show")?;
            let notes = core.notes.list_for_contact(&id)?;
            #[derive(Serialize)]
            struct Shown<'a> {
                contact: &'a omnicrm_core::contacts::Contact,
                notes: &'a [omnicrm_core::notes::Note],
            }
            printer.value(
                &Shown {
                    contact: &contact,
                    notes: &notes,
                },
                || output::contact_card(&contact, &notes),
            )
        }
        ContactsCommand::Search { text, limit } => {
            let found = core.contacts.search(&text, limit)?;
            printer.value(&found, || {
                if found.is_empty() {
                    format!("No contacts match \"{text}\".")
                } else {
                    output::summaries_table(&found)
                }
            })
        }
        ContactsCommand::Delete { id } => {
            let receipt = core.contacts.delete(&id)?;
            printer.value(&receipt, || {
                format!("Deleted. Undo with: omnicrm undo {}", receipt.change_id)
            })
        }
    }
}

fn run_jobs(core: &Core, command: JobsCommand, printer: &Printer) -> Result<()> {
    let queue = omnicrm_jobs::JobQueue::new(core.database.clone());
    match command {
        JobsCommand::List { statuses, limit } => {
            let statuses = statuses
                .iter()
                .map(|text| {
                    omnicrm_jobs::JobStatus::parse(text).ok_or_else(|| {
                        Error::invalid_field("status", format!("'{text}' is not a job status"))
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let jobs = queue.list(&statuses, limit)?;
            printer.value(&jobs, || {
                if jobs.is_empty() {
                    "No jobs.".to_owned()
                } else {
                    output::jobs_table(&jobs)
                }
            })
        }
        JobsCommand::Retry { id } => {
            let job = queue.retry(&id)?;
            printer.value(&job, || format!("Job {} is queued again.", job.id))
        }
        JobsCommand::Cancel { id } => {
            let job = queue.cancel(&id)?;
            printer.value(&job, || {
                if job.cancel_requested && job.status == omnicrm_jobs::JobStatus::Running {
                    format!("Job {} will stop at its next progress report.", job.id)
                } else {
                    format!("Job {} is canceled.", job.id)
                }
            })
        }
        JobsCommand::Run {
            until_idle,
            timeout,
        } => crate::jobs_run_command::run(core, until_idle, timeout, printer),
        JobsCommand::Purge { days } => {
            let removed =
                queue.purge_succeeded(std::time::Duration::from_secs(u64::from(days) * 86_400))?;
            printer.value(&serde_json::json!({ "removed": removed }), || {
                format!("Removed {removed} succeeded jobs older than {days} days.")
            })
        }
    }
}

/// The contact as it is, with the fields given on the command line changed.
fn edited_input(
    current: omnicrm_core::contacts::Contact,
    arguments: crate::arguments::EditArgs,
) -> Result<ContactInput> {
    let blank_is_none = |text: String| {
        let text = text.trim().to_owned();
        (!text.is_empty()).then_some(text)
    };
    let mut input = omnicrm_core::contacts::input_of(current);
    if let Some(name) = arguments.name {
        input.display_name = name;
    }
    if let Some(organization) = arguments.organization {
        input.organization = blank_is_none(organization);
    }
    if let Some(stage) = arguments.stage {
        input.lifecycle_stage = parse_stage(blank_is_none(stage))?;
    }
    if let Some(status) = arguments.status {
        input.client_status = parse_status(Some(status))?;
    }
    if let Some(birthday) = arguments.birthday {
        input.date_of_birth = blank_is_none(birthday);
    }
    if let Some(emails) = arguments.emails {
        input.emails = emails
            .into_iter()
            .filter_map(blank_is_none)
            .enumerate()
            .map(|(index, address)| EmailEntry {
                address,
                label: None,
                is_primary: index == 0,
            })
            .collect();
    }
    if let Some(phones) = arguments.phones {
        input.phones = phones
            .into_iter()
            .filter_map(blank_is_none)
            .enumerate()
            .map(|(index, number)| PhoneEntry {
                number,
                label: None,
                is_primary: index == 0,
            })
            .collect();
    }
    Ok(input)
}

fn contact_input(arguments: AddArgs) -> Result<ContactInput> {
    let stage = parse_stage(arguments.stage)?;
    let status = parse_status(arguments.status)?;
    Ok(ContactInput {
        display_name: arguments.name,
        organization: arguments.organization,
        emails: arguments
            .emails
            .into_iter()
            .map(|address| EmailEntry {
                address,
                label: None,
                is_primary: false,
            })
            .collect(),
        phones: arguments
            .phones
            .into_iter()
            .map(|number| PhoneEntry {
                number,
                label: None,
                is_primary: false,
            })
            .collect(),
        date_of_birth: arguments.birthday,
        lifecycle_stage: stage,
        client_status: status,
        tags: arguments.tags,
        ..ContactInput::default()
    })
}

fn parse_stage(text: Option<String>) -> Result<Option<LifecycleStage>> {
    text.map(|text| {
        LifecycleStage::parse(&text).ok_or_else(|| {
            Error::invalid_field("stage", format!("'{text}' is not a lifecycle stage"))
        })
    })
    .transpose()
}

fn parse_status(text: Option<String>) -> Result<Option<ClientStatus>> {
    text.map(|text| {
        ClientStatus::parse(&text).ok_or_else(|| {
            Error::invalid_field("status", format!("'{text}' is not a client status"))
        })
    })
    .transpose()
}

fn list_query(arguments: ListArgs) -> Result<ContactListQuery> {
    Ok(ContactListQuery {
        search: arguments.search,
        stage: parse_stage(arguments.stage)?,
        status: parse_status(arguments.status)?,
        tag: arguments.tag,
        source: arguments
            .source
            .map(|text| {
                ContactSource::parse(&text).ok_or_else(|| {
                    Error::invalid_field("source", format!("'{text}' is not a contact source"))
                })
            })
            .transpose()?,
        sort: match arguments.sort {
            SortArg::Name => ContactSort::Name,
            SortArg::Updated => ContactSort::Updated,
            SortArg::Stage => ContactSort::Stage,
        },
        direction: if arguments.desc {
            SortDirection::Desc
        } else {
            SortDirection::Asc
        },
        offset: arguments.offset,
        limit: arguments.limit,
    })
}

fn demo(core: &Core, arguments: &DemoArgs, printer: &Printer) -> Result<()> {
    let bar = printer.progress_bar(u64::from(arguments.contacts), "Generating demo contacts");
    let started = std::time::Instant::now();
    let summary = core
        .demo
        .load(arguments.contacts, arguments.seed, &mut |progress| {
            if let Some(bar) = &bar {
                bar.set_position(u64::from(progress.done));
            }
        })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    printer.value(&summary, || {
        format!(
            "Added {} contacts, {} notes and {} tags in {:.1} s (undo them with `omnicrm undo --batch {}`).",
            summary.contacts,
            summary.notes,
            summary.tags,
            started.elapsed().as_secs_f64(),
            summary.batch_id
        )
    })
}

#[derive(Serialize)]
struct DoctorReport {
    data_dir: PathBuf,
    database: PathBuf,
    database_exists: bool,
    schema_version: Option<i64>,
    supported_schema_version: i64,
    integrity: Option<Vec<String>>,
    /// `encrypted`, `not encrypted`, or `-` before the database exists.
    encryption: &'static str,
    log_dir: PathBuf,
    keyring: omnicrm_secrets::KeyringStatus,
    /// Backups a crash left unfinished (removed the next time the data folder is opened).
    unfinished_backups: usize,
    problems: Vec<String>,
    /// False when a check failed (the database cannot be opened or is damaged); the command
    /// then exits with status 1. A missing keyring is a problem but not a failure: the
    /// encrypted file takes its place.
    healthy: bool,
}

/// Reports on the data directory, database and keyring. Opening the database migrates it, so a
/// missing database is reported rather than created.
fn doctor(data_dir: &std::path::Path, printer: &Printer) -> Result<Finished> {
    let database = data_dir.join(omnicrm_core::store::DATABASE_FILE_NAME);
    let database_exists = database.exists();
    let mut problems = Vec::new();
    let mut healthy = true;
    let encryption = match omnicrm_core::encryption::file_state(&database) {
        Ok(omnicrm_core::encryption::FileState::Encrypted) => "encrypted",
        Ok(omnicrm_core::encryption::FileState::Plain) => "not encrypted",
        Ok(omnicrm_core::encryption::FileState::Missing) => "-",
        Err(_) => "unknown",
    };
    let key = match omnicrm_app::encryption_at_rest::stored_key(data_dir) {
        Ok(key) => key,
        Err(error) => {
            problems.push(error.message);
            None
        }
    };
    if encryption == "not encrypted" {
        problems.push(
            "the database is not encrypted: anyone who copies the data folder can read it \
             (encrypt it with: omnicrm encryption enable)"
                .to_owned(),
        );
    }
    let (schema_version, integrity) = if database_exists {
        let key = key.filter(|_| encryption == "encrypted");
        match omnicrm_core::Database::open_with_key(&database, key) {
            Ok(opened) => match opened.integrity_check() {
                Ok(integrity) => (opened.schema_version().ok(), Some(integrity)),
                Err(error) => {
                    healthy = false;
                    problems.push(format!("integrity check failed: {}", error.message));
                    (opened.schema_version().ok(), None)
                }
            },
            Err(error) => {
                healthy = false;
                problems.push(error.message);
                (None, None)
            }
        }
    } else {
        (None, None)
    };
    if let Some(integrity) = &integrity {
        if integrity.as_slice() != ["ok"] {
            healthy = false;
            problems.push(format!("integrity check failed: {}", integrity.join("; ")));
        }
    }
    let backup_dir = data_dir.join(omnicrm_core::backups::BACKUP_DIR_NAME);
    let unfinished_backups = match omnicrm_core::backups::unfinished_backups(&backup_dir) {
        Ok(unfinished) => unfinished.len(),
        Err(error) => {
            problems.push(error.message);
            0
        }
    };
    if unfinished_backups > 0 {
        problems.push(format!(
            "{unfinished_backups} unfinished backup(s) left by a crash; they are removed the \
             next time OmniCRM opens this data folder"
        ));
    }
    let keyring = omnicrm_secrets::probe();
    if let omnicrm_secrets::KeyringStatus::Unavailable { reason } = &keyring {
        problems.push(format!(
            "the OS keyring is unavailable ({reason}); sign-in tokens will be stored in an \
             encrypted file in the data directory instead"
        ));
    }
    let report = DoctorReport {
        data_dir: data_dir.to_path_buf(),
        database,
        database_exists,
        schema_version,
        supported_schema_version: omnicrm_core::migrations::latest_version(),
        integrity,
        encryption,
        log_dir: paths::log_dir(data_dir),
        keyring,
        unfinished_backups,
        problems,
        healthy,
    };
    printer.value(&report, || output::doctor_text(&report_view(&report)))?;
    Ok(if report.healthy {
        Finished::Done
    } else {
        Finished::ChecksFailed
    })
}

fn report_view(report: &DoctorReport) -> Vec<(String, String)> {
    vec![
        (
            "Data directory".into(),
            report.data_dir.display().to_string(),
        ),
        (
            "Database".into(),
            if report.database_exists {
                report.database.display().to_string()
            } else {
                format!("{} (not created yet)", report.database.display())
            },
        ),
        (
            "Schema version".into(),
            match report.schema_version {
                Some(version) => format!(
                    "{version} (this build: {})",
                    report.supported_schema_version
                ),
                None => format!("- (this build: {})", report.supported_schema_version),
            },
        ),
        (
            "Integrity".into(),
            report
                .integrity
                .as_ref()
                .map_or("-".to_owned(), |lines| lines.join("; ")),
        ),
        ("Encryption".into(), report.encryption.to_owned()),
        ("Log directory".into(), report.log_dir.display().to_string()),
        (
            "Keyring".into(),
            match &report.keyring {
                omnicrm_secrets::KeyringStatus::Available => "available".to_owned(),
                omnicrm_secrets::KeyringStatus::Unavailable { reason } => {
                    format!("unavailable: {reason}")
                }
            },
        ),
        (
            "Unfinished backups".into(),
            report.unfinished_backups.to_string(),
        ),
        (
            "Problems".into(),
            if report.problems.is_empty() {
                "none".to_owned()
            } else {
                report.problems.join("\n")
            },
        ),
    ]
}

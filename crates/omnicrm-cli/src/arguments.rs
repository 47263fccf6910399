//! The command-line grammar.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "omnicrm", version, about = "OmniCRM from the command line")]
pub struct Cli {
    /// The data directory (default: $OMNICRM_DATA_DIR, else the OS data directory).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add, list, show, search and delete contacts.
    #[command(subcommand)]
    Contacts(ContactsCommand),
    /// Undo a change by its id (as printed by `contacts delete`), or a whole batch.
    Undo {
        /// The change to undo.
        #[arg(required_unless_present = "batch", conflicts_with = "batch")]
        change_id: Option<String>,
        /// Undo every change of a batch (a merge, an import, a bulk edit) instead.
        #[arg(long, value_name = "BATCH_ID")]
        batch: Option<String>,
    },
    /// Load realistic demo contacts, notes and tags (deterministic for a seed).
    Demo(DemoArgs),
    /// Check the data directory, database and keyring.
    Doctor,
    /// Background jobs: list them, retry dead ones, cancel, purge old successes.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Back up the database, list backups, restore one.
    #[command(subcommand)]
    Backup(BackupCommand),
    /// Import contacts from vCard, Google or Outlook CSV, a mapped CSV, or an OmniCRM export.
    Import(ImportArgs),
    /// List past imports, or undo one as a whole.
    #[command(subcommand)]
    Imports(ImportsCommand),
    /// Export contacts as vCard or Google CSV, or everything as JSON.
    Export(ExportArgs),
    /// Find duplicate contacts, merge them, or mark them as different people.
    #[command(subcommand)]
    Duplicates(DuplicatesCommand),
    /// Erase every contact and everything about them, and the backups.
    DeleteAllData {
        /// Must be exactly "DELETE ALL MY DATA".
        #[arg(long)]
        confirm: String,
    },
    /// Notes about a contact.
    #[command(subcommand)]
    Notes(NotesCommand),
    /// Tasks: add, list by view, complete.
    #[command(subcommand)]
    Tasks(TasksCommand),
    /// Tags: list with usage, create, tag and untag contacts.
    #[command(subcommand)]
    Tags(TagsCommand),
    /// Google: connect, status, disconnect; Gmail and Calendar sync: preview, sync, undo, suggestions.
    #[command(subcommand)]
    Google(crate::google_commands::GoogleCommand),
    /// The AI assistant: ask, usage, status, config, key, proposals.
    #[command(subcommand)]
    Ai(crate::ai_commands::AiCommand),
    /// Team sync: connect this device to the team's server, sync now, status, disconnect.
    #[command(subcommand)]
    Sync(crate::sync_commands::SyncCommand),
    /// Search contacts, notes, mail, events, calls, tasks and projects.
    Search(SearchArgs),
    /// Today: meetings, people due to contact, reminders, birthdays and tasks due.
    Today,
    /// Reminders about people: add, list, done, snooze, delete.
    #[command(subcommand)]
    Reminders(crate::keep_in_touch_commands::RemindersCommand),
    /// Keep in touch: who is due, snooze someone, default cadences per tag or stage.
    #[command(subcommand)]
    KeepInTouch(crate::keep_in_touch_commands::KeepInTouchCommand),
    /// Log a call, meeting, message or session with a contact.
    #[command(subcommand)]
    Interactions(crate::keep_in_touch_commands::InteractionsCommand),
    /// The local embedding model for semantic search.
    #[command(subcommand)]
    Models(ModelsCommand),
    /// Print a completion script for your shell, e.g. `omnicrm completions bash >
    /// ~/.local/share/bash-completion/completions/omnicrm`.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Who has seen each client's data: records opened, exported, sent to an AI provider or
    /// shared with the team; when, and from which computer.
    AccessLog(AccessLogArgs),
    /// Encryption at rest: status, enable, rotate the key, export the recovery key, recover a
    /// folder or backup on another computer.
    #[command(subcommand)]
    Encryption(crate::encryption_commands::EncryptionCommand),
}

#[derive(Debug, Args)]
pub struct AccessLogArgs {
    /// Only this client's entries.
    #[arg(long, value_name = "CONTACT_ID")]
    pub contact: Option<String>,
    /// The newest this many entries (default 100, at most 1,000).
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
    /// Keep entries this many days from now on (at least 30; the default is six years), and
    /// remove older ones.
    #[arg(long, value_name = "DAYS")]
    pub keep_days: Option<u32>,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// What to look for.
    pub query: String,
    /// keyword, semantic or hybrid (default: hybrid; keyword when the model is not installed).
    #[arg(long)]
    pub mode: Option<String>,
    /// Results per kind at most (default 10).
    #[arg(long)]
    pub limit: Option<u32>,
}

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Download all-MiniLM-L6-v2 (about 90 MB, hashes checked) into the model cache, or install
    /// it from a local copy with --from.
    Fetch {
        /// A directory holding config.json, model.safetensors and tokenizer.json.
        #[arg(long, value_name = "DIR")]
        from: Option<PathBuf>,
        /// Where to download from instead of the model's usual home.
        #[arg(long, hide = true)]
        url: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ImportFormatArg {
    Vcard,
    GoogleCsv,
    OutlookCsv,
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    pub file: PathBuf,
    /// Detected from the file when absent.
    #[arg(long, value_enum)]
    pub format: Option<ImportFormatArg>,
    /// Show what would happen, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Import the valid records even if some are invalid.
    #[arg(long)]
    pub accept_valid: bool,
    /// For generic CSV: HEADER=FIELD pairs (fields: display_name, given_name, family_name,
    /// organization, title, email, phone, street, city, region, postal_code, country, birthday,
    /// note, categories, url, ignore). Unmapped headers use the suggested mapping.
    #[arg(long = "map", value_name = "HEADER=FIELD")]
    pub mappings: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum ImportsCommand {
    /// Past imports, newest first.
    List,
    /// Undo everything an import wrote.
    Undo { import_id: String },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormatArg {
    Vcard,
    Csv,
    Json,
    /// The reminders and birthdays as an iCalendar file.
    Ics,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(long, value_enum)]
    pub format: ExportFormatArg,
    #[arg(long)]
    pub out: PathBuf,
    /// Only this contact (with --format json: everything about them).
    #[arg(long)]
    pub contact: Option<String>,
    /// Replace the --out file if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Subcommand)]
pub enum NotesCommand {
    /// Add a plain-text note to a contact.
    Add {
        contact_id: String,
        text: String,
        /// Keep the note on this device when syncing.
        #[arg(long)]
        private: bool,
    },
    /// A contact's notes, newest first.
    List { contact_id: String },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TaskViewArg {
    Today,
    Upcoming,
    Overdue,
    Open,
    Closed,
}

#[derive(Debug, Subcommand)]
pub enum TasksCommand {
    /// Add a task.
    Add {
        title: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        due: Option<String>,
        /// low, medium or high.
        #[arg(long)]
        priority: Option<String>,
        /// Link a contact (repeatable).
        #[arg(long = "contact")]
        contacts: Vec<String>,
    },
    /// Tasks in a view (today's date is the local date).
    List {
        #[arg(long, value_enum, default_value_t = TaskViewArg::Open)]
        view: TaskViewArg,
    },
    /// Mark a task done.
    Done { id: String },
}

#[derive(Debug, Subcommand)]
pub enum TagsCommand {
    /// Every tag with its category, colour and usage.
    List,
    /// Create a tag.
    Add {
        name: String,
        /// One of services_modalities, client_demographics, schedule_attendance,
        /// health_wellness, marketing_engagement, emotional_mental.
        #[arg(long)]
        category: Option<String>,
        /// #rrggbb.
        #[arg(long)]
        color: Option<String>,
    },
    /// Add a tag to contacts (one undoable batch).
    Apply {
        tag: String,
        #[arg(required = true)]
        contact_ids: Vec<String>,
    },
    /// Take a tag off contacts (one undoable batch).
    Remove {
        tag: String,
        #[arg(required = true)]
        contact_ids: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Back up the database now (into the data directory's backups folder).
    Create,
    /// List backups, newest first.
    List,
    /// Replace the database with a backup (the current one is backed up first).
    Restore {
        /// A file name as printed by `omnicrm backup list`.
        file_name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// List jobs, most recently changed first.
    List {
        /// Only these statuses: queued, running, succeeded, failed, dead, canceled.
        #[arg(long = "status")]
        statuses: Vec<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Run a dead, failed or canceled job again.
    Retry { id: String },
    /// Cancel a job (a running one stops at its next progress report).
    Cancel { id: String },
    /// Remove succeeded jobs older than the retention window.
    Purge {
        #[arg(long, default_value_t = 7)]
        days: u32,
    },
    /// Run the app's background work here: every job kind the app handles (imports, backups,
    /// Google sync, embedding, purging) and the recurring schedules, until interrupted.
    Run {
        /// Stop once nothing is queued, running or waiting to run again.
        #[arg(long)]
        until_idle: bool,
        /// Stop after this many seconds at most (0: no limit).
        #[arg(long, default_value_t = 600)]
        timeout: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum ContactsCommand {
    /// Add a contact.
    Add(AddArgs),
    /// Change a contact: only the fields given change. `--email` and `--phone` replace the
    /// contact's list (repeat them for several; give "" to clear it). Undoable.
    Edit(EditArgs),
    /// List contacts, a page at a time.
    List(ListArgs),
    /// Show one contact in full.
    Show { id: String },
    /// Search contacts by name, email, phone or organisation (prefixes match).
    Search {
        text: String,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Delete a contact (undo with `omnicrm undo CHANGE_ID`).
    Delete { id: String },
    /// A contact's timeline: mail, meetings, calls, notes and tasks, newest first.
    Timeline {
        id: String,
        /// How many items (at most 500).
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Continue after this item (the `next` of the previous page, as AT/ID).
        #[arg(long, value_name = "AT/ID")]
        after: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Display name.
    #[arg(long)]
    pub name: String,
    /// Email address; repeat for several (the first is primary).
    #[arg(long = "email")]
    pub emails: Vec<String>,
    /// Phone number; repeat for several (the first is primary).
    #[arg(long = "phone")]
    pub phones: Vec<String>,
    #[arg(long)]
    pub organization: Option<String>,
    /// Lifecycle stage, e.g. prospect, new_client, core_client, vip_client.
    #[arg(long)]
    pub stage: Option<String>,
    /// Client status: active, inactive, at_risk or churned.
    #[arg(long)]
    pub status: Option<String>,
    /// Date of birth, YYYY-MM-DD or --MM-DD without the year.
    #[arg(long, allow_hyphen_values = true)]
    pub birthday: Option<String>,
    /// Tag; repeat for several.
    #[arg(long = "tag")]
    pub tags: Vec<String>,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    /// The contact's id.
    pub id: String,
    #[arg(long)]
    pub name: Option<String>,
    /// The organisation ("" clears it).
    #[arg(long)]
    pub organization: Option<String>,
    /// Lifecycle stage, e.g. prospect, new_client, core_client, vip_client ("" clears it).
    #[arg(long)]
    pub stage: Option<String>,
    /// Client status: active, inactive, at_risk or churned.
    #[arg(long)]
    pub status: Option<String>,
    /// Email address; repeat for several (the first is primary). Replaces the list.
    #[arg(long = "email")]
    pub emails: Option<Vec<String>>,
    /// Phone number; repeat for several (the first is primary). Replaces the list.
    #[arg(long = "phone")]
    pub phones: Option<Vec<String>>,
    /// Date of birth, YYYY-MM-DD or --MM-DD without the year ("" clears it).
    #[arg(long, allow_hyphen_values = true)]
    pub birthday: Option<String>,
    /// How often to be in touch: 30d, 2w, 3m, none, or default (the tag and stage defaults).
    #[arg(long)]
    pub cadence: Option<String>,
}

impl EditArgs {
    /// Whether any of the contact's own fields is to change (not only its cadence).
    pub fn changes_fields(&self) -> bool {
        self.name.is_some()
            || self.organization.is_some()
            || self.stage.is_some()
            || self.status.is_some()
            || self.emails.is_some()
            || self.phones.is_some()
            || self.birthday.is_some()
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SortArg {
    Name,
    Updated,
    Stage,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only contacts matching this text.
    #[arg(long)]
    pub search: Option<String>,
    #[arg(long)]
    pub stage: Option<String>,
    #[arg(long)]
    pub status: Option<String>,
    #[arg(long)]
    pub tag: Option<String>,
    #[arg(long)]
    pub source: Option<String>,
    #[arg(long, value_enum, default_value_t = SortArg::Name)]
    pub sort: SortArg,
    /// Sort descending.
    #[arg(long)]
    pub desc: bool,
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    #[arg(long, default_value_t = 0)]
    pub offset: u32,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many contacts to generate.
    #[arg(long, default_value_t = 200)]
    pub contacts: u32,
    /// The seed; the same seed gives the same people.
    #[arg(long, default_value_t = omnicrm_core::demo::DEFAULT_SEED)]
    pub seed: u64,
}

#[derive(Debug, Subcommand)]
pub enum DuplicatesCommand {
    /// List suggested duplicates: exact matches first, then likely ones.
    List {
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Merge contacts into a survivor (undo with `omnicrm undo --batch BATCH_ID`).
    Merge {
        /// The contact that stays.
        survivor_id: String,
        /// The contacts merged into it and then deleted.
        #[arg(required = true)]
        merged_ids: Vec<String>,
        /// Take a field from one of the contacts, e.g. `--take display_name=ID`; repeat for
        /// several. Fields: display_name, organization, address, date_of_birth, photo,
        /// lifecycle_stage, client_status, referral_source, emergency_contact_name,
        /// emergency_contact_phone.
        #[arg(long = "take", value_name = "FIELD=CONTACT_ID")]
        takes: Vec<String>,
    },
    /// Mark contacts as different people so they are not suggested together again.
    Dismiss {
        #[arg(required = true, num_args = 2..)]
        contact_ids: Vec<String>,
    },
}

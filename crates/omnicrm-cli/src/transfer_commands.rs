//! `omnicrm import`, `omnicrm imports list|undo`, `omnicrm export` and `omnicrm delete-all-data`.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::Table;
use omnicrm_core::export::ExportFormat;
use omnicrm_core::imports::{ColumnTarget, Field, ImportFormat, ImportOptions, ImportPreview};
use omnicrm_core::{Core, Error, Result};

use crate::arguments::{ExportArgs, ExportFormatArg, ImportArgs, ImportFormatArg, ImportsCommand};
use crate::output::Printer;

pub fn import(core: &Core, arguments: &ImportArgs, printer: &Printer) -> Result<()> {
    let format = arguments.format.map(|format| match format {
        ImportFormatArg::Vcard => ImportFormat::Vcard,
        ImportFormatArg::GoogleCsv => ImportFormat::GoogleCsv,
        ImportFormatArg::OutlookCsv => ImportFormat::OutlookCsv,
        ImportFormatArg::Csv => ImportFormat::Csv,
        ImportFormatArg::Json => ImportFormat::Json,
    });
    let bytes = std::fs::read(&arguments.file).map_err(|source| {
        Error::io(
            &format!("could not read {}", arguments.file.display()),
            &source,
        )
    })?;
    let file_name = arguments
        .file
        .file_name()
        .map(|name| name.to_string_lossy().into_owned());
    let format = match format {
        Some(format) => format,
        None => core.imports.detect_format(&bytes, file_name.as_deref())?,
    };
    // A generic CSV is read through the suggested mapping, adjusted by --map.
    let mapping = if format == ImportFormat::Csv {
        let mut mapping = core.imports.csv_preview(&bytes)?.suggested_mapping;
        for (index, pair) in arguments.mappings.iter().enumerate() {
            let (header, field) = pair.split_once('=').ok_or_else(|| {
                Error::invalid_field(format!("map[{index}]"), "must look like HEADER=FIELD")
            })?;
            let field: Field = serde_json::from_value(serde_json::Value::String(field.to_owned()))
                .map_err(|_| {
                    Error::invalid_field(format!("map[{index}]"), "names an unknown field")
                })?;
            match mapping
                .columns
                .iter_mut()
                .find(|column| column.header == header)
            {
                Some(column) => column.field = field,
                None => mapping.columns.push(ColumnTarget {
                    header: header.to_owned(),
                    field,
                }),
            }
        }
        Some(mapping)
    } else {
        None
    };
    let options = ImportOptions {
        file_name,
        format: Some(format),
        mapping,
        accept_valid_rows: arguments.accept_valid,
    };
    if arguments.dry_run {
        let preview = core.imports.preview(&bytes, &options)?;
        return printer.value(&preview, || preview_text(&preview));
    }
    let bar = printer.progress_bar(0, "Importing");
    // Handed over: the file is let go of once planned.
    let summary = core.imports.run(bytes, &options, &mut |done, total| {
        if let Some(bar) = &bar {
            bar.set_length(u64::from(total));
            bar.set_position(u64::from(done));
        }
    })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    printer.value(&summary, || {
        let counts = &summary.counts;
        format!(
            "Imported {}: {} created, {} updated, {} combined, {} already there, {} invalid.\n\
             Undo with: omnicrm imports undo {}",
            summary.file_name.as_deref().unwrap_or("the file"),
            counts.create,
            counts.update,
            counts.merge,
            counts.skip,
            counts.invalid,
            summary.id
        )
    })
}

fn preview_text(preview: &ImportPreview) -> String {
    let counts = &preview.counts;
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(["Where", "Name", "Action", "Why"]);
    for item in preview.items.iter().take(200) {
        table.add_row([
            item.location.clone(),
            item.display_name.clone(),
            format!("{:?}", item.action).to_lowercase(),
            item.reason.clone(),
        ]);
    }
    format!(
        "{table}\n{} records ({:?}): {} to create, {} to update, {} to combine, {} already there, \
         {} invalid. Nothing was written (dry run).",
        preview.records,
        preview.format,
        counts.create,
        counts.update,
        counts.merge,
        counts.skip,
        counts.invalid
    )
}

pub fn run_imports(core: &Core, command: ImportsCommand, printer: &Printer) -> Result<()> {
    match command {
        ImportsCommand::List => {
            let imports = core.imports.list()?;
            printer.value(&imports, || {
                if imports.is_empty() {
                    return "No imports yet. Import a file with: omnicrm import FILE".to_owned();
                }
                let mut table = Table::new();
                table.load_preset(UTF8_FULL_CONDENSED);
                table.set_header(["When", "File", "Created", "Updated", "State", "Id"]);
                for import in &imports {
                    table.add_row([
                        import.created_at.clone(),
                        import.file_name.clone().unwrap_or_default(),
                        import.counts.create.to_string(),
                        import.counts.update.to_string(),
                        if import.undone { "undone" } else { "applied" }.to_owned(),
                        import.id.clone(),
                    ]);
                }
                table.to_string()
            })
        }
        ImportsCommand::Undo { import_id } => {
            let outcome = core.imports.undo(&import_id)?;
            printer.value(&outcome, || {
                format!("Undid the import: {} changes reverted.", outcome.undone)
            })
        }
    }
}

pub fn export(core: &Core, arguments: &ExportArgs, printer: &Printer) -> Result<()> {
    let format = match arguments.format {
        ExportFormatArg::Vcard => ExportFormat::Vcard,
        ExportFormatArg::Csv => ExportFormat::GoogleCsv,
        ExportFormatArg::Json => ExportFormat::Json,
        ExportFormatArg::Ics => ExportFormat::Ics,
    };
    if arguments.out.exists() && !arguments.force {
        return Err(Error::invalid_field(
            "out",
            format!(
                "{} already exists; pass --force to replace it",
                arguments.out.display()
            ),
        ));
    }
    let summary = core
        .export
        .write(format, &arguments.out, arguments.contact.as_deref())?;
    let what = if format == ExportFormat::Ics {
        "reminder(s) and birthday(s)"
    } else {
        "contact(s)"
    };
    printer.value(&summary, || {
        format!(
            "Exported {} {what} to {} ({}).",
            summary.contacts,
            summary.path,
            crate::output::human_size(summary.bytes)
        )
    })
}

pub fn delete_all_data(core: &Core, confirmation: &str, printer: &Printer) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| Error::io("could not start the async runtime", &error))?;
    let summary = runtime.block_on(omnicrm_app::data_deletion::delete_all_data(
        core,
        confirmation,
    ))?;
    printer.value(&summary, || {
        format!(
            "Deleted {} contacts and everything about them, and {} backups.",
            summary.contacts, summary.backups
        )
    })
}

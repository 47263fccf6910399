//! `omnicrm`: import, export, search, demo data, backups and diagnostics over the local store.

mod ai_commands;
mod arguments;
mod backup_commands;
mod commands;
mod crm_commands;
mod duplicate_commands;
mod encryption_commands;
mod google_commands;
mod google_sync_commands;
mod jobs_run_command;
mod keep_in_touch_commands;
mod output;
mod search_commands;
mod sync_commands;
mod transfer_commands;

use clap::Parser;

fn main() {
    // Before any thread starts (see the function).
    omnicrm_search::pin_compute_thread_count();
    let arguments = match arguments::Cli::try_parse() {
        Ok(arguments) => arguments,
        Err(error) => usage_error(error),
    };
    let json = arguments.json;
    match commands::run(arguments) {
        Ok(commands::Finished::Done) => {}
        Ok(commands::Finished::ChecksFailed) => std::process::exit(1),
        Err(error) if output::is_stdout_closed(&error) => {}
        Err(error) => {
            output::print_error(&error, json);
            std::process::exit(1);
        }
    }
}

/// A command line clap refused. With `--json` the error follows the error contract on stdout
/// (scripts read one shape for every failure); otherwise clap prints it (or the help) as usual.
fn usage_error(error: clap::Error) -> ! {
    use clap::error::ErrorKind;
    let wants_json = std::env::args().any(|argument| argument == "--json");
    let is_help = matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    if !wants_json || is_help {
        error.exit();
    }
    let rendered = error.render().to_string();
    let message = rendered
        .split("\n\nUsage:")
        .next()
        .unwrap_or(&rendered)
        .trim()
        .trim_start_matches("error: ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let error = omnicrm_core::Error::new(omnicrm_core::ErrorCode::ValidationFailed, message);
    output::print_error(&error, true);
    std::process::exit(2);
}

//! `omnicrm`: import, export, search, demo data, backups and diagnostics over the local store.

mod ai_commands;
mod arguments;
mod backup_commands;
mod commands;
mod crm_commands;
mod duplicate_commands;
mod google_commands;
mod google_sync_commands;
mod jobs_run_command;
mod output;
mod search_commands;
mod sync_commands;
mod transfer_commands;

use clap::Parser;

fn main() {
    // Before any thread starts (see the function).
    omnicrm_search::pin_compute_thread_count();
    let arguments = arguments::Cli::parse();
    let json = arguments.json;
    match commands::run(arguments) {
        Ok(()) => {}
        Err(error) => {
            output::print_error(&error, json);
            std::process::exit(1);
        }
    }
}

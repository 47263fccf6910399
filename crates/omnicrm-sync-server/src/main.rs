//! `omnicrm-sync`: the sync server and its admin commands.

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = omnicrm_sync_server::cli::Cli::parse();
    match omnicrm_sync_server::cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("omnicrm-sync: {error}");
            ExitCode::FAILURE
        }
    }
}

//! `omnicrm google connect|status|disconnect`: the Google account of this device. The sync
//! commands (`preview|sync|undo|batches|suggestions`) live in `google_sync_commands`.
//!
//! Configuration comes from the environment (see `omnicrm_google::environment`):
//! `OMNICRM_GOOGLE_CLIENT_ID` (needed to connect) and `OMNICRM_GOOGLE_CLIENT_SECRET`, the
//! endpoint overrides `OMNICRM_GOOGLE_AUTHORIZE_URL`, `…_TOKEN_URL`, `…_USERINFO_URL`,
//! `…_REVOKE_URL`, `…_GMAIL_API_BASE`, `…_CALENDAR_API_BASE`, and `OMNICRM_SECRET_STORAGE`
//! (`keyring`, `encrypted_file` or `auto`) for where tokens are kept.

use std::io::Write;
use std::time::Duration;

use clap::Subcommand;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use omnicrm_core::integrations::{AccountStatus, IntegrationAccount, TokenStorage};
use omnicrm_core::{Core, Error, Result};
use omnicrm_google::{environment, GoogleAccounts, GoogleOAuth, Url};

use crate::output::Printer;

#[derive(Debug, Subcommand)]
pub enum GoogleCommand {
    /// Sign in to Google in the browser and connect the account (read-only Gmail and Calendar).
    Connect {
        /// Only print the sign-in address; do not try to open a browser.
        #[arg(long)]
        no_browser: bool,
        /// How long to wait for the browser to come back, in seconds.
        #[arg(long, default_value_t = 300, value_name = "SECONDS")]
        timeout: u64,
    },
    /// Show the Google accounts of this device and where their tokens are kept.
    Status,
    /// Revoke OmniCRM's access at Google and remove the tokens from this device.
    Disconnect {
        /// The account's id or email address; may be left out when only one is connected.
        account: Option<String>,
    },
    #[command(flatten)]
    Sync(crate::google_sync_commands::GoogleSyncCommand),
}

pub fn run_google(core: &Core, command: GoogleCommand, printer: &Printer) -> Result<()> {
    if let GoogleCommand::Sync(sync) = command {
        return crate::google_sync_commands::run_google_sync(core, sync, printer);
    }
    let oauth = GoogleOAuth::new(environment::oauth_config_from_env())?;
    let google = GoogleAccounts::new(oauth, core.integrations.clone(), &core.data_dir);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| Error::io("could not start the async runtime", &error))?;
    match command {
        GoogleCommand::Connect {
            no_browser,
            timeout,
        } => runtime.block_on(connect(&google, no_browser, timeout, printer)),
        GoogleCommand::Status => runtime.block_on(status(&google, printer)),
        GoogleCommand::Disconnect { account } => {
            runtime.block_on(disconnect(&google, account.as_deref(), printer))
        }
        GoogleCommand::Sync(sync) => {
            crate::google_sync_commands::run_google_sync(core, sync, printer)
        }
    }
}

async fn connect(
    google: &GoogleAccounts,
    no_browser: bool,
    timeout_seconds: u64,
    printer: &Printer,
) -> Result<()> {
    if timeout_seconds == 0 {
        return Err(Error::invalid_field("timeout", "must be at least 1 second"));
    }
    let outcome = google
        .connect(Duration::from_secs(timeout_seconds), |url| {
            show_sign_in_address(url, no_browser)
        })
        .await?;
    printer.value(&outcome, || {
        let account = &outcome.account;
        let mut text = format!("Connected {} ({}).", account.email, account.id);
        if account.token_storage == TokenStorage::Keyring {
            text.push_str(" Tokens are kept in the system keyring.");
        }
        for warning in &outcome.warnings {
            text.push_str("\nNote: ");
            text.push_str(warning);
        }
        text
    })
}

/// The address goes to stderr so `--json` output stays one JSON document on stdout.
fn show_sign_in_address(url: &Url, no_browser: bool) {
    let mut stderr = std::io::stderr().lock();
    let shown = writeln!(
        stderr,
        "Open this address in your browser to connect your Google account:\n\n  {url}\n"
    )
    .and_then(|()| stderr.flush());
    if let Err(error) = shown {
        tracing::warn!(%error, "could not print the sign-in address");
    }
    if no_browser {
        return;
    }
    if let Err(error) = open::that_detached(url.as_str()) {
        if writeln!(
            stderr,
            "(Could not open a browser: {error}. Open the address above yourself.)"
        )
        .is_err()
        {
            tracing::warn!(%error, "could not open a browser");
        }
    }
}

async fn status(google: &GoogleAccounts, printer: &Printer) -> Result<()> {
    let status = google.status().await?;
    printer.value(&status, || {
        let mut text = if status.accounts.is_empty() {
            "No Google account is connected. Connect one with: omnicrm google connect".to_owned()
        } else {
            accounts_table(&status.accounts)
        };
        if let Some(notice) = &status.token_storage.notice {
            text.push_str(&format!("\n{notice}."));
        }
        text
    })
}

async fn disconnect(
    google: &GoogleAccounts,
    account: Option<&str>,
    printer: &Printer,
) -> Result<()> {
    let accounts = google.status().await?.accounts;
    let chosen = choose_account(&accounts, account)?;
    let outcome = google.disconnect(&chosen.id).await?;
    printer.value(&outcome, || match &outcome.revocation_error {
        None => format!(
            "Disconnected {}. Google revoked OmniCRM's access and the tokens are removed from \
             this device.",
            outcome.account.email
        ),
        Some(reason) => format!(
            "Disconnected {}. The tokens are removed from this device, but Google did not \
             confirm the revocation ({reason}). You can also remove OmniCRM's access in your \
             Google account's security settings.",
            outcome.account.email
        ),
    })
}

/// The account named by id or email, or the only connected one.
fn choose_account<'a>(
    accounts: &'a [IntegrationAccount],
    wanted: Option<&str>,
) -> Result<&'a IntegrationAccount> {
    match wanted.map(str::trim) {
        Some(wanted) => accounts
            .iter()
            .find(|account| account.id == wanted || account.email.eq_ignore_ascii_case(wanted))
            .ok_or_else(|| Error::not_found("Google account", wanted)),
        None => {
            let connected: Vec<&IntegrationAccount> = accounts
                .iter()
                .filter(|account| account.status == AccountStatus::Connected)
                .collect();
            match connected.as_slice() {
                [only] => Ok(only),
                [] => Err(Error::invalid_field(
                    "account",
                    "no Google account is connected",
                )),
                _ => Err(Error::invalid_field(
                    "account",
                    "several Google accounts are connected: name one by email or id",
                )),
            }
        }
    }
}

fn accounts_table(accounts: &[IntegrationAccount]) -> String {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(["Email", "Status", "Tokens", "Last sync", "Last error", "Id"]);
    for account in accounts {
        let status = match (&account.status, &account.status_reason) {
            (AccountStatus::Connected, _) => "connected".to_owned(),
            (AccountStatus::Disconnected, Some(reason)) => format!("disconnected: {reason}"),
            (AccountStatus::Disconnected, None) => "disconnected".to_owned(),
        };
        let last_sync = match (&account.last_sync_at, &account.last_sync_summary) {
            (Some(at), Some(summary)) => format!("{at} — {summary}"),
            (Some(at), None) => at.clone(),
            _ => "never".to_owned(),
        };
        table.add_row([
            account.email.clone(),
            status,
            account.token_storage.as_str().to_owned(),
            last_sync,
            account.last_error.clone().unwrap_or_default(),
            account.id.clone(),
        ]);
    }
    table.to_string()
}

//! The `omnicrm-sync` command line: the server and its admin commands.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use serde_json::json;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::database::Database;
use crate::{admin, migrations, projection, Config};

#[derive(Debug, Parser)]
#[command(name = "omnicrm-sync", about = "OmniCRM team sync server")]
pub struct Cli {
    /// TOML configuration file (environment variables override it).
    #[arg(long, env = "OMNICRM_SYNC_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending database migrations.
    Migrate,
    /// Serve the sync endpoint.
    Serve {
        #[arg(long, default_value = "127.0.0.1:3030")]
        listen: SocketAddr,
    },
    /// Manage workspaces.
    #[command(subcommand)]
    Workspace(WorkspaceCommand),
    /// Manage workspace members.
    #[command(subcommand)]
    Member(MemberCommand),
    /// Manage device tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage the relational projection.
    #[command(subcommand)]
    Projection(ProjectionCommand),
}

#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    /// Create a workspace (with its root document).
    Create {
        name: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// Add a member to a workspace.
    Add {
        #[arg(long)]
        workspace: Uuid,
        name: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a device token (printed once).
    Issue {
        #[arg(long)]
        workspace: Uuid,
        #[arg(long)]
        member: Option<Uuid>,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token; live connections using it are closed.
    Revoke { token: String },
}

#[derive(Debug, Subcommand)]
pub enum ProjectionCommand {
    /// Rebuild a workspace's projection from its documents.
    Rebuild {
        #[arg(long)]
        workspace: Uuid,
    },
}

pub async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::load(cli.config.as_deref())?;
    let database = Database::connect(&config)?;
    let pool = &database.primary;
    match cli.command {
        Command::Migrate => {
            let applied = migrations::migrate(pool).await?;
            println!(
                "applied {} migration(s){}",
                applied.len(),
                if applied.is_empty() {
                    " (up to date)"
                } else {
                    ""
                }
            );
        }
        Command::Serve { listen } => {
            init_json_logs();
            migrations::migrate(pool).await?;
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .map_err(|error| format!("cannot listen on {listen}: {error}"))?;
            let shutdown = CancellationToken::new();
            let trigger = shutdown.clone();
            tokio::spawn(async move {
                wait_for_signal().await;
                tracing::info!("shutdown requested");
                trigger.cancel();
            });
            crate::serve(config, listener, shutdown).await?;
        }
        Command::Workspace(WorkspaceCommand::Create { name, json }) => {
            let (id, root) = admin::create_workspace(pool, &name).await?;
            if json {
                println!(
                    "{}",
                    json!({ "id": id, "root_document_id": root.to_string() })
                );
            } else {
                println!("workspace {id} (root document {root})");
            }
        }
        Command::Member(MemberCommand::Add {
            workspace,
            name,
            json,
        }) => {
            let id = admin::add_member(pool, workspace, &name).await?;
            if json {
                println!("{}", json!({ "id": id }));
            } else {
                println!("member {id}");
            }
        }
        Command::Token(TokenCommand::Issue {
            workspace,
            member,
            json,
        }) => {
            let (id, token) = admin::issue_token(pool, workspace, member).await?;
            if json {
                println!("{}", json!({ "id": id, "token": token }));
            } else {
                println!("{token}");
            }
        }
        Command::Token(TokenCommand::Revoke { token }) => {
            let id = admin::revoke_token(pool, &token).await?;
            println!("revoked token {id}");
        }
        Command::Projection(ProjectionCommand::Rebuild { workspace }) => {
            let count = projection::rebuild(pool, workspace).await?;
            println!("rebuilt the projection from {count} document(s)");
        }
    }
    Ok(())
}

fn init_json_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    if let Err(error) = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init()
    {
        eprintln!("omnicrm-sync: logging already initialised: {error}");
    }
}

async fn wait_for_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                if interrupt.await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    if interrupt.await.is_err() {
        std::future::pending::<()>().await;
    }
}

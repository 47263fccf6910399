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

/// The log filter when `RUST_LOG` is not set. Automerge instruments its loading code with
/// INFO spans whose fields include the whole change graph: recording them formatted every
/// known change hash on every merge (about 30 % of the server's CPU time under load), so
/// automerge logs only warnings.
pub const DEFAULT_LOG_FILTER: &str = "info,automerge=warn";

/// `RUST_LOG` when set, else [`DEFAULT_LOG_FILTER`].
pub fn log_filter() -> tracing_subscriber::EnvFilter {
    tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(DEFAULT_LOG_FILTER))
}

fn init_json_logs() {
    let filter = log_filter();
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use automerge::transaction::Transactable;
    use automerge::{Automerge, ROOT};
    use tracing_subscriber::layer::{Context, SubscriberExt};
    use tracing_subscriber::{EnvFilter, Layer};

    use super::DEFAULT_LOG_FILTER;

    /// Counts the spans created by automerge that the filter let through.
    struct AutomergeSpans(Arc<AtomicUsize>);

    impl<S: tracing::Subscriber> Layer<S> for AutomergeSpans {
        fn on_new_span(
            &self,
            attributes: &tracing::span::Attributes<'_>,
            _id: &tracing::span::Id,
            _context: Context<'_, S>,
        ) {
            if attributes.metadata().target().starts_with("automerge") {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    /// Spans automerge records while one change is merged the way the server merges one.
    fn automerge_spans_while_merging(filter: &str) -> usize {
        let mut source = Automerge::new();
        let mut transaction = source.transaction();
        transaction.put(ROOT, "title", "a note").unwrap();
        transaction.commit();
        let change = source.save();
        let count = Arc::new(AtomicUsize::new(0));
        let subscriber = tracing_subscriber::registry()
            .with(EnvFilter::new(filter))
            .with(AutomergeSpans(count.clone()));
        tracing::subscriber::with_default(subscriber, || {
            let mut server_copy = Automerge::new();
            server_copy.load_incremental(&change).unwrap();
        });
        count.load(Ordering::SeqCst)
    }

    #[test]
    fn regression_automerge_spans_formatting_the_change_graph_are_filtered_out_by_default() {
        assert!(
            automerge_spans_while_merging("info") > 0,
            "automerge no longer opens INFO spans while loading: this test checks nothing"
        );
        assert_eq!(automerge_spans_while_merging(DEFAULT_LOG_FILTER), 0);
    }
}

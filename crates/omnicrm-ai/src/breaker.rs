//! A circuit breaker per model, persisted in `ai_breakers` so every process on this database
//! (the app, the CLI) agrees on it and a restart does not hammer a failing provider again.
//!
//! - **Closed**: calls go out. A call that fails after its retries (5xx, 429, timeout, network)
//!   adds one to the model's failures in a row; a success resets them.
//! - **Open**: after `breaker_failure_threshold` failures in a row, calls to the model are
//!   refused (the client falls back to the next model) until `breaker_cooldown_ms` has passed.
//! - **Half-open**: the first caller after the cooldown takes the one probe; everyone else is
//!   still refused while it runs. The probe's success closes the circuit, its failure opens it
//!   for another cooldown. A probe that never reports (the process died) is given up after a
//!   cooldown, and the next caller probes again.
//!
//! Each transition is one IMMEDIATE transaction, so two callers cannot both take the probe.

use chrono::{DateTime, Duration, Utc};
use omnicrm_core::time::{format_utc, parse_utc};
use omnicrm_core::{Database, Result};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use crate::settings::ResilienceSettings;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

impl BreakerState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open => "open",
            Self::HalfOpen => "half_open",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "open" => Self::Open,
            "half_open" => Self::HalfOpen,
            _ => Self::Closed,
        }
    }
}

/// A model's circuit, as the status page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BreakerStatus {
    pub model: String,
    pub state: BreakerState,
    pub consecutive_failures: u32,
    /// While open: when a probe will be let through.
    pub open_until: Option<String>,
    pub last_error: Option<String>,
}

/// Whether a call may go out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    Allowed,
    /// This caller is the half-open probe.
    Probe,
    /// Refused until the given time.
    Refused {
        until: String,
    },
}

#[derive(Debug, Clone)]
pub struct Breakers {
    database: Database,
}

impl Breakers {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    pub fn admit(&self, model: &str, settings: &ResilienceSettings) -> Result<Admission> {
        self.admit_at(model, settings, Utc::now())
    }

    pub fn admit_at(
        &self,
        model: &str,
        settings: &ResilienceSettings,
        now: DateTime<Utc>,
    ) -> Result<Admission> {
        let cooldown = Duration::milliseconds(i64::from(settings.breaker_cooldown_ms));
        self.database.write(|transaction| {
            let Some(row) = load(transaction, model)? else {
                return Ok(Admission::Allowed);
            };
            match row.state {
                BreakerState::Closed => Ok(Admission::Allowed),
                BreakerState::Open => {
                    let until = row.open_until.as_deref().and_then(parse_utc);
                    match until {
                        Some(until) if until > now => Ok(Admission::Refused {
                            until: format_utc(until),
                        }),
                        _ => {
                            take_probe(transaction, model, now)?;
                            Ok(Admission::Probe)
                        }
                    }
                }
                BreakerState::HalfOpen => {
                    let probe_ends = row
                        .probe_started_at
                        .as_deref()
                        .and_then(parse_utc)
                        .map(|started| started + cooldown);
                    match probe_ends {
                        Some(ends) if ends > now => Ok(Admission::Refused {
                            until: format_utc(ends),
                        }),
                        _ => {
                            take_probe(transaction, model, now)?;
                            Ok(Admission::Probe)
                        }
                    }
                }
            }
        })
    }

    /// The call succeeded: the circuit closes.
    pub fn record_success(&self, model: &str) -> Result<()> {
        self.database.write(|transaction| {
            transaction.execute(
                "INSERT INTO ai_breakers (model, state, consecutive_failures, updated_at)
                 VALUES (?1, 'closed', 0, ?2)
                 ON CONFLICT (model) DO UPDATE SET state = 'closed', consecutive_failures = 0,
                     open_until = NULL, probe_started_at = NULL, updated_at = excluded.updated_at",
                rusqlite::params![model, format_utc(Utc::now())],
            )?;
            Ok(())
        })
    }

    /// The call failed after its retries: one more failure in a row; the circuit opens at the
    /// threshold, or at once when the call was the half-open probe.
    pub fn record_failure(
        &self,
        model: &str,
        error: &str,
        settings: &ResilienceSettings,
    ) -> Result<BreakerState> {
        self.record_failure_at(model, error, settings, Utc::now())
    }

    pub fn record_failure_at(
        &self,
        model: &str,
        error: &str,
        settings: &ResilienceSettings,
        now: DateTime<Utc>,
    ) -> Result<BreakerState> {
        let cooldown = Duration::milliseconds(i64::from(settings.breaker_cooldown_ms));
        self.database.write(|transaction| {
            let previous = load(transaction, model)?;
            let failures = previous
                .as_ref()
                .map_or(0, |row| row.consecutive_failures)
                .saturating_add(1);
            let was_probe = previous
                .as_ref()
                .is_some_and(|row| row.state != BreakerState::Closed);
            let state = if was_probe || failures >= settings.breaker_failure_threshold {
                BreakerState::Open
            } else {
                BreakerState::Closed
            };
            let open_until = (state == BreakerState::Open).then(|| format_utc(now + cooldown));
            transaction.execute(
                "INSERT INTO ai_breakers (model, state, consecutive_failures, open_until,
                     probe_started_at, last_error, updated_at)
                 VALUES (?1, ?2, ?3, ?4, NULL, ?5, ?6)
                 ON CONFLICT (model) DO UPDATE SET state = excluded.state,
                     consecutive_failures = excluded.consecutive_failures,
                     open_until = excluded.open_until, probe_started_at = NULL,
                     last_error = excluded.last_error, updated_at = excluded.updated_at",
                rusqlite::params![
                    model,
                    state.as_str(),
                    failures,
                    open_until,
                    error,
                    format_utc(now)
                ],
            )?;
            if state == BreakerState::Open {
                tracing::warn!(model, failures, "AI model circuit opened");
            }
            Ok(state)
        })
    }

    pub fn status(&self, model: &str) -> Result<BreakerStatus> {
        self.database.read(|connection| {
            Ok(load(connection, model)?.map_or_else(
                || BreakerStatus {
                    model: model.to_owned(),
                    state: BreakerState::Closed,
                    consecutive_failures: 0,
                    open_until: None,
                    last_error: None,
                },
                |row| BreakerStatus {
                    model: model.to_owned(),
                    state: row.state,
                    consecutive_failures: row.consecutive_failures,
                    open_until: row.open_until,
                    last_error: row.last_error,
                },
            ))
        })
    }
}

struct Row {
    state: BreakerState,
    consecutive_failures: u32,
    open_until: Option<String>,
    probe_started_at: Option<String>,
    last_error: Option<String>,
}

fn load(connection: &rusqlite::Connection, model: &str) -> Result<Option<Row>> {
    Ok(connection
        .query_row(
            "SELECT state, consecutive_failures, open_until, probe_started_at, last_error
             FROM ai_breakers WHERE model = ?1",
            [model],
            |row| {
                Ok(Row {
                    state: BreakerState::parse(&row.get::<_, String>(0)?),
                    consecutive_failures: row.get(1)?,
                    open_until: row.get(2)?,
                    probe_started_at: row.get(3)?,
                    last_error: row.get(4)?,
                })
            },
        )
        .optional()?)
}

fn take_probe(connection: &rusqlite::Connection, model: &str, now: DateTime<Utc>) -> Result<()> {
    connection.execute(
        "UPDATE ai_breakers SET state = 'half_open', probe_started_at = ?2, updated_at = ?2
         WHERE model = ?1",
        rusqlite::params![model, format_utc(now)],
    )?;
    Ok(())
}

//! The guardrails: requests per minute, a daily cost cap and monthly credits, and the usage
//! ledger they count. This is the only place that decides whether a provider call may go out.
//!
//! State is the `ai_usage` table, not process memory, so the CLI and the app share one budget
//! and a restart forgets nothing. Checking and reserving are one IMMEDIATE transaction (the
//! writer is also a mutex inside the process), so two callers can never both take the last
//! slot: the second one sees the first one's reservation. A reservation counts as a request at
//! once and holds `reserve_per_request_usd` against the cost limits until it is settled with
//! the provider's usage (or marked failed, which releases the money but still counts the
//! request).

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc};
use omnicrm_core::time::{format_utc, new_id, now_utc, parse_utc};
use omnicrm_core::{Database, Error, ErrorCode, LimitDetails, Result};
use serde::{Deserialize, Serialize};

use crate::settings::{AiLimits, AiSettings};
use crate::wire::Usage;

const MICROS_PER_USD: f64 = 1_000_000.0;

/// A provider call allowed by the guardrails, not yet settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    pub id: String,
}

/// How much of one limit is used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LimitUsage {
    pub limit: f64,
    pub used: f64,
    /// When the window ends (RFC 3339 UTC).
    pub resets_at: String,
}

/// One model's use this month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ModelUsage {
    pub model: String,
    pub requests: u32,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost_usd: f64,
}

/// What the user sees: each limit with its use, and this month's use per model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UsageSummary {
    /// Requests in the last 60 seconds.
    pub minute: LimitUsage,
    /// US dollars spent (or reserved by calls under way) today, UTC.
    pub today: LimitUsage,
    /// US dollars spent this calendar month, UTC.
    pub month: LimitUsage,
    pub by_model: Vec<ModelUsage>,
}

/// One settled ledger row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UsageEntry {
    pub id: String,
    pub purpose: String,
    pub model: String,
    pub status: String,
    pub reserved_at: String,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost_usd: f64,
    /// `provider`, `price_table` or `unknown`.
    pub cost_source: String,
}

/// Checks, reserves and settles provider calls against the limits.
#[derive(Debug, Clone)]
pub struct Guardrails {
    database: Database,
}

impl Guardrails {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    /// Checks every limit and, when all allow it, records the call as reserved — atomically.
    pub fn reserve(&self, limits: &AiLimits, purpose: &str, model: &str) -> Result<Reservation> {
        self.reserve_at(limits, purpose, model, Utc::now())
    }

    /// [`Guardrails::reserve`] at a given time (tests walk the clock with it).
    pub fn reserve_at(
        &self,
        limits: &AiLimits,
        purpose: &str,
        model: &str,
        now: DateTime<Utc>,
    ) -> Result<Reservation> {
        let reserve_micros = usd_to_micros(limits.reserve_per_request_usd);
        self.database.write(|transaction| {
            let windows = Windows::at(now);
            let minute = requests_since(transaction, &windows.minute_start)?;
            if limits.requests_per_minute == 0 {
                return Err(turned_off(
                    ErrorCode::RateLimitedMinute,
                    "requests per minute",
                    minute.count as f64,
                    &format_utc(now),
                ));
            }
            if minute.count >= u64::from(limits.requests_per_minute) {
                let resets_at = minute
                    .oldest
                    .as_deref()
                    .and_then(parse_utc)
                    .map_or(now, |oldest| oldest + Duration::seconds(60));
                return Err(Error::limit_reached(
                    ErrorCode::RateLimitedMinute,
                    format!(
                        "{} of {} AI requests in the last minute; try again after {}",
                        minute.count,
                        limits.requests_per_minute,
                        format_utc(resets_at)
                    ),
                    LimitDetails {
                        limit: f64::from(limits.requests_per_minute),
                        used: minute.count as f64,
                        resets_at: format_utc(resets_at),
                    },
                ));
            }
            let today = cost_since(transaction, &windows.day_start)?;
            check_cost(
                ErrorCode::RateLimitedDailyCost,
                "today's AI cost cap",
                limits.daily_cost_cap_usd,
                today,
                reserve_micros,
                &windows.day_end,
            )?;
            let month = cost_since(transaction, &windows.month_start)?;
            check_cost(
                ErrorCode::RateLimitedMonthly,
                "this month's AI credits",
                limits.monthly_credits_usd,
                month,
                reserve_micros,
                &windows.month_end,
            )?;
            let id = new_id();
            transaction.execute(
                "INSERT INTO ai_usage (id, purpose, model, status, reserved_at, reserved_micros)
                 VALUES (?1, ?2, ?3, 'reserved', ?4, ?5)",
                rusqlite::params![id, purpose, model, format_utc(now), reserve_micros],
            )?;
            Ok(Reservation { id })
        })
    }

    /// Records what the call used: the cost the provider reported, else the price table's,
    /// else zero (`unknown`). Returns the cost in US dollars.
    pub fn settle(
        &self,
        reservation: &Reservation,
        model: &str,
        usage: Option<&Usage>,
        settings: &AiSettings,
    ) -> Result<f64> {
        let usage = usage.copied().unwrap_or_default();
        let (cost, source) = match (usage.cost, settings.price_of(model)) {
            (Some(cost), _) if cost.is_finite() && cost >= 0.0 => (cost, "provider"),
            (_, Some(price)) => (
                (usage.prompt_tokens as f64 * price.prompt_usd_per_million
                    + usage.completion_tokens as f64 * price.completion_usd_per_million)
                    / 1_000_000.0,
                "price_table",
            ),
            _ => (0.0, "unknown"),
        };
        self.database.write(|transaction| {
            transaction.execute(
                "UPDATE ai_usage SET status = 'settled', settled_at = ?2, model = ?3,
                     prompt_tokens = ?4, completion_tokens = ?5, cost_micros = ?6,
                     cost_source = ?7
                 WHERE id = ?1",
                rusqlite::params![
                    reservation.id,
                    now_utc(),
                    model,
                    i64::try_from(usage.prompt_tokens).unwrap_or(i64::MAX),
                    i64::try_from(usage.completion_tokens).unwrap_or(i64::MAX),
                    usd_to_micros(cost),
                    source
                ],
            )?;
            Ok(cost)
        })
    }

    /// The call failed: it still counts as a request, but costs nothing.
    pub fn fail(&self, reservation: &Reservation) -> Result<()> {
        self.database.write(|transaction| {
            transaction.execute(
                "UPDATE ai_usage SET status = 'failed', settled_at = ?2 WHERE id = ?1",
                rusqlite::params![reservation.id, now_utc()],
            )?;
            Ok(())
        })
    }

    /// Each limit with its use now.
    pub fn usage(&self, limits: &AiLimits) -> Result<UsageSummary> {
        self.usage_at(limits, Utc::now())
    }

    pub fn usage_at(&self, limits: &AiLimits, now: DateTime<Utc>) -> Result<UsageSummary> {
        self.database.read(|connection| {
            let windows = Windows::at(now);
            let minute = requests_since(connection, &windows.minute_start)?;
            let minute_reset = minute
                .oldest
                .as_deref()
                .and_then(parse_utc)
                .map_or(now, |oldest| oldest + Duration::seconds(60));
            let today = cost_since(connection, &windows.day_start)?;
            let month = cost_since(connection, &windows.month_start)?;
            let mut statement = connection.prepare(
                "SELECT model, COUNT(*), SUM(prompt_tokens), SUM(completion_tokens),
                        SUM(cost_micros)
                 FROM ai_usage WHERE reserved_at >= ?1 GROUP BY model ORDER BY model",
            )?;
            let by_model = statement
                .query_map([&windows.month_start], |row| {
                    Ok(ModelUsage {
                        model: row.get(0)?,
                        requests: row.get(1)?,
                        prompt_tokens: row.get::<_, i64>(2)?.max(0).unsigned_abs(),
                        completion_tokens: row.get::<_, i64>(3)?.max(0).unsigned_abs(),
                        cost_usd: micros_to_usd(row.get(4)?),
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(UsageSummary {
                minute: LimitUsage {
                    limit: f64::from(limits.requests_per_minute),
                    used: minute.count as f64,
                    resets_at: format_utc(minute_reset),
                },
                today: LimitUsage {
                    limit: limits.daily_cost_cap_usd,
                    used: micros_to_usd(today),
                    resets_at: windows.day_end.clone(),
                },
                month: LimitUsage {
                    limit: limits.monthly_credits_usd,
                    used: micros_to_usd(month),
                    resets_at: windows.month_end.clone(),
                },
                by_model,
            })
        })
    }

    /// The newest ledger rows, newest first.
    pub fn ledger(&self, limit: u32) -> Result<Vec<UsageEntry>> {
        self.database.read(|connection| {
            let mut statement = connection.prepare(
                "SELECT id, purpose, model, status, reserved_at, prompt_tokens, completion_tokens,
                        cost_micros, cost_source
                 FROM ai_usage ORDER BY reserved_at DESC, id DESC LIMIT ?1",
            )?;
            let entries = statement
                .query_map([limit], |row| {
                    Ok(UsageEntry {
                        id: row.get(0)?,
                        purpose: row.get(1)?,
                        model: row.get(2)?,
                        status: row.get(3)?,
                        reserved_at: row.get(4)?,
                        prompt_tokens: row.get::<_, i64>(5)?.max(0).unsigned_abs(),
                        completion_tokens: row.get::<_, i64>(6)?.max(0).unsigned_abs(),
                        cost_usd: micros_to_usd(row.get(7)?),
                        cost_source: row.get(8)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(entries)
        })
    }
}

/// The start and end of each window around `now`, as stored-text timestamps (they sort).
struct Windows {
    minute_start: String,
    day_start: String,
    day_end: String,
    month_start: String,
    month_end: String,
}

impl Windows {
    fn at(now: DateTime<Utc>) -> Self {
        let day = now.date_naive();
        let day_start = Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN));
        let month_start_date = day.with_day(1).unwrap_or(day);
        let next_month_date = if month_start_date.month() == 12 {
            chrono::NaiveDate::from_ymd_opt(month_start_date.year() + 1, 1, 1)
        } else {
            chrono::NaiveDate::from_ymd_opt(
                month_start_date.year(),
                month_start_date.month() + 1,
                1,
            )
        }
        .unwrap_or(month_start_date);
        // Just after: a request exactly 60 s old no longer counts.
        let minute_start = now - Duration::seconds(60) + Duration::milliseconds(1);
        Self {
            minute_start: format_utc(minute_start),
            day_start: format_utc(day_start),
            day_end: format_utc(day_start + Duration::days(1)),
            month_start: format_utc(
                Utc.from_utc_datetime(&month_start_date.and_time(NaiveTime::MIN)),
            ),
            month_end: format_utc(Utc.from_utc_datetime(&next_month_date.and_time(NaiveTime::MIN))),
        }
    }
}

struct RequestCount {
    count: u64,
    oldest: Option<String>,
}

fn requests_since(connection: &rusqlite::Connection, start: &str) -> Result<RequestCount> {
    Ok(connection.query_row(
        "SELECT COUNT(*), MIN(reserved_at) FROM ai_usage WHERE reserved_at >= ?1",
        [start],
        |row| {
            Ok(RequestCount {
                count: row.get::<_, i64>(0)?.max(0).unsigned_abs(),
                oldest: row.get(1)?,
            })
        },
    )?)
}

/// Settled costs plus what calls under way have reserved, in micro-dollars.
fn cost_since(connection: &rusqlite::Connection, start: &str) -> Result<i64> {
    Ok(connection.query_row(
        "SELECT COALESCE(SUM(CASE status WHEN 'reserved' THEN reserved_micros
                                         ELSE cost_micros END), 0)
         FROM ai_usage WHERE reserved_at >= ?1",
        [start],
        |row| row.get(0),
    )?)
}

/// Refuses when the spend has reached the limit, or when this call's reserve would pass it.
fn check_cost(
    code: ErrorCode,
    what: &str,
    limit_usd: f64,
    used_micros: i64,
    reserve_micros: i64,
    resets_at: &str,
) -> Result<()> {
    if limit_usd == 0.0 {
        return Err(turned_off(
            code,
            what,
            micros_to_usd(used_micros),
            resets_at,
        ));
    }
    let limit_micros = usd_to_micros(limit_usd);
    if used_micros >= limit_micros || used_micros.saturating_add(reserve_micros) > limit_micros {
        return Err(Error::limit_reached(
            code,
            format!(
                "{what} is reached: ${:.4} of ${:.2} used; it resets at {resets_at}",
                micros_to_usd(used_micros),
                limit_usd
            ),
            LimitDetails {
                limit: limit_usd,
                used: micros_to_usd(used_micros),
                resets_at: resets_at.to_owned(),
            },
        ));
    }
    Ok(())
}

/// A limit set to 0: the user turned AI requests off with it. Said as such, not as
/// "6 of 0 requests".
fn turned_off(code: ErrorCode, what: &str, used: f64, resets_at: &str) -> Error {
    Error::limit_reached(
        code,
        format!(
            "AI requests are turned off: the limit on {what} is 0; raise it to use the \
             assistant"
        ),
        LimitDetails {
            limit: 0.0,
            used,
            resets_at: resets_at.to_owned(),
        },
    )
}

fn usd_to_micros(usd: f64) -> i64 {
    if usd.is_finite() && usd > 0.0 {
        (usd * MICROS_PER_USD).round() as i64
    } else {
        0
    }
}

fn micros_to_usd(micros: i64) -> f64 {
    micros as f64 / MICROS_PER_USD
}

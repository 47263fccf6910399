//! The guardrails: requests per minute, a daily cost cap and monthly credits, and the usage
//! ledger they count. This is the only place that decides whether a provider call may go out.
//!
//! State is the `ai_usage` and `ai_budget_holds` tables, not process memory, so the CLI and the
//! app share one budget and a restart forgets nothing. Checking and reserving are one IMMEDIATE
//! transaction (the writer is also a mutex inside the process), so two callers, in one process
//! or two, can never both take the last slot or the last cents: the second one sees the first
//! one's reservation.
//!
//! A reservation counts as a request at once and holds the call's worst case (see
//! [`crate::pricing`]) against the cost limits, so what it settles to can never pass a cap. It
//! is settled with what the call cost (or marked failed, which releases the money but still
//! counts the request).
//!
//! A question that may take several calls first sets its worst case aside with
//! [`Guardrails::hold`]: refused up front when it cannot fit, and once allowed, its calls draw
//! on the hold instead of competing for what is left. [`Guardrails::release`] gives back what
//! the question did not use.

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc};
use omnicrm_core::time::{format_utc, new_id, now_utc, parse_utc};
use omnicrm_core::{Database, Error, ErrorCode, LimitDetails, Result};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use crate::pricing::price_of;
use crate::settings::{AiLimits, AiSettings};
use crate::wire::Usage;

const MICROS_PER_USD: f64 = 1_000_000.0;

/// A provider call allowed by the guardrails, not yet settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    pub id: String,
}

/// Money (and requests of the minute) set aside for the calls of one question; see the module
/// docs. Released with [`Guardrails::release`], or no longer counted after `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetHold {
    pub id: String,
    pub expires_at: String,
}

/// One call to check and reserve.
#[derive(Debug, Clone, Copy)]
pub struct CallBudget<'a> {
    /// For the ledger: `chat`, `contact_summary`...
    pub purpose: &'a str,
    pub model: &'a str,
    /// The most the call can cost, in US dollars (see [`crate::pricing::worst_case_usd`]).
    pub worst_case_usd: f64,
    /// The question's hold the call draws on.
    pub hold: Option<&'a BudgetHold>,
}

/// What a question may take, to set aside before its first call.
#[derive(Debug, Clone, Copy)]
pub struct QuestionBudget<'a> {
    pub purpose: &'a str,
    /// The most calls it makes.
    pub requests: u32,
    /// The most all of them together can cost, in US dollars.
    pub worst_case_usd: f64,
    /// How long the question may take; the hold stops counting after that.
    pub lasts: Duration,
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
    /// The call holds the larger of its worst case and `reserve_per_request_usd`.
    pub fn reserve(&self, limits: &AiLimits, call: CallBudget<'_>) -> Result<Reservation> {
        self.reserve_at(limits, call, Utc::now())
    }

    /// [`Guardrails::reserve`] at a given time (tests walk the clock with it).
    pub fn reserve_at(
        &self,
        limits: &AiLimits,
        call: CallBudget<'_>,
        now: DateTime<Utc>,
    ) -> Result<Reservation> {
        let reserve_micros = usd_to_micros(call.worst_case_usd.max(limits.reserve_per_request_usd));
        self.database.write(|transaction| {
            let windows = Windows::at(now);
            let hold = match call.hold {
                Some(hold) => open_hold(transaction, &hold.id, &windows.now)?,
                None => None,
            };
            // A request slot the question's hold set aside is this call's already.
            let slot_held = hold.as_ref().is_some_and(|hold| hold.calls < hold.requests);
            check_minute(transaction, limits, &windows, now, !slot_held)?;
            let before = Spend::at(transaction, &windows)?;
            let id = new_id();
            let charged_at = hold
                .as_ref()
                .map_or_else(|| windows.now.clone(), |hold| hold.reserved_at.clone());
            transaction.execute(
                "INSERT INTO ai_usage (id, purpose, model, status, reserved_at, reserved_micros,
                     hold_id, charged_at)
                 VALUES (?1, ?2, ?3, 'reserved', ?4, ?5, ?6, ?7)",
                rusqlite::params![
                    id,
                    call.purpose,
                    call.model,
                    windows.now,
                    reserve_micros,
                    hold.as_ref().map(|hold| hold.id.as_str()),
                    charged_at
                ],
            )?;
            let after = Spend::at(transaction, &windows)?;
            let refusal = |what: &str| {
                format!(
                    "this request could cost up to ${:.4}, and {what}",
                    micros_to_usd(reserve_micros)
                )
            };
            check_cost(
                &CostLimit::daily(limits, &windows),
                before.today,
                after.today,
                hold.is_some(),
                refusal,
            )?;
            check_cost(
                &CostLimit::monthly(limits, &windows),
                before.month,
                after.month,
                hold.is_some(),
                refusal,
            )?;
            Ok(Reservation { id })
        })
    }

    /// Sets aside what a question may take — its requests of the minute and its worst case
    /// against the cost limits — or refuses it up front, before any of it is spent.
    pub fn hold(&self, limits: &AiLimits, question: QuestionBudget<'_>) -> Result<BudgetHold> {
        self.hold_at(limits, question, Utc::now())
    }

    /// [`Guardrails::hold`] at a given time.
    pub fn hold_at(
        &self,
        limits: &AiLimits,
        question: QuestionBudget<'_>,
        now: DateTime<Utc>,
    ) -> Result<BudgetHold> {
        // A question never holds more of the minute than the limit allows: with a limit below
        // its rounds, its later calls wait for the minute like any other call.
        let requests = question
            .requests
            .clamp(1, limits.requests_per_minute.max(1));
        let reserve_micros = usd_to_micros(question.worst_case_usd);
        self.database.write(|transaction| {
            let windows = Windows::at(now);
            transaction.execute(
                "DELETE FROM ai_budget_holds WHERE expires_at <= ?1",
                [&windows.now],
            )?;
            check_minute(transaction, limits, &windows, now, true)?;
            let minute = requests_since(transaction, &windows)?;
            if minute.count + u64::from(requests) > u64::from(limits.requests_per_minute) {
                let resets_at = minute_reset(&minute, now);
                return Err(Error::limit_reached(
                    ErrorCode::RateLimitedMinute,
                    format!(
                        "a question can take up to {requests} AI requests, and {} of {} in the \
                         last minute are used; try again after {}",
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
            let before = Spend::at(transaction, &windows)?;
            let id = new_id();
            let expires_at = format_utc(now + question.lasts);
            transaction.execute(
                "INSERT INTO ai_budget_holds (id, purpose, reserved_at, expires_at,
                     reserved_micros, requests)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rusqlite::params![
                    id,
                    question.purpose,
                    windows.now,
                    expires_at,
                    reserve_micros,
                    requests
                ],
            )?;
            let after = Spend::at(transaction, &windows)?;
            let refusal = |what: &str| {
                format!(
                    "a question can take up to {} AI requests costing up to ${:.4} together, \
                     and {what}",
                    question.requests,
                    micros_to_usd(reserve_micros)
                )
            };
            check_cost(
                &CostLimit::daily(limits, &windows),
                before.today,
                after.today,
                false,
                refusal,
            )?;
            check_cost(
                &CostLimit::monthly(limits, &windows),
                before.month,
                after.month,
                false,
                refusal,
            )?;
            Ok(BudgetHold { id, expires_at })
        })
    }

    /// The question is over: what its hold set aside and its calls did not use is free again.
    pub fn release(&self, hold: &BudgetHold) -> Result<()> {
        self.database.write(|transaction| {
            transaction.execute("DELETE FROM ai_budget_holds WHERE id = ?1", [&hold.id])?;
            Ok(())
        })
    }

    /// Records what the call used: the cost the provider reported, else its tokens at the
    /// model's price (see [`crate::pricing::price_of`]), else zero (`unknown`, only possible
    /// for a model whose price was removed while the call was under way). Returns the cost in
    /// US dollars.
    pub fn settle(
        &self,
        reservation: &Reservation,
        model: &str,
        usage: Option<&Usage>,
        settings: &AiSettings,
    ) -> Result<f64> {
        let usage = usage.copied().unwrap_or_default();
        let (cost, source) = match (usage.cost, price_of(settings, model)) {
            (Some(cost), _) if cost.is_finite() && cost >= 0.0 => (cost, "provider"),
            (_, Some(price)) => (
                price.cost_of(usage.prompt_tokens, usage.completion_tokens),
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
            let minute = requests_since(connection, &windows)?;
            let minute_reset = minute_reset(&minute, now);
            let Spend { today, month } = Spend::at(connection, &windows)?;
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
    now: String,
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
            now: format_utc(now),
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

/// Requests in the last minute: the calls made, and the slots open holds set aside and have not
/// used yet.
fn requests_since(connection: &rusqlite::Connection, windows: &Windows) -> Result<RequestCount> {
    Ok(connection.query_row(
        "WITH held AS (
             SELECT h.reserved_at,
                    h.requests - (SELECT COUNT(*) FROM ai_usage u WHERE u.hold_id = h.id)
                        AS unused
             FROM ai_budget_holds h
             WHERE h.reserved_at >= ?1 AND h.expires_at > ?2
         )
         SELECT (SELECT COUNT(*) FROM ai_usage WHERE reserved_at >= ?1)
                    + (SELECT COALESCE(SUM(unused), 0) FROM held WHERE unused > 0),
                MIN((SELECT MIN(reserved_at) FROM ai_usage WHERE reserved_at >= ?1),
                    COALESCE((SELECT MIN(reserved_at) FROM held WHERE unused > 0),
                             '9999'))",
        [&windows.minute_start, &windows.now],
        |row| {
            Ok(RequestCount {
                count: row.get::<_, i64>(0)?.max(0).unsigned_abs(),
                oldest: row.get(1)?,
            })
        },
    )?)
}

/// When the oldest request of the minute stops counting.
fn minute_reset(minute: &RequestCount, now: DateTime<Utc>) -> DateTime<Utc> {
    minute
        .oldest
        .as_deref()
        .and_then(parse_utc)
        .map_or(now, |oldest| oldest + Duration::seconds(60))
}

/// Refuses when requests are turned off, or (when `counts`) when the minute is full.
fn check_minute(
    connection: &rusqlite::Connection,
    limits: &AiLimits,
    windows: &Windows,
    now: DateTime<Utc>,
    counts: bool,
) -> Result<()> {
    let minute = requests_since(connection, windows)?;
    if limits.requests_per_minute == 0 {
        return Err(turned_off(
            ErrorCode::RateLimitedMinute,
            "requests per minute",
            minute.count as f64,
            &windows.now,
        ));
    }
    if counts && minute.count >= u64::from(limits.requests_per_minute) {
        let resets_at = minute_reset(&minute, now);
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
    Ok(())
}

/// An open hold: one not released and not expired.
struct OpenHold {
    id: String,
    reserved_at: String,
    requests: u32,
    /// Calls made on it so far.
    calls: u32,
}

fn open_hold(connection: &rusqlite::Connection, id: &str, now: &str) -> Result<Option<OpenHold>> {
    Ok(connection
        .query_row(
            "SELECT h.id, h.reserved_at, h.requests,
                    (SELECT COUNT(*) FROM ai_usage u WHERE u.hold_id = h.id)
             FROM ai_budget_holds h WHERE h.id = ?1 AND h.expires_at > ?2",
            [id, now],
            |row| {
                Ok(OpenHold {
                    id: row.get(0)?,
                    reserved_at: row.get(1)?,
                    requests: row.get(2)?,
                    calls: row.get(3)?,
                })
            },
        )
        .optional()?)
}

/// What counts against the cost limits, in micro-dollars: settled costs, what calls under way
/// have reserved, and for each open hold the larger of what it set aside and what its calls
/// count.
struct Spend {
    today: i64,
    month: i64,
}

impl Spend {
    fn at(connection: &rusqlite::Connection, windows: &Windows) -> Result<Self> {
        Ok(Self {
            today: cost_since(connection, &windows.day_start, &windows.now)?,
            month: cost_since(connection, &windows.month_start, &windows.now)?,
        })
    }
}

/// A call's cost counts in the window of `charged_at`, which is never after `reserved_at` (a
/// call in a hold is charged at the hold's start), so `reserved_at >= start` loses nothing and
/// lets the time index narrow the scan.
fn cost_since(connection: &rusqlite::Connection, start: &str, now: &str) -> Result<i64> {
    Ok(connection.query_row(
        "SELECT
             (SELECT COALESCE(SUM(CASE status WHEN 'reserved' THEN reserved_micros
                                               ELSE cost_micros END), 0)
              FROM ai_usage
              WHERE reserved_at >= ?1 AND COALESCE(charged_at, reserved_at) >= ?1
                AND (hold_id IS NULL
                     OR hold_id NOT IN (SELECT id FROM ai_budget_holds WHERE expires_at > ?2)))
             + (SELECT COALESCE(SUM(MAX(h.reserved_micros,
                    (SELECT COALESCE(SUM(CASE u.status WHEN 'reserved' THEN u.reserved_micros
                                                       ELSE u.cost_micros END), 0)
                     FROM ai_usage u WHERE u.hold_id = h.id))), 0)
                FROM ai_budget_holds h WHERE h.reserved_at >= ?1 AND h.expires_at > ?2)",
        [start, now],
        |row| row.get(0),
    )?)
}

/// One cost limit in a window.
struct CostLimit<'a> {
    code: ErrorCode,
    what: &'static str,
    limit_usd: f64,
    resets_at: &'a str,
}

impl<'a> CostLimit<'a> {
    fn daily(limits: &AiLimits, windows: &'a Windows) -> Self {
        Self {
            code: ErrorCode::RateLimitedDailyCost,
            what: "today's AI cost cap",
            limit_usd: limits.daily_cost_cap_usd,
            resets_at: &windows.day_end,
        }
    }

    fn monthly(limits: &AiLimits, windows: &'a Windows) -> Self {
        Self {
            code: ErrorCode::RateLimitedMonthly,
            what: "this month's AI credits",
            limit_usd: limits.monthly_credits_usd,
            resets_at: &windows.month_end,
        }
    }
}

/// Refuses when the spend has reached the limit (unless a question's hold already covers the
/// call), or when what the call or question reserves (`after` − `before`) would pass it.
/// `refusal` says what was asked for, in plain words.
fn check_cost(
    limit: &CostLimit<'_>,
    before_micros: i64,
    after_micros: i64,
    covered_by_hold: bool,
    refusal: impl Fn(&str) -> String,
) -> Result<()> {
    let used = micros_to_usd(before_micros);
    if limit.limit_usd == 0.0 {
        return Err(turned_off(limit.code, limit.what, used, limit.resets_at));
    }
    let limit_micros = usd_to_micros(limit.limit_usd);
    let details = || LimitDetails {
        limit: limit.limit_usd,
        used,
        resets_at: limit.resets_at.to_owned(),
    };
    if before_micros >= limit_micros && !covered_by_hold {
        return Err(Error::limit_reached(
            limit.code,
            format!(
                "{} is reached: ${used:.4} of ${:.2} used; it resets at {}",
                capitalized(limit.what),
                limit.limit_usd,
                limit.resets_at
            ),
            details(),
        ));
    }
    if after_micros > limit_micros {
        let left = micros_to_usd(limit_micros.saturating_sub(before_micros).max(0));
        return Err(Error::limit_reached(
            limit.code,
            capitalized(&refusal(&format!(
                "only ${left:.4} is left of {} (${used:.4} of ${:.2} used), so it is not sent; \
                 it resets at {}",
                limit.what, limit.limit_usd, limit.resets_at
            ))),
            details(),
        ));
    }
    Ok(())
}

fn capitalized(text: &str) -> String {
    let mut characters = text.chars();
    characters.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(characters).collect()
    })
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

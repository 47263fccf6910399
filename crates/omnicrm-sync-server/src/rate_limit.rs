//! Rate limits per token and per client IP, shared by every instance through Postgres, without
//! a Postgres round trip per message.
//!
//! Fixed windows, one counter row per key and window (`rate_limit_counters`), as before; what
//! changed is who spends the budget. An instance does not count each request in Postgres: it
//! *leases* a block of the window's remaining budget with one atomic upsert
//! (`count = count + min(remaining, block)`, the grant read back through `RETURNING`), spends
//! the block from memory, and claims again only when it is used up. Unused leased quota is
//! simply lost when the window ends. So the sum of what all instances can spend in a window is
//! at most what was claimed, which is at most the limit: **the combined limit can never be
//! exceeded**, however many instances there are.
//!
//! Block size: a sixteenth of what is still unclaimed in the window (at least 1). With the
//! default 200,000 requests per token per minute, a busy instance claims 12,500 first, and a
//! whole window costs about 125 claims rather than 200,000 upserts. As the budget runs low the
//! blocks shrink geometrically, down to one request per claim, so a budget of 12 is counted
//! request by request, exactly as when every request went to Postgres (the two-instance test
//! in `tests/multi_instance.rs`). The price: when the window's budget is all claimed, a
//! request may be refused while another instance still holds a few leased requests, at most
//! the last block each instance claimed (a sixteenth of a small remainder). Refusing a bit
//! early is the safe side of a limit.
//!
//! Once a claim in a window gets nothing, the key is known to be spent until the window ends
//! and further requests are refused from memory. The window's end is taken from Postgres'
//! clock and converted to this instance's monotonic clock from the moment the claim was
//! sent, so a lease never outlives its window, whatever the clocks of the instances say. Old
//! windows are deleted (and stale leases forgotten) by the idle sweeper.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use deadpool_postgres::Pool;
use prometheus::IntCounter;
use tokio::time::Instant;

use crate::error::ApiError;

/// A claim leases this fraction (1/LEASE_DIVISOR) of what is still unclaimed in the window.
pub const LEASE_DIVISOR: i64 = 16;

/// Which budget ran out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exceeded {
    pub scope: &'static str,
    pub limit: i64,
    pub window_seconds: u64,
}

impl std::fmt::Display for Exceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "rate limit exceeded: at most {} requests per {} s per {}",
            self.limit, self.window_seconds, self.scope
        )
    }
}

/// Quota this instance leased for one key in one window.
#[derive(Debug, Default)]
struct Lease {
    /// When the window the lease belongs to ends (`None`: never claimed).
    expires: Option<Instant>,
    /// Requests left to spend from memory.
    remaining: i64,
    /// The last claim in this window got nothing: the key's budget is spent everywhere.
    exhausted: bool,
}

impl Lease {
    fn needs_claim(&self, now: Instant) -> bool {
        match self.expires {
            Some(expires) if now < expires => self.remaining == 0 && !self.exhausted,
            _ => true,
        }
    }

    fn is_expired(&self, now: Instant) -> bool {
        self.expires.is_none_or(|expires| now >= expires)
    }

    fn granted(&mut self, granted: i64, expires: Instant, now: Instant) {
        if self.is_expired(now) {
            self.remaining = 0;
        }
        self.remaining += granted.max(0);
        self.exhausted = granted <= 0;
        self.expires = Some(expires);
    }

    /// Spends one request; false when nothing is left in the current window.
    fn spend(&mut self, now: Instant) -> bool {
        if self.is_expired(now) || self.remaining == 0 {
            return false;
        }
        self.remaining -= 1;
        true
    }
}

/// One budget a request is counted against.
struct Budget {
    key: String,
    scope: &'static str,
    limit: i64,
}

#[derive(Clone)]
pub struct RateLimiter {
    pool: Pool,
    per_token: i64,
    per_ip: i64,
    window_seconds: u64,
    /// One lease per key; the async lock makes concurrent requests of one key wait for a
    /// single claim instead of each claiming.
    leases: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<Lease>>>>>,
    /// Claims sent to Postgres (`omnicrm_sync_rate_limit_claims_total`).
    claims: IntCounter,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The map is only ever inserted into or pruned: a panic elsewhere cannot leave it
    // half-updated, so a poisoned lock is still safe to use.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl RateLimiter {
    pub fn new(
        pool: Pool,
        per_token: i64,
        per_ip: i64,
        window_seconds: u64,
        claims: IntCounter,
    ) -> Self {
        Self {
            pool,
            per_token,
            per_ip,
            window_seconds,
            leases: Arc::new(Mutex::new(HashMap::new())),
            claims,
        }
    }

    /// How many claims this limiter has sent to Postgres.
    pub fn claims(&self) -> u64 {
        self.claims.get()
    }

    fn lease(&self, key: &str) -> Arc<tokio::sync::Mutex<Lease>> {
        lock(&self.leases)
            .entry(key.to_owned())
            .or_default()
            .clone()
    }

    /// Counts one request for the IP (and the token, when known); `Ok(Err(_))` when a budget
    /// is spent. Goes to Postgres only when a lease is used up or its window ended.
    pub async fn hit(
        &self,
        token_id: Option<uuid::Uuid>,
        ip: &str,
    ) -> Result<Result<(), Exceeded>, ApiError> {
        let mut budgets = vec![Budget {
            key: format!("ip:{ip}"),
            scope: "ip",
            limit: self.per_ip,
        }];
        if let Some(token_id) = token_id {
            budgets.push(Budget {
                key: format!("token:{token_id}"),
                scope: "token",
                limit: self.per_token,
            });
        }
        // Always IP before token: one fixed order, so two requests never wait on each other
        // in opposite orders.
        let leases: Vec<_> = budgets
            .iter()
            .map(|budget| self.lease(&budget.key))
            .collect();
        let mut guards = Vec::with_capacity(leases.len());
        for lease in &leases {
            guards.push(lease.lock().await);
        }
        let sent = Instant::now();
        let to_claim: Vec<usize> = guards
            .iter()
            .enumerate()
            .filter(|(_, lease)| lease.needs_claim(sent))
            .map(|(index, _)| index)
            .collect();
        if !to_claim.is_empty() {
            let keys: Vec<&str> = to_claim
                .iter()
                .filter_map(|index| budgets.get(*index))
                .map(|budget| budget.key.as_str())
                .collect();
            let limits: Vec<i64> = to_claim
                .iter()
                .filter_map(|index| budgets.get(*index))
                .map(|budget| budget.limit)
                .collect();
            let granted = self.claim(&keys, &limits).await?;
            for (key, granted, seconds_left) in granted {
                let Some(index) = budgets.iter().position(|budget| budget.key == key) else {
                    continue;
                };
                let expires = sent + Duration::from_secs_f64(seconds_left.max(0.0));
                if let Some(lease) = guards.get_mut(index) {
                    lease.granted(granted, expires, sent);
                }
            }
        }
        // Spent as of `sent`, when the request arrived: a claim Postgres answered in the last
        // moments of its window counted this request in that window, so the request must be
        // admitted even if the answer arrives after the window ended (it used to be refused,
        // spending a request that was never served).
        let mut exceeded = None;
        for (budget, lease) in budgets.iter().zip(guards.iter_mut()) {
            if !lease.spend(sent) && exceeded.is_none() {
                exceeded = Some(Exceeded {
                    scope: budget.scope,
                    limit: budget.limit,
                    window_seconds: self.window_seconds,
                });
            }
        }
        Ok(match exceeded {
            Some(exceeded) => Err(exceeded),
            None => Ok(()),
        })
    }

    /// Leases quota for `keys` in the current window: one statement for all of them. Returns
    /// (key, granted, seconds until the window ends by Postgres' clock).
    async fn claim(
        &self,
        keys: &[&str],
        limits: &[i64],
    ) -> Result<Vec<(String, i64, f64)>, ApiError> {
        self.claims.inc();
        let window = self.window_seconds as f64;
        let client = self.pool.get().await?;
        let statement = client
            .prepare_cached(
                "INSERT INTO rate_limit_counters AS counter (key, window_start, count, quota, granted)
                 SELECT request.key,
                        to_timestamp(floor(extract(epoch FROM now())::float8 / $3::float8) * $3::float8),
                        LEAST(request.quota, GREATEST(1, request.quota / $4)),
                        request.quota,
                        LEAST(request.quota, GREATEST(1, request.quota / $4))
                 FROM unnest($1::text[], $2::int8[]) AS request(key, quota)
                 ON CONFLICT (key, window_start) DO UPDATE SET
                     granted = GREATEST(0, LEAST(excluded.quota - counter.count,
                                                 GREATEST(1, (excluded.quota - counter.count) / $4))),
                     count = counter.count + GREATEST(0, LEAST(excluded.quota - counter.count,
                                                 GREATEST(1, (excluded.quota - counter.count) / $4))),
                     quota = excluded.quota
                 RETURNING key, granted,
                           extract(epoch FROM (window_start - now()))::float8 + $3::float8",
            )
            .await?;
        let keys: Vec<String> = keys.iter().map(|key| (*key).to_owned()).collect();
        let rows = client
            .query(&statement, &[&keys, &limits, &window, &LEASE_DIVISOR])
            .await?;
        Ok(rows
            .iter()
            .map(|row| (row.get(0), row.get(1), row.get(2)))
            .collect())
    }

    /// Deletes counters of past windows, and forgets leases whose window ended.
    pub async fn prune(&self) -> Result<u64, ApiError> {
        let now = Instant::now();
        lock(&self.leases).retain(|_, lease| match lease.try_lock() {
            Ok(lease) => !lease.is_expired(now),
            // In use right now: keep it.
            Err(_) => true,
        });
        let client = self.pool.get().await?;
        let window = self.window_seconds as f64;
        Ok(client
            .execute("DELETE FROM rate_limit_counters WHERE window_start < now() - make_interval(secs => $1::float8 * 2)", &[&window])
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_spends_what_was_granted_and_no_more() {
        let now = Instant::now();
        let mut lease = Lease::default();
        assert!(lease.needs_claim(now));
        assert!(!lease.spend(now), "nothing leased yet");
        lease.granted(2, now + Duration::from_secs(60), now);
        assert!(!lease.needs_claim(now));
        assert!(lease.spend(now));
        assert!(lease.spend(now));
        assert!(!lease.spend(now));
        assert!(lease.needs_claim(now), "used up: claim again");
        lease.granted(0, now + Duration::from_secs(60), now);
        assert!(
            !lease.needs_claim(now),
            "spent everywhere: refuse from memory"
        );
        assert!(!lease.spend(now));
    }

    #[test]
    fn regression_a_claim_answered_after_its_window_ended_still_admits_its_request() {
        let sent = Instant::now();
        let mut lease = Lease::default();
        // Postgres granted the request with 1 ms of its window left; the answer came later.
        lease.granted(1, sent + Duration::from_millis(1), sent);
        let answered = sent + Duration::from_millis(40);
        assert!(
            !lease.spend(answered),
            "the lease is over by the answer's time"
        );
        assert!(
            lease.spend(sent),
            "but the request was counted in that window"
        );
        assert!(
            lease.needs_claim(answered),
            "the next request claims in the new window"
        );
    }

    #[test]
    fn a_lease_dies_with_its_window() {
        let now = Instant::now();
        let mut lease = Lease::default();
        lease.granted(100, now + Duration::from_secs(1), now);
        let later = now + Duration::from_secs(2);
        assert!(!lease.spend(later), "quota of a past window is lost");
        assert!(lease.needs_claim(later));
        lease.granted(3, later + Duration::from_secs(60), later);
        assert_eq!(
            lease.remaining, 3,
            "nothing carried over from the old window"
        );
    }
}

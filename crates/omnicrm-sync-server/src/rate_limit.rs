//! Rate limits per token and per client IP, counted in Postgres so that every instance
//! behind a load balancer shares one budget.
//!
//! Fixed windows: one counter row per key and window, bumped with an upsert. Old windows are
//! deleted by the idle sweeper.

use deadpool_postgres::Pool;

use crate::error::ApiError;

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

#[derive(Clone)]
pub struct RateLimiter {
    pool: Pool,
    per_token: i64,
    per_ip: i64,
    window_seconds: u64,
}

impl RateLimiter {
    pub fn new(pool: Pool, per_token: i64, per_ip: i64, window_seconds: u64) -> Self {
        Self {
            pool,
            per_token,
            per_ip,
            window_seconds,
        }
    }

    /// Counts one request for the IP (and the token, when known); `Ok(Err(_))` when a budget
    /// is spent.
    pub async fn hit(
        &self,
        token_id: Option<uuid::Uuid>,
        ip: &str,
    ) -> Result<Result<(), Exceeded>, ApiError> {
        let mut keys = vec![format!("ip:{ip}")];
        if let Some(token_id) = token_id {
            keys.push(format!("token:{token_id}"));
        }
        let window = self.window_seconds as f64;
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "INSERT INTO rate_limit_counters (key, window_start, count)
                 SELECT key, to_timestamp(floor(extract(epoch FROM now())::float8 / $2::float8) * $2::float8), 1 FROM unnest($1::text[]) AS key
                 ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limit_counters.count + 1
                 RETURNING key, count",
                &[&keys, &window],
            )
            .await?;
        for row in rows {
            let key: String = row.get(0);
            let count: i64 = row.get(1);
            let (scope, limit) = if key.starts_with("ip:") {
                ("ip", self.per_ip)
            } else {
                ("token", self.per_token)
            };
            if count > limit {
                return Ok(Err(Exceeded {
                    scope,
                    limit,
                    window_seconds: self.window_seconds,
                }));
            }
        }
        Ok(Ok(()))
    }

    /// Deletes counters of past windows.
    pub async fn prune(&self) -> Result<u64, ApiError> {
        let client = self.pool.get().await?;
        let window = self.window_seconds as f64;
        Ok(client
            .execute("DELETE FROM rate_limit_counters WHERE window_start < now() - make_interval(secs => $1::float8 * 2)", &[&window])
            .await?)
    }
}

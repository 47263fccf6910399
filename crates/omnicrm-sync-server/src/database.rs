//! Connection pools: the primary for everything that writes or must be current, and an
//! optional read replica for read-only queries that tolerate lag.

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

use crate::error::ApiError;
use crate::Config;

#[derive(Clone)]
pub struct Database {
    pub primary: Pool,
    /// The replica when configured, else the primary.
    pub replica: Pool,
    pub url: String,
}

impl Database {
    pub fn connect(config: &Config) -> Result<Self, ApiError> {
        let primary = pool(&config.database_url, config.database_pool_size)?;
        let replica = match &config.replica_url {
            Some(url) => pool(url, config.database_pool_size)?,
            None => primary.clone(),
        };
        Ok(Self {
            primary,
            replica,
            url: config.database_url.clone(),
        })
    }
}

/// A pool for `url`. TLS is not built in: run Postgres on a private network or behind a
/// TLS-terminating proxy.
pub fn pool(url: &str, size: usize) -> Result<Pool, ApiError> {
    let config: tokio_postgres::Config = url.parse().map_err(|error| {
        ApiError::validation("DATABASE_URL", format!("invalid database URL: {error}"))
    })?;
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(size)
        .build()
        .map_err(|error| ApiError::internal(format!("could not build the database pool: {error}")))
}

//! Postgres migrations, embedded in the binary and applied in order by `omnicrm-sync migrate`.
//!
//! Applied versions are recorded in `schema_migrations`. An advisory lock makes concurrent
//! `migrate` runs (several instances starting at once) wait for each other.

use deadpool_postgres::Pool;

use crate::error::ApiError;

/// (version, name, SQL). Numbering must be contiguous from 1; a test checks it against the
/// directory.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "initial",
        include_str!("../../../migrations/postgres/0001_initial.sql"),
    ),
    (
        2,
        "rate_limit_leases",
        include_str!("../../../migrations/postgres/0002_rate_limit_leases.sql"),
    ),
    (
        3,
        "record_model_v2",
        include_str!("../../../migrations/postgres/0003_record_model_v2.sql"),
    ),
];

const LOCK_KEY: i64 = 0x6f6d_6e69_7379_6e63;

/// Applies every migration not yet applied; returns the versions it applied.
pub async fn migrate(pool: &Pool) -> Result<Vec<i64>, ApiError> {
    let mut client = pool.get().await?;
    let transaction = client.transaction().await?;
    transaction
        .execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])
        .await?;
    transaction
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version bigint PRIMARY KEY,
                name text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )",
        )
        .await?;
    let rows = transaction
        .query("SELECT version FROM schema_migrations", &[])
        .await?;
    let done: Vec<i64> = rows.iter().map(|row| row.get(0)).collect();
    if let Some(newest) = done.iter().max() {
        let known = MIGRATIONS.len() as i64;
        if *newest > known {
            return Err(ApiError::database(format!(
                "the database schema is version {newest}, newer than this build ({known}); upgrade omnicrm-sync"
            )));
        }
    }
    let mut applied = Vec::new();
    for (version, name, sql) in MIGRATIONS {
        if done.contains(version) {
            continue;
        }
        transaction.batch_execute(sql).await.map_err(|error| {
            ApiError::database(format!("migration {version:04}_{name} failed: {error}"))
        })?;
        transaction
            .execute(
                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                &[version, name],
            )
            .await?;
        applied.push(*version);
    }
    transaction.commit().await?;
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_migrations_match_the_directory_and_are_contiguous() {
        let directory = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations/postgres");
        let mut files: Vec<String> = std::fs::read_dir(directory)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".sql"))
            .collect();
        files.sort();
        let embedded: Vec<String> = MIGRATIONS
            .iter()
            .map(|(version, name, _)| format!("{version:04}_{name}.sql"))
            .collect();
        assert_eq!(files, embedded);
        for (index, (version, _, _)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(*version, index as i64 + 1);
        }
    }
}

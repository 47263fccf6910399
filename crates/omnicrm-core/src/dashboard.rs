//! The numbers on the dashboard.

use chrono::{Datelike, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::contacts::{ClientStatus, LifecycleStage};
use crate::error::Result;
use crate::store::Database;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StageCount {
    /// `None` counts contacts without a stage.
    pub stage: Option<LifecycleStage>,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StatusCount {
    pub status: ClientStatus,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MonthCount {
    /// `YYYY-MM`, UTC.
    pub month: String,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Dashboard {
    pub total_contacts: u32,
    pub new_this_month: u32,
    /// Every stage, in lifecycle order, then contacts without a stage; zero counts included.
    pub by_stage: Vec<StageCount>,
    pub by_status: Vec<StatusCount>,
    /// The last 12 months including this one, oldest first.
    pub new_by_month: Vec<MonthCount>,
}

#[derive(Debug, Clone)]
pub struct DashboardService {
    database: Database,
}

impl DashboardService {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    pub fn get(&self) -> Result<Dashboard> {
        self.get_at(Utc::now().date_naive())
    }

    /// The dashboard as of `today` (UTC).
    pub fn get_at(&self, today: NaiveDate) -> Result<Dashboard> {
        let this_month = today.with_day(1).unwrap_or(today);
        let first_month = this_month
            .checked_sub_months(Months::new(11))
            .unwrap_or(this_month);
        let months: Vec<String> = (0..12)
            .filter_map(|offset| first_month.checked_add_months(Months::new(offset)))
            .map(|month| month.format("%Y-%m").to_string())
            .collect();
        self.database.read(|connection| {
            let mut by_stage: Vec<StageCount> = LifecycleStage::ALL
                .into_iter()
                .map(Some)
                .chain([None])
                .map(|stage| StageCount { stage, count: 0 })
                .collect();
            // Grouped by sort position: one walk of the `contacts_by_stage` index.
            let mut statement = connection.prepare_cached(
                "SELECT stage_rank, COUNT(*) FROM contacts WHERE deleted_at IS NULL
                 GROUP BY stage_rank",
            )?;
            let rows = statement
                .query_map([], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, u32>(1)?)))?;
            for row in rows {
                let (rank, count) = row?;
                let stage = LifecycleStage::from_rank(rank);
                if let Some(entry) = by_stage.iter_mut().find(|entry| entry.stage == stage) {
                    entry.count += count;
                }
            }

            let mut by_status: Vec<StatusCount> = ClientStatus::ALL
                .into_iter()
                .map(|status| StatusCount { status, count: 0 })
                .collect();
            let mut statement = connection.prepare_cached(
                "SELECT client_status, COUNT(*) FROM contacts WHERE deleted_at IS NULL
                 GROUP BY client_status",
            )?;
            let rows = statement.query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, u32>(1)?))
            })?;
            for row in rows {
                let (status, count) = row?;
                if let Some(entry) = ClientStatus::parse(&status)
                    .and_then(|status| by_status.iter_mut().find(|entry| entry.status == status))
                {
                    entry.count += count;
                }
            }

            let mut new_by_month: Vec<MonthCount> = months
                .iter()
                .map(|month| MonthCount {
                    month: month.clone(),
                    count: 0,
                })
                .collect();
            let first = months.first().cloned().unwrap_or_default();
            let mut statement = connection.prepare_cached(
                "SELECT substr(created_at, 1, 7) AS month, COUNT(*) FROM contacts
                 WHERE deleted_at IS NULL AND created_at >= ?1 GROUP BY month",
            )?;
            let rows = statement.query_map([first], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, u32>(1)?))
            })?;
            for row in rows {
                let (month, count) = row?;
                if let Some(entry) = new_by_month.iter_mut().find(|entry| entry.month == month) {
                    entry.count = count;
                }
            }

            let total_contacts = by_stage.iter().map(|entry| entry.count).sum();
            let new_this_month = new_by_month.last().map_or(0, |entry| entry.count);
            Ok(Dashboard {
                total_contacts,
                new_this_month,
                by_stage,
                by_status,
                new_by_month,
            })
        })
    }
}

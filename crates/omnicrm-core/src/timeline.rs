//! A contact's timeline: interactions, notes and tasks merged into one list, newest first, read
//! a page at a time. Each source is walked in index order and cut at the page size before the
//! merge, so the first page costs the same with 50 items or 50,000.

use serde::{Deserialize, Serialize};

use crate::contacts;
use crate::error::{Error, Result};
use crate::store::Database;

pub const DEFAULT_TIMELINE_PAGE: u32 = 50;
pub const MAX_TIMELINE_PAGE: u32 = 500;
const SUMMARY_CHARS: u32 = 280;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum TimelineItemKind {
    Interaction,
    Note,
    Task,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TimelineItem {
    pub kind: TimelineItemKind,
    pub id: String,
    /// When it happened: an interaction's time, a note's or task's creation.
    pub at: String,
    /// The interaction kind (`email`, `call`...), the note's source, or the task's status.
    pub detail: String,
    pub title: Option<String>,
    /// The start of the body or description.
    pub summary: Option<String>,
    /// Private notes stay on this device.
    pub is_private: bool,
}

/// Where the next page starts: the last item of the previous page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TimelineCursor {
    pub at: String,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TimelinePage {
    pub items: Vec<TimelineItem>,
    /// `None` on the last page.
    pub next: Option<TimelineCursor>,
}

#[derive(Debug, Clone)]
pub struct TimelineService {
    database: Database,
}

impl TimelineService {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    pub fn page(
        &self,
        contact_id: &str,
        after: Option<&TimelineCursor>,
        limit: u32,
    ) -> Result<TimelinePage> {
        if limit == 0 || limit > MAX_TIMELINE_PAGE {
            return Err(Error::invalid_field(
                "limit",
                format!("must be between 1 and {MAX_TIMELINE_PAGE}"),
            ));
        }
        // A cursor past every item starts at the newest.
        let (cursor_at, cursor_id) = match after {
            Some(cursor) => (cursor.at.as_str(), cursor.id.as_str()),
            None => ("\u{10FFFF}", ""),
        };
        self.database.read(|connection| {
            contacts::ensure_live(connection, contact_id)?;
            let mut statement = connection.prepare_cached(&format!(
                "SELECT * FROM (
                     SELECT 'interaction' AS item, i.id AS id, ic.occurred_at AS at, i.kind,
                            i.subject, substr(i.body, 1, {SUMMARY_CHARS}), 0
                     FROM interaction_contacts ic JOIN interactions i ON i.id = ic.interaction_id
                     WHERE ic.contact_id = :contact AND i.deleted_at IS NULL
                       AND (ic.occurred_at, ic.interaction_id) < (:at, :id)
                     ORDER BY ic.occurred_at DESC, ic.interaction_id DESC LIMIT :limit)
                 UNION ALL SELECT * FROM (
                     SELECT 'note', id, created_at, source_type, NULL,
                            substr(body, 1, {SUMMARY_CHARS}), is_private
                     FROM notes
                     WHERE contact_id = :contact AND deleted_at IS NULL
                       AND (created_at, id) < (:at, :id)
                     ORDER BY created_at DESC, id DESC LIMIT :limit)
                 UNION ALL SELECT * FROM (
                     SELECT 'task', t.id, t.created_at, t.status, t.title,
                            substr(t.description, 1, {SUMMARY_CHARS}), 0
                     FROM task_contacts tc JOIN tasks t ON t.id = tc.task_id
                     WHERE tc.contact_id = :contact AND t.deleted_at IS NULL
                       AND (t.created_at, t.id) < (:at, :id)
                     ORDER BY t.created_at DESC, t.id DESC LIMIT :limit)
                 ORDER BY at DESC, id DESC LIMIT :limit"
            ))?;
            let rows = statement.query_map(
                rusqlite::named_params! {
                    ":contact": contact_id,
                    ":at": cursor_at,
                    ":id": cursor_id,
                    ":limit": i64::from(limit) + 1,
                },
                |row| {
                    let item: String = row.get(0)?;
                    Ok(TimelineItem {
                        kind: match item.as_str() {
                            "interaction" => TimelineItemKind::Interaction,
                            "task" => TimelineItemKind::Task,
                            _ => TimelineItemKind::Note,
                        },
                        id: row.get(1)?,
                        at: row.get(2)?,
                        detail: row.get(3)?,
                        title: row.get(4)?,
                        summary: row.get(5)?,
                        is_private: row.get(6)?,
                    })
                },
            )?;
            let mut items = rows.collect::<rusqlite::Result<Vec<_>>>()?;
            let limit = usize::try_from(limit).unwrap_or(usize::MAX);
            let next = if items.len() > limit {
                items.truncate(limit);
                items.last().map(|last| TimelineCursor {
                    at: last.at.clone(),
                    id: last.id.clone(),
                })
            } else {
                None
            };
            Ok(TimelinePage { items, next })
        })
    }
}

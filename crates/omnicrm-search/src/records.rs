//! The records a search shows: their title, text, contact and time, loaded by kind and id, and
//! the contact and tag filters expressed per kind.

use rusqlite::{Connection, OptionalExtension};

use omnicrm_core::Result;

use crate::types::{ItemKind, SearchFilters};

/// What a result shows of a record.
#[derive(Debug, Clone)]
pub(crate) struct RecordView {
    pub kind: ItemKind,
    pub item_id: String,
    pub contact_id: Option<String>,
    pub title: String,
    /// The text snippets are cut from.
    pub text: String,
    pub happened_at: String,
    /// A private note (never anything else): see [`crate::types::SearchAudience`].
    pub private: bool,
}

const TITLE_CHARS: usize = 80;

/// Loads a live record; `None` when it is gone (tombstoned since it was indexed).
pub(crate) fn load(
    connection: &Connection,
    kind: ItemKind,
    item_id: &str,
) -> Result<Option<RecordView>> {
    let view = match kind {
        ItemKind::Contact => connection
            .prepare_cached(
                "SELECT display_name, coalesce(organization, ''), coalesce(primary_email, ''),
                        updated_at
                 FROM contacts WHERE id = ?1 AND deleted_at IS NULL",
            )?
            .query_row([item_id], |row| {
                let name: String = row.get(0)?;
                let organization: String = row.get(1)?;
                let email: String = row.get(2)?;
                Ok(RecordView {
                    kind,
                    item_id: item_id.to_owned(),
                    contact_id: Some(item_id.to_owned()),
                    text: [name.as_str(), organization.as_str(), email.as_str()]
                        .into_iter()
                        .filter(|part| !part.is_empty())
                        .collect::<Vec<_>>()
                        .join(" · "),
                    title: name,
                    happened_at: row.get(3)?,
                    private: false,
                })
            })
            .optional()?,
        ItemKind::Note => connection
            .prepare_cached(
                "SELECT n.contact_id, n.body, n.created_at, c.display_name, n.is_private
                 FROM notes n JOIN contacts c ON c.id = n.contact_id
                 WHERE n.id = ?1 AND n.deleted_at IS NULL",
            )?
            .query_row([item_id], |row| {
                let name: String = row.get(3)?;
                Ok(RecordView {
                    kind,
                    item_id: item_id.to_owned(),
                    contact_id: row.get(0)?,
                    title: format!("Note about {name}"),
                    text: row.get(1)?,
                    happened_at: row.get(2)?,
                    private: row.get(4)?,
                })
            })
            .optional()?,
        ItemKind::Interaction => connection
            .prepare_cached(
                "SELECT i.kind, i.subject, coalesce(i.body, ''), i.occurred_at,
                        (SELECT contact_id FROM interaction_contacts
                         WHERE interaction_id = i.id ORDER BY contact_id LIMIT 1)
                 FROM interactions i WHERE i.id = ?1 AND i.deleted_at IS NULL",
            )?
            .query_row([item_id], |row| {
                let medium: String = row.get(0)?;
                let subject: Option<String> = row.get(1)?;
                let body: String = row.get(2)?;
                let happened_at: String = row.get(3)?;
                let title = subject
                    .filter(|subject| !subject.trim().is_empty())
                    .unwrap_or_else(|| {
                        format!(
                            "{} on {}",
                            medium.replace('_', " "),
                            happened_at.get(..10).unwrap_or(&happened_at)
                        )
                    });
                Ok(RecordView {
                    kind,
                    item_id: item_id.to_owned(),
                    contact_id: row.get(4)?,
                    title: shorten(&title),
                    text: body,
                    happened_at,
                    private: false,
                })
            })
            .optional()?,
        ItemKind::Task => connection
            .prepare_cached(
                "SELECT t.title, coalesce(t.description, ''), t.created_at,
                        (SELECT contact_id FROM task_contacts
                         WHERE task_id = t.id ORDER BY contact_id LIMIT 1)
                 FROM tasks t WHERE t.id = ?1 AND t.deleted_at IS NULL",
            )?
            .query_row([item_id], |row| {
                let title: String = row.get(0)?;
                let description: String = row.get(1)?;
                Ok(RecordView {
                    kind,
                    item_id: item_id.to_owned(),
                    contact_id: row.get(3)?,
                    text: if description.is_empty() {
                        title.clone()
                    } else {
                        description
                    },
                    title: shorten(&title),
                    happened_at: row.get(2)?,
                    private: false,
                })
            })
            .optional()?,
        ItemKind::Project => connection
            .prepare_cached(
                "SELECT name, coalesce(description, ''), created_at
                 FROM projects WHERE id = ?1 AND deleted_at IS NULL",
            )?
            .query_row([item_id], |row| {
                let name: String = row.get(0)?;
                let description: String = row.get(1)?;
                Ok(RecordView {
                    kind,
                    item_id: item_id.to_owned(),
                    contact_id: None,
                    text: if description.is_empty() {
                        name.clone()
                    } else {
                        description
                    },
                    title: shorten(&name),
                    happened_at: row.get(2)?,
                    private: false,
                })
            })
            .optional()?,
    };
    Ok(view)
}

/// The full text a record is embedded from (title and body).
pub(crate) fn embedding_text(view: &RecordView) -> String {
    match view.kind {
        ItemKind::Note => view.text.clone(),
        _ if view.text == view.title || view.text.is_empty() => view.title.clone(),
        _ => format!("{}\n{}", view.title, view.text),
    }
}

/// Whether the record passes the contact, tag and date filters.
pub(crate) fn passes(
    connection: &Connection,
    view: &RecordView,
    filters: &SearchFilters,
) -> Result<bool> {
    if !filters.kinds.is_empty() && !filters.kinds.contains(&view.kind) {
        return Ok(false);
    }
    if let Some(from) = &filters.from {
        if view.happened_at.as_str() < from.as_str() {
            return Ok(false);
        }
    }
    if let Some(to) = &filters.to {
        if view.happened_at.as_str() >= to.as_str() {
            return Ok(false);
        }
    }
    if filters.contact_id.is_none() && filters.tag_id.is_none() {
        return Ok(true);
    }
    let Some(contacts) = contacts_of_sql(view.kind) else {
        return Ok(false);
    };
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM ({contacts}) owners
                        WHERE (?2 IS NULL OR owners.contact_id = ?2)
                          AND (?3 IS NULL OR owners.contact_id IN
                               (SELECT contact_id FROM contact_tags WHERE tag_id = ?3)))"
    );
    let found: bool = connection.prepare_cached(&sql)?.query_row(
        rusqlite::params![view.item_id, filters.contact_id, filters.tag_id],
        |row| row.get(0),
    )?;
    Ok(found)
}

/// SQL selecting `contact_id` for the record `?1` of `kind`; `None` for kinds without
/// contacts (projects).
fn contacts_of_sql(kind: ItemKind) -> Option<&'static str> {
    match kind {
        ItemKind::Contact => Some("SELECT ?1 AS contact_id"),
        ItemKind::Note => Some("SELECT contact_id FROM notes WHERE id = ?1"),
        ItemKind::Interaction => {
            Some("SELECT contact_id FROM interaction_contacts WHERE interaction_id = ?1")
        }
        ItemKind::Task => Some("SELECT contact_id FROM task_contacts WHERE task_id = ?1"),
        ItemKind::Project => None,
    }
}

/// SQL selecting `id, title, body` of every record of `kind`: the text its keyword index row
/// holds (migration 0010's triggers), which keyword matches are ranked by; `None` for contacts,
/// whose index holds its own text.
pub(crate) fn indexed_text_sql(kind: ItemKind) -> Option<&'static str> {
    match kind {
        ItemKind::Note => Some("SELECT id, '' AS title, body FROM notes"),
        ItemKind::Interaction => Some(
            "SELECT id, coalesce(subject, '') AS title, coalesce(body, '') AS body
             FROM interactions",
        ),
        ItemKind::Task => Some("SELECT id, title, coalesce(description, '') AS body FROM tasks"),
        ItemKind::Project => {
            Some("SELECT id, name AS title, coalesce(description, '') AS body FROM projects")
        }
        ItemKind::Contact => None,
    }
}

/// SQL selecting the ids of `kind` records belonging to the contact `?2` and/or to contacts
/// tagged `?3` (either may be NULL); `None` for kinds without contacts.
pub(crate) fn owned_items_sql(kind: ItemKind) -> Option<&'static str> {
    match kind {
        ItemKind::Note => Some(
            "SELECT id FROM notes
             WHERE (?2 IS NULL OR contact_id = ?2)
               AND (?3 IS NULL OR contact_id IN (SELECT contact_id FROM contact_tags WHERE tag_id = ?3))",
        ),
        ItemKind::Interaction => Some(
            "SELECT interaction_id FROM interaction_contacts
             WHERE (?2 IS NULL OR contact_id = ?2)
               AND (?3 IS NULL OR contact_id IN (SELECT contact_id FROM contact_tags WHERE tag_id = ?3))",
        ),
        ItemKind::Task => Some(
            "SELECT task_id FROM task_contacts
             WHERE (?2 IS NULL OR contact_id = ?2)
               AND (?3 IS NULL OR contact_id IN (SELECT contact_id FROM contact_tags WHERE tag_id = ?3))",
        ),
        ItemKind::Contact | ItemKind::Project => None,
    }
}

fn shorten(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default().trim();
    if line.chars().count() <= TITLE_CHARS {
        return line.to_owned();
    }
    let cut: String = line.chars().take(TITLE_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

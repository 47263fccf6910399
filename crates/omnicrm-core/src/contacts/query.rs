//! Reading contacts: the paged, filtered, sorted list, ranked search, and tag counts.

use std::collections::{HashMap, HashSet};

use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, Row};
use serde::{Deserialize, Serialize};

use super::search_query::fts_match_expression;
use super::{ClientStatus, ContactSource, ContactSummary, LifecycleStage, TagCount};
use crate::error::{Error, Result};

/// The largest page a caller can ask for.
pub const MAX_PAGE_SIZE: u32 = 500;
/// A search or tag filter matching more contacts than this is listed by walking the sort order.
const WALK_SORT_ORDER_ABOVE: i64 = 2_000;
/// Search as you type looks at most this many keyword matches beyond the name-prefix hits, so
/// that a one-letter prefix matching most contacts stays fast.
const SEARCH_CANDIDATES: u32 = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ContactSort {
    #[default]
    Name,
    Updated,
    Stage,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum SortDirection {
    #[default]
    Asc,
    Desc,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ContactListQuery {
    /// Search-as-you-type text over name, email, phone and organisation.
    pub search: Option<String>,
    pub stage: Option<LifecycleStage>,
    pub status: Option<ClientStatus>,
    pub tag: Option<String>,
    pub source: Option<ContactSource>,
    pub sort: ContactSort,
    pub direction: SortDirection,
    pub offset: u32,
    /// At most [`MAX_PAGE_SIZE`].
    pub limit: u32,
}

impl Default for ContactListQuery {
    fn default() -> Self {
        Self {
            search: None,
            stage: None,
            status: None,
            tag: None,
            source: None,
            sort: ContactSort::Name,
            direction: SortDirection::Asc,
            offset: 0,
            limit: 100,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ContactPage {
    pub items: Vec<ContactSummary>,
    /// How many contacts match the filters in all.
    pub total: u32,
    pub offset: u32,
}

const SUMMARY_COLUMNS: &str = "c.id, c.display_name, c.organization, c.primary_email, \
     c.primary_phone, c.lifecycle_stage, c.client_status, c.source, c.updated_at";

pub(super) fn list(connection: &Connection, query: &ContactListQuery) -> Result<ContactPage> {
    if query.limit == 0 || query.limit > MAX_PAGE_SIZE {
        return Err(Error::invalid_field(
            "limit",
            format!("must be between 1 and {MAX_PAGE_SIZE}"),
        ));
    }
    let mut conditions = vec!["c.deleted_at IS NULL".to_owned()];
    let mut values: Vec<Value> = Vec::new();
    let search = query.search.as_deref().and_then(fts_match_expression);
    if let Some(expression) = &search {
        values.push(Value::Text(expression.clone()));
        conditions.push(format!(
            "c.seq IN (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ?{})",
            values.len()
        ));
    }
    if let Some(stage) = query.stage {
        // The stage's sort position, not its name: `contacts_by_stage` (stage_rank,
        // sort_name, id) then serves both the filter and the name order.
        values.push(Value::Integer(LifecycleStage::rank(Some(stage))));
        conditions.push(format!("c.stage_rank = ?{}", values.len()));
    }
    if let Some(status) = query.status {
        values.push(Value::Text(status.as_str().to_owned()));
        conditions.push(format!("c.client_status = ?{}", values.len()));
    }
    if let Some(source) = query.source {
        values.push(Value::Text(source.as_str().to_owned()));
        conditions.push(format!("c.source = ?{}", values.len()));
    }
    if let Some(tag) = query.tag.as_deref().filter(|tag| !tag.trim().is_empty()) {
        values.push(Value::Text(tag.trim().to_owned()));
        conditions.push(format!(
            "c.id IN (SELECT ct.contact_id FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id \
             WHERE t.name = ?{})",
            values.len()
        ));
    }
    let filter = conditions.join(" AND ");

    let total = count(connection, &conditions, &values, search.as_deref())?;

    let direction = match query.direction {
        SortDirection::Asc => "ASC",
        SortDirection::Desc => "DESC",
    };
    let (order, sort_index) = match query.sort {
        ContactSort::Name => (
            format!("c.sort_name {direction}, c.id {direction}"),
            "contacts_by_name",
        ),
        ContactSort::Updated => (
            format!("c.updated_at {direction}, c.id {direction}"),
            "contacts_by_updated",
        ),
        ContactSort::Stage => (
            format!("c.stage_rank {direction}, c.sort_name {direction}, c.id {direction}"),
            "contacts_by_stage",
        ),
    };
    // Left alone, SQLite drives a search or tag filter from its match list and sorts every
    // match. With many matches it is faster to walk the sort order and test each row, which
    // finds a page after a few hundred rows.
    let walk_sort_order =
        (search.is_some() || query.tag.is_some()) && total > WALK_SORT_ORDER_ABOVE;
    let source = if walk_sort_order {
        format!("contacts c INDEXED BY {sort_index}")
    } else {
        "contacts c".to_owned()
    };
    values.push(Value::Integer(i64::from(query.limit)));
    values.push(Value::Integer(i64::from(query.offset)));
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM {source} WHERE {filter} ORDER BY {order} \
         LIMIT ?{} OFFSET ?{}",
        values.len() - 1,
        values.len()
    );
    let mut items = connection
        .prepare_cached(&sql)?
        .query_map(params_from_iter(values.iter()), summary_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    attach_tags(connection, &mut items)?;
    Ok(ContactPage {
        items,
        total: u32::try_from(total).unwrap_or(u32::MAX),
        offset: query.offset,
    })
}

/// How many contacts match. The keyword index and the live-contact total already exclude
/// deleted contacts, so the common cases never count table rows.
fn count(
    connection: &Connection,
    conditions: &[String],
    values: &[Value],
    search: Option<&str>,
) -> Result<i64> {
    let total = match (conditions.len(), search) {
        (1, None) => connection
            .prepare_cached("SELECT live FROM contact_totals WHERE id = 1")?
            .query_row([], |row| row.get(0))?,
        (2, Some(expression)) => connection
            .prepare_cached("SELECT COUNT(*) FROM contacts_fts WHERE contacts_fts MATCH ?1")?
            .query_row([expression], |row| row.get(0))?,
        _ => connection
            .prepare_cached(&format!(
                "SELECT COUNT(*) FROM contacts c WHERE {}",
                conditions.join(" AND ")
            ))?
            .query_row(params_from_iter(values.iter()), |row| row.get(0))?,
    };
    Ok(total)
}

/// Search as you type: contacts whose name starts with the text come first, in name order
/// (an index range, so one letter is as fast as a full name); the rest of the list is filled
/// with keyword matches on any word of the name, email, phone or organisation.
pub(super) fn search(
    connection: &Connection,
    text: &str,
    limit: u32,
) -> Result<Vec<ContactSummary>> {
    let Some(expression) = fts_match_expression(text) else {
        return Ok(Vec::new());
    };
    let limit = limit.clamp(1, MAX_PAGE_SIZE);
    let prefix = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let mut items = connection
        .prepare_cached(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM contacts c
             WHERE c.deleted_at IS NULL AND c.sort_name >= ?1 AND c.sort_name < ?2
             ORDER BY c.sort_name, c.id LIMIT ?3"
        ))?
        .query_map(
            rusqlite::params![prefix, format!("{prefix}\u{10FFFF}"), limit],
            summary_from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let wanted = limit as usize;
    if items.len() < wanted {
        let found: HashSet<String> = items.iter().map(|item| item.id.clone()).collect();
        let mut statement = connection.prepare_cached(&format!(
            "SELECT {SUMMARY_COLUMNS}
             FROM (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ?1 LIMIT ?2) AS matches
             JOIN contacts c ON c.seq = matches.rowid
             WHERE c.deleted_at IS NULL
             ORDER BY c.sort_name, c.id"
        ))?;
        let more = statement.query_map(
            rusqlite::params![expression, SEARCH_CANDIDATES],
            summary_from_row,
        )?;
        for item in more {
            let item = item?;
            if !found.contains(&item.id) {
                items.push(item);
                if items.len() == wanted {
                    break;
                }
            }
        }
    }
    attach_tags(connection, &mut items)?;
    Ok(items)
}

pub(super) fn tag_counts(connection: &Connection) -> Result<Vec<TagCount>> {
    let mut statement = connection.prepare_cached(
        "SELECT t.name, COUNT(*) FROM contact_tags ct
         JOIN tags t ON t.id = ct.tag_id
         JOIN contacts c ON c.id = ct.contact_id
         WHERE c.deleted_at IS NULL
         GROUP BY t.id ORDER BY t.name COLLATE NOCASE",
    )?;
    let counts = statement
        .query_map([], |row| {
            Ok(TagCount {
                name: row.get(0)?,
                count: row.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(counts)
}

fn summary_from_row(row: &Row<'_>) -> rusqlite::Result<ContactSummary> {
    let stage: Option<String> = row.get(5)?;
    let status: String = row.get(6)?;
    let source: String = row.get(7)?;
    Ok(ContactSummary {
        id: row.get(0)?,
        display_name: row.get(1)?,
        organization: row.get(2)?,
        primary_email: row.get(3)?,
        primary_phone: row.get(4)?,
        lifecycle_stage: stage.as_deref().and_then(LifecycleStage::parse),
        client_status: ClientStatus::parse(&status).unwrap_or_default(),
        source: ContactSource::parse(&source).unwrap_or_default(),
        tags: Vec::new(),
        updated_at: row.get(8)?,
    })
}

/// Fills in the tags of a page of summaries with one query.
fn attach_tags(connection: &Connection, items: &mut [ContactSummary]) -> Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let ids = serde_json::to_string(&items.iter().map(|item| &item.id).collect::<Vec<_>>())?;
    let mut statement = connection.prepare_cached(
        "SELECT ct.contact_id, t.name FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id
         WHERE ct.contact_id IN (SELECT value FROM json_each(?1))
         ORDER BY t.name COLLATE NOCASE",
    )?;
    let mut tags_by_contact: HashMap<String, Vec<String>> = HashMap::new();
    let rows = statement.query_map([ids], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })?;
    for row in rows {
        let (contact_id, tag) = row?;
        tags_by_contact.entry(contact_id).or_default().push(tag);
    }
    for item in items {
        if let Some(tags) = tags_by_contact.remove(&item.id) {
            item.tags = tags;
        }
    }
    Ok(())
}

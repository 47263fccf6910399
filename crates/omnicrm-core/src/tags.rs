//! Tags: named, coloured labels in six categories, with a seeded set of system wellness tags.
//! Contacts carry tags by name; renaming a tag renames it on every contact at once.

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::changes::BatchReceipt;
use crate::contacts;
use crate::error::{Error, ErrorCode, Result};
use crate::records::{self, Record};
use crate::store::Database;
use crate::time::{new_id, now_utc};

pub(crate) const ENTITY: &str = "tag";
pub const MAX_TAG_NAME_CHARS: usize = 60;
pub const DEFAULT_TAG_COLOR: &str = "#64748b";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum TagCategory {
    ServicesModalities,
    ClientDemographics,
    ScheduleAttendance,
    HealthWellness,
    MarketingEngagement,
    EmotionalMental,
}

impl TagCategory {
    pub const ALL: [TagCategory; 6] = [
        Self::ServicesModalities,
        Self::ClientDemographics,
        Self::ScheduleAttendance,
        Self::HealthWellness,
        Self::MarketingEngagement,
        Self::EmotionalMental,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ServicesModalities => "services_modalities",
            Self::ClientDemographics => "client_demographics",
            Self::ScheduleAttendance => "schedule_attendance",
            Self::HealthWellness => "health_wellness",
            Self::MarketingEngagement => "marketing_engagement",
            Self::EmotionalMental => "emotional_mental",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|category| category.as_str() == text)
    }
}

/// A stored tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Tag {
    pub id: String,
    pub name: String,
    pub category: Option<TagCategory>,
    /// `#rrggbb`.
    pub color: String,
    /// Seeded with OmniCRM; can be renamed or recoloured like any other.
    pub is_system: bool,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

/// A tag with the number of live contacts that carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TagWithUsage {
    pub tag: Tag,
    pub usage_count: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TagInput {
    pub name: String,
    pub category: Option<TagCategory>,
    /// `#rrggbb`; a neutral grey when absent.
    pub color: Option<String>,
}

impl Record for Tag {
    const ENTITY: &'static str = ENTITY;

    records::record_accessors!();

    fn load(connection: &Connection, id: &str) -> Result<Self> {
        connection
            .prepare_cached(&format!("SELECT {TAG_COLUMNS} FROM tags WHERE id = ?1"))?
            .query_row([id], tag_from_row)
            .optional()?
            .ok_or_else(|| Error::not_found(ENTITY, id))
    }

    fn save(&self, connection: &Connection) -> Result<()> {
        connection
            .prepare_cached(
                "INSERT INTO tags (id, name, category, color, is_system, created_at, updated_at,
                                   deleted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (id) DO UPDATE SET
                     name = excluded.name, category = excluded.category,
                     color = excluded.color, is_system = excluded.is_system,
                     created_at = excluded.created_at, updated_at = excluded.updated_at,
                     deleted_at = excluded.deleted_at",
            )?
            .execute(params![
                self.id,
                self.name,
                self.category.map(TagCategory::as_str),
                self.color,
                self.is_system,
                self.created_at,
                self.updated_at,
                self.deleted_at,
            ])?;
        Ok(())
    }
}

const TAG_COLUMNS: &str =
    "id, name, category, color, is_system, created_at, COALESCE(updated_at, created_at), deleted_at";

fn tag_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Tag> {
    let category: Option<String> = row.get(2)?;
    Ok(Tag {
        id: row.get(0)?,
        name: row.get(1)?,
        category: category.as_deref().and_then(TagCategory::parse),
        color: row.get(3)?,
        is_system: row.get(4)?,
        created_at: row.get(5)?,
        updated_at: row.get(6)?,
        deleted_at: row.get(7)?,
    })
}

#[derive(Debug, Clone)]
pub struct TagService {
    database: Database,
}

impl TagService {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    /// Tag `id`, if it is live.
    pub fn get(&self, id: &str) -> Result<Tag> {
        self.database
            .read(|connection| Tag::load_live(connection, id))
    }

    /// Every live tag with its usage, by category then name.
    pub fn list(&self) -> Result<Vec<TagWithUsage>> {
        self.database.read(|connection| {
            let mut statement = connection.prepare_cached(&format!(
                "SELECT {TAG_COLUMNS},
                        (SELECT COUNT(*) FROM contact_tags ct JOIN contacts c ON c.id = ct.contact_id
                         WHERE ct.tag_id = tags.id AND c.deleted_at IS NULL)
                 FROM tags WHERE deleted_at IS NULL
                 ORDER BY category IS NULL, category, name COLLATE NOCASE"
            ))?;
            let tags = statement
                .query_map([], |row| {
                    Ok(TagWithUsage {
                        tag: tag_from_row(row)?,
                        usage_count: row.get(8)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(tags)
        })
    }

    pub fn create(&self, input: TagInput) -> Result<Tag> {
        self.database.write(|transaction| {
            let valid = validate(input)?;
            if let Some(existing) = find_by_name(transaction, &valid.name)? {
                if existing.deleted_at.is_none() {
                    return Err(name_taken(&valid.name));
                }
                // A deleted tag of that name comes back with the new settings.
                let revived = Tag {
                    name: valid.name,
                    category: valid.category,
                    color: valid.color,
                    deleted_at: None,
                    ..existing.clone()
                };
                return records::update(transaction, &existing, revived, None);
            }
            let now = now_utc();
            let tag = Tag {
                id: new_id(),
                name: valid.name,
                category: valid.category,
                color: valid.color,
                is_system: false,
                created_at: now.clone(),
                updated_at: now,
                deleted_at: None,
            };
            records::create(transaction, &tag, None)?;
            Ok(tag)
        })
    }

    /// Renames, recolours or recategorises a tag.
    pub fn update(&self, id: &str, input: TagInput) -> Result<Tag> {
        self.database.write(|transaction| {
            let before = Tag::load_live(transaction, id)?;
            let valid = validate(input)?;
            if let Some(other) = find_by_name(transaction, &valid.name)? {
                if other.id != before.id {
                    return Err(name_taken(&valid.name));
                }
            }
            let after = Tag {
                name: valid.name,
                category: valid.category,
                color: valid.color,
                ..before.clone()
            };
            records::update(transaction, &before, after, None)
        })
    }

    /// Deletes a tag and takes it off every contact, as one batch that can be undone.
    pub fn delete(&self, id: &str) -> Result<BatchReceipt> {
        self.database.write(|transaction| {
            let tag = Tag::load_live(transaction, id)?;
            let batch_id = new_id();
            let contact_ids = contacts_with_tag(transaction, id)?;
            let rules = contacts::ValidationRules::load(transaction)?;
            let mut changed = 0u32;
            let mut index = contacts::SearchIndexBatch::default();
            for contact_id in &contact_ids {
                let name = tag.name.clone();
                let updated = contacts::modify_indexing(
                    transaction,
                    &rules,
                    contact_id,
                    Some(&batch_id),
                    &mut index,
                    |c| {
                        c.tags
                            .retain(|existing| !existing.eq_ignore_ascii_case(&name))
                    },
                )?;
                changed += u32::from(updated);
            }
            index.flush(transaction)?;
            records::delete::<Tag>(transaction, id, Some(&batch_id))?;
            Ok(BatchReceipt {
                batch_id,
                changed: changed + 1,
            })
        })
    }

    /// Adds the tags to every listed contact (creating tags that do not exist yet), as one batch.
    pub fn tag_contacts(
        &self,
        contact_ids: &[String],
        tag_names: &[String],
    ) -> Result<BatchReceipt> {
        self.bulk(contact_ids, tag_names, true)
    }

    /// Takes the tags off every listed contact, as one batch.
    pub fn untag_contacts(
        &self,
        contact_ids: &[String],
        tag_names: &[String],
    ) -> Result<BatchReceipt> {
        self.bulk(contact_ids, tag_names, false)
    }

    fn bulk(
        &self,
        contact_ids: &[String],
        tag_names: &[String],
        add: bool,
    ) -> Result<BatchReceipt> {
        if contact_ids.is_empty() {
            return Err(Error::invalid_field("contact_ids", "lists no contacts"));
        }
        let mut names = Vec::new();
        for (index, name) in tag_names.iter().enumerate() {
            let name = contacts::collapse_whitespace(name);
            if name.is_empty() {
                return Err(Error::invalid_field(
                    format!("tag_names[{index}]"),
                    "is empty",
                ));
            }
            names.push(name);
        }
        if names.is_empty() {
            return Err(Error::invalid_field("tag_names", "lists no tags"));
        }
        self.database.write(|transaction| {
            let batch_id = new_id();
            let rules = contacts::ValidationRules::load(transaction)?;
            let mut changed = 0u32;
            let mut index = contacts::SearchIndexBatch::default();
            for contact_id in contact_ids {
                let updated = contacts::modify_indexing(
                    transaction,
                    &rules,
                    contact_id,
                    Some(&batch_id),
                    &mut index,
                    |c| {
                        for name in &names {
                            let present = c.tags.iter().any(|tag| tag.eq_ignore_ascii_case(name));
                            if add && !present {
                                c.tags.push(name.clone());
                            } else if !add {
                                c.tags.retain(|tag| !tag.eq_ignore_ascii_case(name));
                            }
                        }
                    },
                )?;
                changed += u32::from(updated);
            }
            index.flush(transaction)?;
            Ok(BatchReceipt { batch_id, changed })
        })
    }
}

/// The tag here that a definition from the team (tag `id`, named `name`) applies to: the tag
/// of that id, else the tag of that name (two devices may each have made a tag of the name
/// before they shared, or made it by tagging a contact), else `id`, a tag new here.
pub(crate) fn remote_target(connection: &Connection, id: &str, name: &str) -> Result<String> {
    match Tag::load(connection, id) {
        Ok(tag) => return Ok(tag.id),
        Err(error) if error.code == ErrorCode::NotFound => {}
        Err(error) => return Err(error),
    }
    let name = contacts::collapse_whitespace(name);
    Ok(find_by_name(connection, &name)?
        .map(|tag| tag.id)
        .unwrap_or_else(|| id.to_owned()))
}

/// Tag `id` as the team's definition has it. `before` is the tag here, if any: a rename to a
/// name another tag here holds keeps the tag's name (its colour and category still change).
pub(crate) fn build_remote(
    connection: &Connection,
    id: &str,
    input: TagInput,
    is_system: bool,
    before: Option<&Tag>,
) -> Result<Tag> {
    let valid = validate(input)?;
    let name_held_elsewhere =
        find_by_name(connection, &valid.name)?.is_some_and(|other| other.id != id);
    let name = match before {
        Some(before) if name_held_elsewhere => before.name.clone(),
        _ => valid.name,
    };
    let now = now_utc();
    Ok(Tag {
        id: id.to_owned(),
        name,
        category: valid.category,
        color: valid.color,
        is_system: before.map_or(is_system, |before| before.is_system),
        created_at: before.map_or_else(|| now.clone(), |before| before.created_at.clone()),
        updated_at: now,
        deleted_at: None,
    })
}

struct ValidTag {
    name: String,
    category: Option<TagCategory>,
    color: String,
}

fn validate(input: TagInput) -> Result<ValidTag> {
    let name = contacts::collapse_whitespace(&input.name);
    if name.is_empty() {
        return Err(Error::invalid_field("name", "is required"));
    }
    if name.chars().count() > MAX_TAG_NAME_CHARS {
        return Err(Error::invalid_field(
            "name",
            format!("is longer than {MAX_TAG_NAME_CHARS} characters"),
        ));
    }
    let color = match input.color {
        None => DEFAULT_TAG_COLOR.to_owned(),
        Some(color) => check_color("color", &color)?,
    };
    Ok(ValidTag {
        name,
        category: input.category,
        color,
    })
}

/// A `#rrggbb` colour, lowercased.
pub(crate) fn check_color(field: &str, color: &str) -> Result<String> {
    let color = color.trim().to_ascii_lowercase();
    let valid = color.len() == 7
        && color.starts_with('#')
        && color.chars().skip(1).all(|c| c.is_ascii_hexdigit());
    if !valid {
        return Err(Error::invalid_field(field, "must be a colour like #3366cc"));
    }
    Ok(color)
}

fn name_taken(name: &str) -> Error {
    Error::new(
        ErrorCode::Conflict,
        format!("a tag named '{name}' already exists"),
    )
    .with_field("name", "is already used by another tag")
}

fn find_by_name(connection: &Connection, name: &str) -> Result<Option<Tag>> {
    Ok(connection
        .prepare_cached(&format!("SELECT {TAG_COLUMNS} FROM tags WHERE name = ?1"))?
        .query_row([name], tag_from_row)
        .optional()?)
}

fn contacts_with_tag(connection: &Connection, tag_id: &str) -> Result<Vec<String>> {
    let mut statement = connection.prepare_cached(
        "SELECT ct.contact_id FROM contact_tags ct JOIN contacts c ON c.id = ct.contact_id
         WHERE ct.tag_id = ?1 AND c.deleted_at IS NULL",
    )?;
    let ids = statement
        .query_map([tag_id], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(ids)
}

//! SQL for storing and loading whole contacts, and keeping the keyword index in step.

use rusqlite::{params, Connection, OptionalExtension, Row, ToSql};

use super::validation::normalize_email;
use super::{
    Address, ClientStatus, Contact, ContactSource, EmailEntry, LifecycleStage, PhoneEntry, ENTITY,
};
use crate::error::{Error, Result};
use crate::store::insert_rows;
use crate::time::{new_id, now_utc};

/// Keyword-index writes held back until the end of a bulk write.
///
/// FTS5 writes its in-memory terms to disk as a new segment whenever a statement opens a
/// statement journal inside a transaction, and every insert into an FTS5 table does. Indexing
/// row by row therefore builds one tiny segment per contact and then spends its time merging
/// them. Held back here and written by one statement in [`SearchIndexBatch::flush`], a bulk
/// write adds its contacts to the index in one go.
#[derive(Debug, Default)]
pub(crate) struct SearchIndexBatch {
    /// Index entries (by `contacts.seq`) to remove: contacts that were indexed before the batch.
    removed: std::collections::BTreeSet<i64>,
    /// Index entries to add, by `contacts.seq`; the last write of a contact wins.
    added: std::collections::BTreeMap<i64, IndexRow>,
}

#[derive(Debug, serde::Serialize)]
struct IndexRow(i64, String, String, String, Option<String>);

impl SearchIndexBatch {
    /// Writes the held-back index changes: one statement for the removals, one for the rest.
    pub(crate) fn flush(self, connection: &Connection) -> Result<()> {
        if !self.removed.is_empty() {
            connection
                .prepare_cached(
                    "DELETE FROM contacts_fts WHERE rowid IN (SELECT value FROM json_each(?1))",
                )?
                .execute([serde_json::to_string(&self.removed)?])?;
        }
        if !self.added.is_empty() {
            let rows: Vec<&IndexRow> = self.added.values().collect();
            connection
                .prepare_cached(
                    "INSERT INTO contacts_fts (rowid, display_name, emails, phones, organization)
                     SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4
                     FROM json_each(?1)",
                )?
                .execute([serde_json::to_string(&rows)?])?;
        }
        Ok(())
    }
}

pub(super) fn insert(connection: &Connection, contact: &mut Contact) -> Result<()> {
    insert_indexing(connection, contact, None)
}

/// [`insert`], with the keyword index entry held back in `index` when given.
pub(super) fn insert_indexing(
    connection: &Connection,
    contact: &mut Contact,
    index: Option<&mut SearchIndexBatch>,
) -> Result<()> {
    let tag_ids = resolve_tags(connection, contact)?;
    write_row(
        connection,
        contact,
        "INSERT INTO contacts (
             id, display_name, sort_name, organization, primary_email, primary_phone,
             address_json, date_of_birth, photo, lifecycle_stage, stage_rank, client_status,
             source, referral_source, emergency_contact_name, emergency_contact_phone,
             health_context_json, preferences_json, created_at, updated_at, deleted_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, ?21)",
    )?;
    // `seq` is the rowid: known from the insert, no lookup needed.
    let seq = connection.last_insert_rowid();
    write_children(connection, contact, &tag_ids, Some(seq), index)
}

/// Writes every field of `contact` over the stored row, and its emails, phones, tags and
/// keyword index entry.
pub(super) fn replace(connection: &Connection, contact: &mut Contact) -> Result<()> {
    replace_indexing(connection, contact, None)
}

/// [`replace`], with the keyword index change held back in `index` when given.
pub(super) fn replace_indexing(
    connection: &Connection,
    contact: &mut Contact,
    index: Option<&mut SearchIndexBatch>,
) -> Result<()> {
    let tag_ids = resolve_tags(connection, contact)?;
    let changed = write_row(
        connection,
        contact,
        "UPDATE contacts SET
             display_name = ?2, sort_name = ?3, organization = ?4, primary_email = ?5,
             primary_phone = ?6, address_json = ?7, date_of_birth = ?8, photo = ?9,
             lifecycle_stage = ?10, stage_rank = ?11, client_status = ?12, source = ?13,
             referral_source = ?14, emergency_contact_name = ?15,
             emergency_contact_phone = ?16, health_context_json = ?17,
             preferences_json = ?18, created_at = ?19, updated_at = ?20, deleted_at = ?21
         WHERE id = ?1",
    )?;
    if changed == 0 {
        return Err(Error::not_found(ENTITY, &contact.id));
    }
    write_children(connection, contact, &tag_ids, None, index)
}

/// Tags are matched by name without regard to case; a contact carries the stored spelling
/// (`yoga` becomes the seeded `Yoga`), and tags that do not exist yet are created. Returns the
/// tag ids, one lookup per tag.
fn resolve_tags(connection: &Connection, contact: &mut Contact) -> Result<Vec<String>> {
    TagNames::default().resolve(connection, contact)
}

/// Tag names already looked up during one bulk write, so each name costs one query per write
/// instead of one per contact.
///
/// Keys fold case the way the `tags.name` column does (`COLLATE NOCASE`: ASCII letters
/// only), so the cache finds exactly the tags the query would. A name the cache does not know
/// is looked up in the database before it is created: a tag created by another path in the
/// same transaction is found, never duplicated.
#[derive(Debug, Default)]
pub(crate) struct TagNames {
    /// NOCASE-folded name -> (tag id, stored name).
    known: std::collections::HashMap<String, (String, String)>,
}

impl TagNames {
    /// [`resolve_tags`] through the cache.
    pub(crate) fn resolve(
        &mut self,
        connection: &Connection,
        contact: &mut Contact,
    ) -> Result<Vec<String>> {
        let mut ids = Vec::with_capacity(contact.tags.len());
        for tag in &mut contact.tags {
            let key = tag.to_ascii_lowercase();
            let (id, name) = match self.known.get(&key) {
                Some(known) => known.clone(),
                None => {
                    let stored = lookup_or_create_tag(connection, tag)?;
                    self.known.insert(key, stored.clone());
                    stored
                }
            };
            *tag = name;
            ids.push(id);
        }
        contact.tags.sort_by_key(|tag| tag.to_lowercase());
        Ok(ids)
    }
}

/// The stored (id, name) of the tag named `name` (any case), created when there is none.
fn lookup_or_create_tag(connection: &Connection, name: &str) -> Result<(String, String)> {
    let stored: Option<(String, String)> = connection
        .prepare_cached("SELECT id, name FROM tags WHERE name = ?1")?
        .query_row([name], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    if let Some(stored) = stored {
        return Ok(stored);
    }
    let id = new_id();
    connection
        .prepare_cached("INSERT INTO tags (id, name, created_at) VALUES (?1, ?2, ?3)")?
        .execute(params![id, name, now_utc()])?;
    Ok((id, name.to_owned()))
}

/// The 21 stored columns of a contact, in the order of the insert and update statements.
/// Serialized, it is a JSON array: the row of a bulk insert through `json_each`.
#[derive(Debug, serde::Serialize)]
struct ContactRow<'contact>(
    &'contact str,
    &'contact str,
    String,
    Option<&'contact str>,
    Option<&'contact str>,
    Option<&'contact str>,
    Option<String>,
    Option<&'contact str>,
    Option<&'contact str>,
    Option<&'static str>,
    i64,
    &'static str,
    &'static str,
    Option<&'contact str>,
    Option<&'contact str>,
    Option<&'contact str>,
    String,
    String,
    &'contact str,
    &'contact str,
    Option<&'contact str>,
);

impl<'contact> ContactRow<'contact> {
    fn of(contact: &'contact Contact) -> Result<Self> {
        Ok(Self(
            &contact.id,
            &contact.display_name,
            sort_name(&contact.display_name),
            contact.organization.as_deref(),
            contact.primary_email(),
            contact.primary_phone(),
            contact
                .address
                .as_ref()
                .map(serde_json::to_string)
                .transpose()?,
            contact.date_of_birth.as_deref(),
            contact.photo.as_deref(),
            contact.lifecycle_stage.map(LifecycleStage::as_str),
            LifecycleStage::rank(contact.lifecycle_stage),
            contact.client_status.as_str(),
            contact.source.as_str(),
            contact.referral_source.as_deref(),
            contact.emergency_contact_name.as_deref(),
            contact.emergency_contact_phone.as_deref(),
            serde_json::to_string(&contact.health_context)?,
            serde_json::to_string(&contact.preferences)?,
            &contact.created_at,
            &contact.updated_at,
            contact.deleted_at.as_deref(),
        ))
    }
}

/// Runs `sql` (an insert or update) with the contact's columns as ?1..?21.
fn write_row(connection: &Connection, contact: &Contact, sql: &str) -> Result<usize> {
    let row = ContactRow::of(contact)?;
    Ok(connection.prepare_cached(sql)?.execute(params![
        row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10, row.11,
        row.12, row.13, row.14, row.15, row.16, row.17, row.18, row.19, row.20,
    ])?)
}

/// Inserts many new contacts with one statement per table (contacts, emails, phones, tags)
/// instead of one per row, holding their keyword index entries back in `index`.
///
/// Every row-by-row insert into `contacts` fires a trigger (the live-contact counter), so
/// SQLite opens a statement journal for it and copies each page the insert touches (the table
/// and its nine indexes) into that journal first: per contact, tens of kilobytes copied and
/// freed again. One statement for many contacts journals each page once, and binds and steps
/// one statement instead of a few per contact. The rows are the same as [`insert_indexing`]
/// writes, built by the same [`ContactRow`].
pub(super) fn insert_many(
    connection: &Connection,
    contacts: &mut [Contact],
    tags: &mut TagNames,
    index: &mut SearchIndexBatch,
) -> Result<()> {
    if contacts.is_empty() {
        return Ok(());
    }
    let mut tag_ids_of = Vec::with_capacity(contacts.len());
    for contact in contacts.iter_mut() {
        tag_ids_of.push(tags.resolve(connection, contact)?);
    }
    let rows = contacts
        .iter()
        .map(ContactRow::of)
        .collect::<Result<Vec<_>>>()?;
    let mut seq_of: std::collections::HashMap<String, i64> =
        std::collections::HashMap::with_capacity(contacts.len());
    let row_params: Vec<[&dyn ToSql; 21]> = rows
        .iter()
        .map(|row| -> [&dyn ToSql; 21] {
            [
                &row.0, &row.1, &row.2, &row.3, &row.4, &row.5, &row.6, &row.7, &row.8, &row.9,
                &row.10, &row.11, &row.12, &row.13, &row.14, &row.15, &row.16, &row.17, &row.18,
                &row.19, &row.20,
            ]
        })
        .collect();
    insert_rows(
        connection,
        "INSERT INTO contacts (
             id, display_name, sort_name, organization, primary_email, primary_phone,
             address_json, date_of_birth, photo, lifecycle_stage, stage_rank, client_status,
             source, referral_source, emergency_contact_name, emergency_contact_phone,
             health_context_json, preferences_json, created_at, updated_at, deleted_at)",
        "RETURNING id, seq",
        &row_params,
        &mut |row| {
            seq_of.insert(row.get(0)?, row.get(1)?);
            Ok(())
        },
    )?;
    drop(row_params);
    drop(rows);

    let mut emails = Vec::new();
    let mut phones = Vec::new();
    let mut tag_links: Vec<(&str, &str)> = Vec::new();
    for (contact, tag_ids) in contacts.iter().zip(&tag_ids_of) {
        for (position, email) in contact.emails.iter().enumerate() {
            emails.push((
                contact.id.as_str(),
                position as i64,
                email.address.as_str(),
                normalize_email(&email.address),
                email.label.as_deref(),
                email.is_primary,
            ));
        }
        for (position, phone) in contact.phones.iter().enumerate() {
            phones.push((
                contact.id.as_str(),
                position as i64,
                phone.number.as_str(),
                phone.label.as_deref(),
                phone.is_primary,
            ));
        }
        for tag_id in tag_ids {
            tag_links.push((contact.id.as_str(), tag_id.as_str()));
        }
    }
    let nothing_returned = &mut |_: &Row<'_>| Ok(());
    let email_params: Vec<[&dyn ToSql; 6]> = emails
        .iter()
        .map(|email| -> [&dyn ToSql; 6] {
            [&email.0, &email.1, &email.2, &email.3, &email.4, &email.5]
        })
        .collect();
    insert_rows(
        connection,
        "INSERT INTO contact_emails (contact_id, position, address, address_normalized, label,
                                     is_primary)",
        "",
        &email_params,
        nothing_returned,
    )?;
    let phone_params: Vec<[&dyn ToSql; 5]> = phones
        .iter()
        .map(|phone| -> [&dyn ToSql; 5] { [&phone.0, &phone.1, &phone.2, &phone.3, &phone.4] })
        .collect();
    insert_rows(
        connection,
        "INSERT INTO contact_phones (contact_id, position, number_e164, label, is_primary)",
        "",
        &phone_params,
        nothing_returned,
    )?;
    let tag_params: Vec<[&dyn ToSql; 2]> = tag_links
        .iter()
        .map(|link| -> [&dyn ToSql; 2] { [&link.0, &link.1] })
        .collect();
    insert_rows(
        connection,
        "INSERT OR IGNORE INTO contact_tags (contact_id, tag_id)",
        "",
        &tag_params,
        nothing_returned,
    )?;
    for contact in contacts.iter() {
        let seq = seq_of
            .get(&contact.id)
            .copied()
            .ok_or_else(|| Error::internal(format!("contact {} was not stored", contact.id)))?;
        if contact.deleted_at.is_none() {
            index.added.insert(seq, index_row(seq, contact));
        }
    }
    Ok(())
}

/// Emails, phones, tags and the keyword index entry. `seq` is known for a new contact; an
/// existing one (`None`) has its old rows cleared first.
fn write_children(
    connection: &Connection,
    contact: &Contact,
    tag_ids: &[String],
    seq: Option<i64>,
    index: Option<&mut SearchIndexBatch>,
) -> Result<()> {
    let existing = seq.is_none();
    if existing {
        for sql in [
            "DELETE FROM contact_emails WHERE contact_id = ?1",
            "DELETE FROM contact_phones WHERE contact_id = ?1",
            "DELETE FROM contact_tags WHERE contact_id = ?1",
        ] {
            connection.prepare_cached(sql)?.execute([&contact.id])?;
        }
    }
    let mut insert_email = connection.prepare_cached(
        "INSERT INTO contact_emails (contact_id, position, address, address_normalized, label,
                                     is_primary)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (position, email) in contact.emails.iter().enumerate() {
        insert_email.execute(params![
            contact.id,
            position as i64,
            email.address,
            normalize_email(&email.address),
            email.label,
            email.is_primary,
        ])?;
    }

    let mut insert_phone = connection.prepare_cached(
        "INSERT INTO contact_phones (contact_id, position, number_e164, label, is_primary)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (position, phone) in contact.phones.iter().enumerate() {
        insert_phone.execute(params![
            contact.id,
            position as i64,
            phone.number,
            phone.label,
            phone.is_primary,
        ])?;
    }

    let mut insert_tag = connection.prepare_cached(
        "INSERT OR IGNORE INTO contact_tags (contact_id, tag_id) VALUES (?1, ?2)",
    )?;
    for tag_id in tag_ids {
        insert_tag.execute(params![contact.id, tag_id])?;
    }

    refresh_search_index(connection, contact, seq, index)
}

/// Live contacts are indexed; deleted ones are removed from the index.
fn refresh_search_index(
    connection: &Connection,
    contact: &Contact,
    new_seq: Option<i64>,
    index: Option<&mut SearchIndexBatch>,
) -> Result<()> {
    let existing = new_seq.is_none();
    let seq: i64 = match new_seq {
        Some(seq) => seq,
        None => connection
            .prepare_cached("SELECT seq FROM contacts WHERE id = ?1")?
            .query_row([&contact.id], |row| row.get(0))?,
    };
    if let Some(batch) = index {
        // A contact added earlier in the same batch is not in the index yet.
        if batch.added.remove(&seq).is_none() && existing {
            batch.removed.insert(seq);
        }
        if contact.deleted_at.is_none() {
            batch.added.insert(seq, index_row(seq, contact));
        }
        return Ok(());
    }
    if existing {
        connection
            .prepare_cached("DELETE FROM contacts_fts WHERE rowid = ?1")?
            .execute([seq])?;
    }
    if contact.deleted_at.is_some() {
        return Ok(());
    }
    let IndexRow(seq, display_name, emails, phones, organization) = index_row(seq, contact);
    connection
        .prepare_cached(
            "INSERT INTO contacts_fts (rowid, display_name, emails, phones, organization)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![seq, display_name, emails, phones, organization])?;
    Ok(())
}

fn index_row(seq: i64, contact: &Contact) -> IndexRow {
    let emails = contact
        .emails
        .iter()
        .map(|email| email.address.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    IndexRow(
        seq,
        contact.display_name.clone(),
        emails,
        phone_search_terms(&contact.phones),
        contact.organization.clone(),
    )
}

/// Each number as its full digits (`14155550123`) and, for readability of partial input, its
/// national digits (`4155550123`).
fn phone_search_terms(phones: &[PhoneEntry]) -> String {
    let mut terms = Vec::new();
    for phone in phones {
        let digits: String = phone.number.chars().filter(char::is_ascii_digit).collect();
        if let Some(national) = national_digits(&digits) {
            terms.push(national.to_owned());
        }
        terms.push(digits);
    }
    terms.join(" ")
}

/// The national part of an E.164 number's digits. Country calling codes are prefix-free, so the
/// first 1–3 digit prefix that is a known code is the code. (A table lookup: parsing the number
/// again costs far more, and this runs for every stored phone.)
fn national_digits(digits: &str) -> Option<&str> {
    (1..=3).find_map(|length| {
        let code: u16 = digits.get(..length)?.parse().ok()?;
        phonenumber::metadata::DATABASE.by_code(&code)?;
        digits.get(length..).filter(|rest| !rest.is_empty())
    })
}

/// Lowercased, accent-insensitive enough for ordering: SQLite compares the bytes.
pub(super) fn sort_name(display_name: &str) -> String {
    display_name.to_lowercase()
}

pub(super) fn load_live(connection: &Connection, id: &str) -> Result<Contact> {
    let contact = load_any(connection, id)?;
    if contact.deleted_at.is_some() {
        return Err(Error::not_found(ENTITY, id));
    }
    Ok(contact)
}

pub(super) fn load_any(connection: &Connection, id: &str) -> Result<Contact> {
    let contact = connection
        .prepare_cached(
            "SELECT id, display_name, organization, address_json, date_of_birth, photo,
                    lifecycle_stage, client_status, source, referral_source,
                    emergency_contact_name, emergency_contact_phone, health_context_json,
                    preferences_json, created_at, updated_at, deleted_at
             FROM contacts WHERE id = ?1",
        )?
        .query_row([id], contact_from_row)
        .optional()?;
    let Some(mut contact) = contact else {
        return Err(Error::not_found(ENTITY, id));
    };

    let mut emails = connection.prepare_cached(
        "SELECT address, label, is_primary FROM contact_emails
         WHERE contact_id = ?1 ORDER BY position",
    )?;
    contact.emails = emails
        .query_map([id], |row| {
            Ok(EmailEntry {
                address: row.get(0)?,
                label: row.get(1)?,
                is_primary: row.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;

    let mut phones = connection.prepare_cached(
        "SELECT number_e164, label, is_primary FROM contact_phones
         WHERE contact_id = ?1 ORDER BY position",
    )?;
    contact.phones = phones
        .query_map([id], |row| {
            Ok(PhoneEntry {
                number: row.get(0)?,
                label: row.get(1)?,
                is_primary: row.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;

    let mut tags = connection.prepare_cached(
        "SELECT t.name FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id
         WHERE ct.contact_id = ?1 ORDER BY t.name",
    )?;
    contact.tags = tags
        .query_map([id], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(contact)
}

fn contact_from_row(row: &Row<'_>) -> rusqlite::Result<Contact> {
    let address_json: Option<String> = row.get(3)?;
    let address = address_json
        .map(|text| serde_json::from_str::<Address>(&text))
        .transpose()
        .map_err(|error| json_column_error(3, error))?;
    let stage: Option<String> = row.get(6)?;
    let status: String = row.get(7)?;
    let source: String = row.get(8)?;
    let health_context: String = row.get(12)?;
    let preferences: String = row.get(13)?;
    Ok(Contact {
        id: row.get(0)?,
        display_name: row.get(1)?,
        organization: row.get(2)?,
        emails: Vec::new(),
        phones: Vec::new(),
        address,
        date_of_birth: row.get(4)?,
        photo: row.get(5)?,
        lifecycle_stage: stage.as_deref().and_then(LifecycleStage::parse),
        client_status: ClientStatus::parse(&status).unwrap_or_default(),
        source: ContactSource::parse(&source).unwrap_or_default(),
        referral_source: row.get(9)?,
        emergency_contact_name: row.get(10)?,
        emergency_contact_phone: row.get(11)?,
        health_context: serde_json::from_str(&health_context)
            .map_err(|error| json_column_error(12, error))?,
        preferences: serde_json::from_str(&preferences)
            .map_err(|error| json_column_error(13, error))?,
        tags: Vec::new(),
        created_at: row.get(14)?,
        updated_at: row.get(15)?,
        deleted_at: row.get(16)?,
    })
}

fn json_column_error(column: usize, error: serde_json::Error) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(error))
}

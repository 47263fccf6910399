//! Records from the team's server are applied many per transaction; each under its own
//! savepoint, so one that is refused leaves nothing behind and the others stay.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{open_core, person};
use omnicrm_core::notes::NoteInput;
use omnicrm_core::remote_changes::{new_remote_batch_id, RemoteApplied};
use omnicrm_core::time::new_id;
use omnicrm_core::ErrorCode;
use rusqlite::{params, Connection};

/// Stands for the sync client storing a record's document next to the record.
fn store_document(record_id: &str) -> impl FnOnce(&Connection) -> omnicrm_core::Result<bool> + '_ {
    move |connection| {
        connection.execute(
            "INSERT INTO sync_documents (document_id, record_id, kind, bytes, heads, sent_heads,
                                         updated_at)
             VALUES (?1, ?1, 'test', x'', '', '', '2026-01-01T00:00:00Z')",
            params![record_id],
        )?;
        Ok(true)
    }
}

#[test]
fn a_refused_record_in_a_batch_leaves_nothing_behind_and_the_records_around_it_stay() {
    let (_dir, core) = open_core();
    let batch_id = new_remote_batch_id();
    let (first, refused, last) = (new_id(), new_id(), new_id());
    let outcomes = core
        .remote
        .write_batch(|writer| {
            let first_applied = writer.apply_contact(
                &batch_id,
                &first,
                person("Ada Lovelace"),
                &[],
                false,
                store_document(&first),
            )?;
            // A note of a contact this device does not have is refused, after its document
            // was stored.
            let note = NoteInput {
                body: Some("Session notes".into()),
                ..Default::default()
            };
            let refused_error = writer
                .apply_note(
                    &batch_id,
                    &refused,
                    &new_id(),
                    note,
                    false,
                    store_document(&refused),
                )
                .unwrap_err();
            let last_applied = writer.apply_contact(
                &batch_id,
                &last,
                person("Grace Hopper"),
                &[],
                false,
                store_document(&last),
            )?;
            Ok((first_applied, refused_error, last_applied))
        })
        .unwrap();
    assert_eq!(outcomes.0, RemoteApplied::Created);
    assert_eq!(outcomes.1.code, ErrorCode::NotFound);
    assert_eq!(outcomes.2, RemoteApplied::Created);

    assert_eq!(
        core.contacts.get(&first).unwrap().display_name,
        "Ada Lovelace"
    );
    assert_eq!(
        core.contacts.get(&last).unwrap().display_name,
        "Grace Hopper"
    );
    assert_eq!(
        core.notes.get(&refused).unwrap_err().code,
        ErrorCode::NotFound
    );
    let (documents, changes): (Vec<String>, i64) = core
        .database
        .read(|connection| {
            let mut statement =
                connection.prepare("SELECT record_id FROM sync_documents ORDER BY record_id")?;
            let documents = statement
                .query_map([], |row| row.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            let changes = connection.query_row(
                "SELECT COUNT(*) FROM change_log WHERE batch_id = ?1",
                [&batch_id],
                |row| row.get(0),
            )?;
            Ok((documents, changes))
        })
        .unwrap();
    let mut expected = vec![first.clone(), last.clone()];
    expected.sort();
    assert_eq!(
        documents, expected,
        "the refused record's document was rolled back"
    );
    assert_eq!(
        changes, 2,
        "one change per applied contact, none for the refused note"
    );
}

#[test]
fn a_deferred_record_is_not_written() {
    let (_dir, core) = open_core();
    let batch_id = new_remote_batch_id();
    let id = new_id();
    let applied = core
        .remote
        .write_batch(|writer| {
            writer.apply_contact(&batch_id, &id, person("Ada Lovelace"), &[], false, |_| {
                Ok(false)
            })
        })
        .unwrap();
    assert_eq!(applied, RemoteApplied::Deferred);
    assert_eq!(
        core.contacts.get(&id).unwrap_err().code,
        ErrorCode::NotFound
    );
}

#[test]
fn a_contacts_added_identities_follow_the_teams_copy_and_the_batch_undoes_them() {
    use omnicrm_core::identities::{AddedIdentity, IdentityKind};
    let (_dir, core) = open_core();
    let ada = core.contacts.create(person("Ada Lovelace")).unwrap();
    core.identities
        .add(&ada.id, IdentityKind::Handle, "@ada", "manual")
        .unwrap();
    let added = |contact_id: &str| -> Vec<(IdentityKind, String, String)> {
        let mut added: Vec<_> = core
            .identities
            .list_for_contact(contact_id)
            .unwrap()
            .into_iter()
            .filter(|identifier| identifier.identity_id.is_some())
            .map(|identifier| (identifier.kind, identifier.value, identifier.provider))
            .collect();
        added.sort_by(|a, b| a.1.cmp(&b.1));
        added
    };

    // On the other device the handle was removed and a Gmail address added.
    let batch_id = new_remote_batch_id();
    let team = [AddedIdentity {
        kind: IdentityKind::Email,
        value: "ada@work.example".into(),
        provider: "gmail".into(),
    }];
    let applied = core
        .remote
        .write_batch(|writer| {
            writer.apply_contact(
                &batch_id,
                &ada.id,
                person("Ada Lovelace"),
                &team,
                false,
                |_| Ok(true),
            )
        })
        .unwrap();
    assert_eq!(
        applied,
        RemoteApplied::Updated,
        "only the identities changed, and that is a change"
    );
    assert_eq!(
        added(&ada.id),
        vec![(
            IdentityKind::Email,
            "ada@work.example".to_owned(),
            "gmail".to_owned()
        )]
    );
    // Applying the same copy again changes nothing.
    let again = core
        .remote
        .write_batch(|writer| {
            writer.apply_contact(
                &new_remote_batch_id(),
                &ada.id,
                person("Ada Lovelace"),
                &team,
                false,
                |_| Ok(true),
            )
        })
        .unwrap();
    assert_eq!(again, RemoteApplied::Unchanged);

    core.undo.batch(&batch_id).unwrap();
    assert_eq!(
        added(&ada.id),
        vec![(IdentityKind::Handle, "@ada".to_owned(), "manual".to_owned())]
    );
}

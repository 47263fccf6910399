//! The AI command layer on a real store: delete-all removes the provider's key, the settings
//! the Settings page sees never carry the key, and citations open the right record.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use omnicrm_ai::{RecordType, SettingsStore};
use omnicrm_core::contacts::ContactInput;
use omnicrm_core::export::DELETE_ALL_CONFIRMATION;
use omnicrm_core::interactions::InteractionInput;
use omnicrm_core::notes::NoteInput;
use omnicrm_core::productivity::TaskInput;
use omnicrm_core::{Core, ErrorCode};
use omnicrm_desktop::commands::ai;
use omnicrm_secrets::SecretString;

fn open() -> (tempfile::TempDir, Core) {
    // No keyring on CI machines: the encrypted-file backend is the one under test.
    std::env::set_var(omnicrm_secrets::STORAGE_ENV, "encrypted_file");
    let directory = tempfile::tempdir().unwrap();
    let core = Core::open(directory.path()).unwrap();
    (directory, core)
}

fn contact(core: &Core, name: &str) -> String {
    core.contacts
        .create(ContactInput {
            display_name: name.to_owned(),
            ..ContactInput::default()
        })
        .unwrap()
        .id
}

#[test]
fn deleting_all_data_removes_the_ai_key() {
    let (_directory, core) = open();
    let store = SettingsStore::new(core.database.clone(), &core.data_dir);
    store
        .set_api_key(&SecretString::from("sk-or-test-key".to_owned()))
        .unwrap();
    assert!(ai::settings_state(&core).unwrap().api_key_stored);

    omnicrm_app::data_deletion::delete_local_data(&core, DELETE_ALL_CONFIRMATION).unwrap();

    let settings = store.load().unwrap();
    assert!(store.api_key(&settings).unwrap().is_none());
    assert!(!ai::settings_state(&core).unwrap().api_key_stored);
}

#[test]
fn a_wrong_confirmation_keeps_the_ai_key() {
    let (_directory, core) = open();
    let store = SettingsStore::new(core.database.clone(), &core.data_dir);
    store
        .set_api_key(&SecretString::from("sk-or-test-key".to_owned()))
        .unwrap();

    let error = omnicrm_app::data_deletion::delete_local_data(&core, "delete").unwrap_err();

    assert_eq!(error.code, ErrorCode::ValidationFailed);
    assert!(ai::settings_state(&core).unwrap().api_key_stored);
}

#[test]
fn the_settings_state_never_serializes_the_key() {
    let (_directory, core) = open();
    SettingsStore::new(core.database.clone(), &core.data_dir)
        .set_api_key(&SecretString::from("sk-or-very-secret".to_owned()))
        .unwrap();

    let json = serde_json::to_string(&ai::settings_state(&core).unwrap()).unwrap();

    assert!(json.contains("\"api_key_stored\":true"), "{json}");
    assert!(!json.contains("sk-or-very-secret"), "{json}");
}

#[test]
fn citations_open_the_contact_they_belong_to() {
    let (_directory, core) = open();
    let maya = contact(&core, "Maya Lindqvist");
    let note = core
        .notes
        .create(&maya, NoteInput::plain("Prefers morning sessions"))
        .unwrap();
    let call = core
        .interactions
        .create(InteractionInput {
            subject: Some("Intake call".to_owned()),
            contact_ids: vec![maya.clone()],
            ..InteractionInput::default()
        })
        .unwrap();
    let task = core
        .tasks
        .create(TaskInput {
            title: "Send the intake form".to_owned(),
            contact_ids: vec![maya.clone()],
            ..TaskInput::default()
        })
        .unwrap();

    for (record_type, id) in [
        (RecordType::Contact, maya.as_str()),
        (RecordType::Note, note.id.as_str()),
        (RecordType::Interaction, call.id.as_str()),
    ] {
        let target = ai::citation_target(&core, record_type, id).unwrap();
        assert_eq!(
            target.contact_id.as_deref(),
            Some(maya.as_str()),
            "{record_type:?}"
        );
        assert_eq!(target.task_id, None);
    }
    let target = ai::citation_target(&core, RecordType::Task, &task.id).unwrap();
    assert_eq!(target.contact_id.as_deref(), Some(maya.as_str()));
    assert_eq!(target.task_id.as_deref(), Some(task.id.as_str()));
}

#[test]
fn a_citation_of_a_deleted_or_blank_record_is_refused() {
    let (_directory, core) = open();
    let maya = contact(&core, "Maya Lindqvist");
    let note = core.notes.create(&maya, NoteInput::plain("Old")).unwrap();
    core.notes.delete(&note.id).unwrap();

    let missing = ai::citation_target(&core, RecordType::Note, &note.id).unwrap_err();
    assert_eq!(missing.code, ErrorCode::NotFound);
    let blank = ai::citation_target(&core, RecordType::Contact, " ").unwrap_err();
    assert_eq!(blank.code, ErrorCode::ValidationFailed);
    assert_eq!(blank.details.unwrap().fields[0].field, "id");
}

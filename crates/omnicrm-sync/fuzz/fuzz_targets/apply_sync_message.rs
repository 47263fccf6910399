//! The automerge bytes inside a `sync` message, as the server handles them: decoded, then
//! received into a document that already holds a change. A refused message must leave the
//! document readable and saveable (the server reloads it from storage anyway); nothing panics.
#![no_main]

use automerge::sync::{self, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{Automerge, ReadDoc, ROOT};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(message) = sync::Message::decode(data) else {
        return;
    };
    let mut document = Automerge::new();
    let mut transaction = document.transaction();
    if transaction.put(ROOT, "kind", "note").is_err() {
        return;
    }
    transaction.commit();
    let mut state = sync::State::new();
    let _outcome = document.receive_sync_message(&mut state, message);
    let _keys = document.keys(ROOT).count();
    let saved = document.save();
    let _reloaded = Automerge::load(&saved);
    let _reply = document.generate_sync_message(&mut state);
});

//! `receive_sync_message` without a walk of the whole history.
//!
//! automerge 0.12's `SyncDoc::receive_sync_message` trims the hashes it has sent the peer to
//! those the peer does not have yet, by walking every ancestor of the peer's heads: the whole
//! history of the document, on every message, even when nothing was sent. On a busy document
//! of the sync server that walk (`remove_ancestors` and the set it fills) was a quarter of the
//! server's CPU, and it grows with the document.
//!
//! [`receive_sync_message`] does what that call does, step for step, with one difference in
//! how it trims:
//! - nothing to trim when nothing was sent (the common case: the peer acknowledged it all);
//! - otherwise the changes the peer lacks are those after its heads, which Automerge finds
//!   from its per-actor sequence clocks (`get_changes_meta`), a cost that grows with the
//!   changes since those heads, not with the history. A sent hash stays when it is one of
//!   them.
//!
//! The `acknowledgement` integration test runs random sessions through both this and
//! Automerge's call and compares documents and sync states after every message, so an
//! Automerge upgrade that changes the rules fails there.

use std::collections::HashSet;

use automerge::sync::{Capability, Message, MessageFlags, State};
use automerge::{Automerge, AutomergeError, ChangeHash};

/// Applies `message` from a peer to `document` and the peer's `state`, as
/// `SyncDoc::receive_sync_message` does.
pub fn receive_sync_message(
    document: &mut Automerge,
    state: &mut State,
    message: Message,
) -> Result<(), AutomergeError> {
    state.in_flight = false;
    let before_heads = document.get_heads();
    let Message {
        heads,
        need,
        have,
        changes,
        flags,
        ..
    } = message;
    if let Some(flags) = flags {
        // A peer that sends flags speaks version 2 messages.
        let mut capabilities = vec![Capability::MessageV2];
        if flags.contains(MessageFlags::SUPPORTS_SYNC_RESET) {
            capabilities.push(Capability::SyncReset);
        }
        state.their_capabilities = Some(capabilities);
        if flags.contains(MessageFlags::SYNC_RESET) {
            state.sent_hashes.clear();
        }
        state.peer_read_only = flags.contains(MessageFlags::READ_ONLY);
    }
    let no_changes = changes.is_empty();
    if !no_changes && !state.read_only {
        let bytes: Vec<u8> = changes.iter().flatten().copied().collect();
        document.load_incremental(&bytes)?;
        state.shared_heads =
            advance_heads(&before_heads, &document.get_heads(), &state.shared_heads);
    }
    let known_heads: Vec<ChangeHash> = heads
        .iter()
        .filter(|head| document.get_change_meta_by_hash(head).is_some())
        .copied()
        .collect();
    trim_sent_hashes(document, &known_heads, state);
    if no_changes && heads == before_heads {
        state.last_sent_heads.clone_from(&heads);
    }
    if known_heads.len() == heads.len() {
        state.shared_heads.clone_from(&heads);
        // A peer that lost all its data: start its sync over.
        if heads.is_empty() {
            state.last_sent_heads = Vec::new();
            state.sent_hashes = Default::default();
        }
    } else {
        let mut shared: Vec<ChangeHash> = state
            .shared_heads
            .iter()
            .chain(&known_heads)
            .copied()
            .collect();
        shared.sort();
        shared.dedup();
        state.shared_heads = shared;
    }
    state.their_have = Some(have);
    state.their_heads = Some(heads);
    state.their_need = Some(need);
    Ok(())
}

/// Keeps the sent hashes that are not ancestors of (nor among) `known_heads`.
fn trim_sent_hashes(document: &Automerge, known_heads: &[ChangeHash], state: &mut State) {
    if state.sent_hashes.is_empty() || known_heads.is_empty() {
        return;
    }
    let after_heads: HashSet<ChangeHash> = document
        .get_changes_meta(known_heads)
        .iter()
        .map(|change| change.hash)
        .collect();
    state.sent_hashes.retain(|hash| after_heads.contains(hash));
}

/// The shared heads after applying changes: our new heads that are new, and the old shared
/// heads that are still heads, sorted.
fn advance_heads(
    old_heads: &[ChangeHash],
    new_heads: &[ChangeHash],
    old_shared_heads: &[ChangeHash],
) -> Vec<ChangeHash> {
    let mut advanced: Vec<ChangeHash> = new_heads
        .iter()
        .filter(|head| !old_heads.contains(head))
        .chain(
            old_shared_heads
                .iter()
                .filter(|head| new_heads.contains(head)),
        )
        .copied()
        .collect();
    advanced.sort();
    advanced.dedup();
    advanced
}

//! Pure acknowledgements answered without Automerge's history walk.
//!
//! Most sync messages between busy peers carry nothing: the peer applied what we sent and
//! tells us its heads, which are now ours. automerge 0.12 still treats each one in full:
//! `receive_sync_message` walks every ancestor of the peer's heads to trim what it has sent
//! (even when nothing is pending), and `generate_sync_message` collects every change since the
//! peer's last sync and tests it against the peer's bloom filter, only to find there is
//! nothing to send. With five editors on a document that was four messages in five and over
//! half of the sync server's CPU.
//!
//! [`receive`] recognises such a message and applies exactly what those two calls would have
//! done to the sync [`State`], without either walk:
//! - the message has no changes, needs nothing, and its heads are ours (non-empty), so the
//!   peer has every change we have;
//! - we have answered this peer before, are not read-only, owe it no reset, and the message
//!   carries no reset or read-only flag.
//!
//! Then every hash we sent is an ancestor of those heads (trimmed to none), the shared heads
//! and the last sent heads become them, the peer's have, heads and need are recorded, and the
//! reply `generate_sync_message` would build is none: the heads are equal, and nothing is
//! missing from the peer's bloom filter when the peer has everything. Anything else goes to
//! Automerge. The `acknowledgement` integration test compares both paths on recorded
//! sessions, state for state, so an Automerge upgrade that changes the rules fails there.

use automerge::sync::{Capability, Message, MessageFlags, State};
use automerge::Automerge;

/// What [`receive`] did with a message.
#[derive(Debug)]
pub enum Received {
    /// It was a pure acknowledgement: `state` is updated and there is nothing to answer.
    Acknowledged,
    /// Anything else, handed back for `receive_sync_message` and `generate_sync_message`.
    NotAnAcknowledgement(Message),
}

/// Applies `message` to `state` when it is a pure acknowledgement of everything `document`
/// holds; otherwise hands it back untouched.
pub fn receive(document: &Automerge, state: &mut State, message: Message) -> Received {
    let flags_allow = message.flags.is_none_or(|flags| {
        !flags.contains(MessageFlags::SYNC_RESET) && !flags.contains(MessageFlags::READ_ONLY)
    });
    let is_acknowledgement = message.changes.is_empty()
        && message.need.is_empty()
        && !message.heads.is_empty()
        && flags_allow
        && state.have_responded
        && !state.read_only
        && !state.needs_reset
        && message.heads == document.get_heads();
    if !is_acknowledgement {
        return Received::NotAnAcknowledgement(message);
    }
    let Message {
        heads,
        need,
        have,
        flags,
        ..
    } = message;
    state.in_flight = false;
    if let Some(flags) = flags {
        let mut capabilities = vec![Capability::MessageV2];
        if flags.contains(MessageFlags::SUPPORTS_SYNC_RESET) {
            capabilities.push(Capability::SyncReset);
        }
        state.their_capabilities = Some(capabilities);
        state.peer_read_only = false;
    }
    state.sent_hashes.clear();
    state.last_sent_heads.clone_from(&heads);
    state.shared_heads.clone_from(&heads);
    state.their_have = Some(have);
    state.their_heads = Some(heads);
    state.their_need = Some(need);
    Received::Acknowledged
}

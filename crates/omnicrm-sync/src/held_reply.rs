//! Replies that would only repeat our heads to a peer that is catching up, held back.
//!
//! Between busy peers, Automerge's sync protocol ping-pongs. The server forwards a change; the
//! peer applies it and answers with its heads; by then the server has merged the next change
//! and already sent it, so the heads differ. `generate_sync_message` then answers with a
//! message that carries no changes (they are on their way) and only says "these are my
//! heads", and the peer answers that with its own heads, and so on, one exchange per round
//! trip for as long as anyone edits. Under the benchmark's 50 editors this was 40,577 of the
//! 47,587 messages the server received, and as many replies.
//!
//! [`generate_reply`] holds such a reply back, without generating it, when all of these hold:
//! - the peer's message carried no changes, needed nothing, and asked for no reset
//!   ([`may_hold_reply_to`]);
//! - we have answered this peer before and owe it no reset;
//! - we have every change the peer has: each of its heads is a change we hold;
//! - and every change the peer lacks is already on its way: each change after its heads is
//!   among the hashes we sent it (Automerge's `sent_hashes`, trimmed on receipt to what the
//!   peer still lacks).
//!
//! Then Automerge's reply would carry no changes and need nothing, and nothing is lost by
//! keeping it: the peer has nothing to send us, and what it lacks arrives in a message it
//! answers. Our next change, or its own, is sent as always (a new head is sent whatever is in
//! flight). The last condition matters: a change the peer's bloom filter wrongly claims is
//! one it lacks but we never sent, and only our heads tell it to ask for it (regression test
//! `a_change_the_client_lacks_and_was_never_sent_is_not_held_back`). The
//! `held_replies` integration test also runs random sessions of a server that holds and clients
//! that do not, delivering messages in order per connection, and checks that every session
//! converges.

use automerge::sync::{Message, MessageFlags, State, SyncDoc};
use automerge::{Automerge, ChangeHash};

/// What [`generate_reply`] decided.
#[derive(Debug)]
pub enum Reply {
    /// Send this message.
    Send(Message),
    /// A reply that could only have repeated our heads was held back; the state is unchanged.
    Held,
    /// Automerge had nothing to say.
    Nothing,
}

/// Whether the reply to `message` may be held back: the message carried no changes, needed
/// nothing and asked for no reset. Decided before the message is received (receiving consumes
/// it).
pub fn may_hold_reply_to(message: &Message) -> bool {
    let flags_allow = message.flags.is_none_or(|flags| {
        !flags.contains(MessageFlags::SYNC_RESET) && !flags.contains(MessageFlags::READ_ONLY)
    });
    message.changes.is_empty() && message.need.is_empty() && flags_allow
}

/// `generate_sync_message`, except that the reply to a message that [`may_hold_reply_to`] is
/// held back, without generating it, when it could only repeat our heads (see the module's
/// notes). Call it after receiving the message.
pub fn generate_reply(document: &Automerge, state: &mut State, may_hold: bool) -> Reply {
    if may_hold && everything_lacking_is_on_its_way(document, state) {
        return Reply::Held;
    }
    match document.generate_sync_message(state) {
        Some(message) => Reply::Send(message),
        None => Reply::Nothing,
    }
}

/// Whether we have answered the peer before, owe it no reset, have all its heads, and have sent
/// it every change after them.
fn everything_lacking_is_on_its_way(document: &Automerge, state: &State) -> bool {
    if !state.have_responded || state.needs_reset || state.read_only {
        return false;
    }
    let Some(their_heads) = state.their_heads.as_deref() else {
        return false;
    };
    let known = |hash: &ChangeHash| document.get_change_meta_by_hash(hash).is_some();
    let last_sync_known = state
        .their_have
        .as_ref()
        .and_then(|have| have.first())
        .is_none_or(|have| have.last_sync.iter().all(known));
    if !last_sync_known || !their_heads.iter().all(known) {
        return false;
    }
    document
        .get_changes_meta(their_heads)
        .iter()
        .all(|change| state.sent_hashes.contains(&change.hash))
}

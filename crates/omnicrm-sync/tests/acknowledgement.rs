//! Our sync shortcuts against Automerge itself, in random sessions of a server and three
//! clients editing one document:
//! - every message the acknowledgement shortcut (`omnicrm_sync::acknowledgement`) takes must
//!   leave the sync state exactly as `receive_sync_message` followed by
//!   `generate_sync_message` would, with no reply;
//! - every other message goes through `omnicrm_sync::receive::receive_sync_message`, which
//!   must leave the document and the sync state exactly as Automerge's own call, and lead to
//!   the same reply;
//! - and the peers must converge.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::VecDeque;

use automerge::sync::{Message, SyncDoc};
use common::{assert_converged, seeded_peers, step, Peer, Step, SERVER};
use omnicrm_sync::acknowledgement::{receive, Received};
use omnicrm_sync::receive::receive_sync_message;
use proptest::prelude::*;

const CLIENTS: usize = 3;

struct Session {
    peers: Vec<Peer>,
    in_transit: VecDeque<(usize, usize, Message)>,
    shortcuts: usize,
    /// Messages that went through our `receive_sync_message`.
    received: usize,
    /// Of those, how many left sent hashes the peer still lacks (the trim's harder case).
    trimmed_with_hashes_left: usize,
}

impl Session {
    fn new() -> Self {
        let peers = seeded_peers(CLIENTS);
        Self {
            peers,
            in_transit: VecDeque::new(),
            shortcuts: 0,
            received: 0,
            trimmed_with_hashes_left: 0,
        }
    }

    /// The peers `from` talks to: the server talks to every client, a client to the server.
    fn links(from: usize) -> Vec<usize> {
        if from == SERVER {
            (1..=CLIENTS).collect()
        } else {
            vec![SERVER]
        }
    }

    fn send(&mut self, from: usize, to: usize) {
        let peer = &mut self.peers[from];
        let state = peer.states.entry(to).or_default();
        if let Some(message) = peer.document.generate_sync_message(state) {
            self.in_transit.push_back((from, to, message));
        }
    }

    fn edit(&mut self, client: usize) {
        self.peers[client].edit(client);
        self.send(client, SERVER);
    }

    /// Delivers the message at `index` of those in transit, through the shortcut when it
    /// takes it, checking it against Automerge on a copy.
    fn deliver(&mut self, index: usize) {
        let Some((from, to, message)) = self.in_transit.remove(index) else {
            return;
        };
        let peer = &mut self.peers[to];
        let state = peer.states.entry(from).or_default();
        let mut automerge_document = peer.document.clone();
        let mut automerge_state = state.clone();
        automerge_document
            .receive_sync_message(&mut automerge_state, message.clone())
            .expect("automerge receives");
        let state_after_receive = automerge_state.clone();
        let automerge_reply = automerge_document.generate_sync_message(&mut automerge_state);
        let changed = match receive(&peer.document, state, message) {
            Received::Acknowledged => {
                assert_eq!(*state, automerge_state, "state after a shortcut");
                assert!(
                    automerge_reply.is_none(),
                    "Automerge would have answered {automerge_reply:?}"
                );
                self.shortcuts += 1;
                false
            }
            Received::NotAnAcknowledgement(message) => {
                let before = peer.document.get_heads();
                receive_sync_message(&mut peer.document, state, message).expect("receive");
                assert_eq!(
                    peer.document.get_heads(),
                    automerge_document.get_heads(),
                    "document after receiving"
                );
                assert_eq!(*state, state_after_receive, "state after receiving");
                let mut reply_state = state.clone();
                let reply = peer.document.generate_sync_message(&mut reply_state);
                assert_eq!(reply, automerge_reply, "reply after receiving");
                assert_eq!(reply_state, automerge_state, "state after replying");
                self.received += 1;
                if !state.sent_hashes.is_empty() {
                    self.trimmed_with_hashes_left += 1;
                }
                peer.document.get_heads() != before
            }
        };
        self.send(to, from);
        if to == SERVER && changed {
            // As the server's hub does: everyone else hears of the change.
            for other in Self::links(SERVER) {
                if other != from {
                    self.send(SERVER, other);
                }
            }
        }
    }

    fn drain(&mut self) {
        let mut steps = 0;
        while !self.in_transit.is_empty() {
            self.deliver(0);
            steps += 1;
            assert!(steps < 100_000, "the session does not settle");
        }
    }
}

fn run(steps: &[Step]) -> Session {
    let mut session = Session::new();
    for client in 1..=CLIENTS {
        session.send(client, SERVER);
    }
    for step in steps {
        match step {
            Step::Edit(client) => session.edit(*client),
            Step::Deliver(index) => {
                if !session.in_transit.is_empty() {
                    session.deliver(index % session.in_transit.len());
                }
            }
        }
    }
    session.drain();
    session
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn the_shortcut_leaves_the_state_exactly_as_automerge_would(
        steps in proptest::collection::vec(step(CLIENTS), 1..300)
    ) {
        let session = run(&steps);
        assert_converged(&session.peers);
    }
}

/// One fixed busy session: the shortcut must actually be taken (else the property above
/// proves nothing), for most acknowledgements.
#[test]
fn most_acknowledgements_of_a_busy_session_take_the_shortcut() {
    let steps: Vec<Step> = (0..600)
        .map(|index| match index % 4 {
            0 => Step::Edit(1 + (index / 4) % CLIENTS),
            _ => Step::Deliver(0),
        })
        .collect();
    let session = run(&steps);
    assert_converged(&session.peers);
    assert!(
        session.shortcuts > 100,
        "only {} messages took the shortcut",
        session.shortcuts
    );
    // The comparison of our receive with Automerge's must cover trims that keep hashes.
    assert!(
        session.received > 100 && session.trimmed_with_hashes_left > 10,
        "{} messages received, {} left sent hashes to trim",
        session.received,
        session.trimmed_with_hashes_left
    );
}

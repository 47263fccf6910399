//! What the sync-session tests share: peers that start from one seeded document, a client's
//! edit, the random steps of a session, and the check that a session converged.

#![allow(dead_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use automerge::sync::State;
use automerge::transaction::Transactable;
use automerge::{Automerge, ReadDoc, ROOT};
use proptest::prelude::*;

/// The server is peer 0; clients are 1 ..= the client count.
pub const SERVER: usize = 0;

pub struct Peer {
    pub document: Automerge,
    /// Sync state per peer it talks to.
    pub states: HashMap<usize, State>,
    /// Edits this peer made (`edit_<peer>` holds the last one's number).
    pub edits: u64,
}

impl Peer {
    /// Client `client` sets `edit_<client>` to its next edit's number.
    pub fn edit(&mut self, client: usize) {
        self.edits += 1;
        let mut transaction = self.document.transaction();
        transaction
            .put(ROOT, format!("edit_{client}"), self.edits)
            .expect("edit");
        transaction.commit();
    }
}

/// The server and `clients` clients, each with a copy of one seeded document.
pub fn seeded_peers(clients: usize) -> Vec<Peer> {
    let mut seed = Automerge::new();
    let mut transaction = seed.transaction();
    transaction
        .put(ROOT, "kind", "note")
        .expect("seed the document");
    transaction.commit();
    (0..=clients)
        .map(|_| Peer {
            document: seed.fork(),
            states: HashMap::new(),
            edits: 0,
        })
        .collect()
}

/// Every peer has the server's heads and every client's last edit.
pub fn assert_converged(peers: &[Peer]) {
    let Some(server) = peers.get(SERVER) else {
        panic!("no server");
    };
    let heads = server.document.get_heads();
    for (index, peer) in peers.iter().enumerate() {
        assert_eq!(peer.document.get_heads(), heads, "peer {index}'s heads");
        for (client, author) in peers.iter().enumerate().skip(1) {
            let key = format!("edit_{client}");
            let value = peer
                .document
                .get(ROOT, key.as_str())
                .expect("read")
                .map(|(value, _)| value.to_string());
            if author.edits > 0 {
                assert_eq!(value, Some(author.edits.to_string()), "peer {index}, {key}");
            }
        }
    }
}

/// A step of a session: a client edits, or a message on its way is delivered (which one is the
/// session's to pick from the number).
#[derive(Debug, Clone)]
pub enum Step {
    Edit(usize),
    Deliver(usize),
}

/// Random steps for sessions of `clients` clients: one edit to three deliveries.
pub fn step(clients: usize) -> impl Strategy<Value = Step> {
    prop_oneof![
        1 => (1..=clients).prop_map(Step::Edit),
        3 => (0..64usize).prop_map(Step::Deliver),
    ]
}

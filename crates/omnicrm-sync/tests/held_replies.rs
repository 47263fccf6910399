//! Held replies (`omnicrm_sync::held_reply`) in random sessions of a server and four clients
//! editing one document, as the sync server runs them: the server receives with our
//! `receive_sync_message` and answers through `generate_reply`, holding back replies that
//! could only repeat its heads; when a client's change merges it tells the other clients as
//! the hub does (a plain `generate_sync_message`). The clients are plain Automerge. Messages
//! are delivered in order on each connection, as over a WebSocket, in a random order across
//! connections. Every session must converge, and the busy one must hold replies often and
//! send fewer messages than the same session without holding.
//!
//! In those sessions every merge is sent to the other clients at once, so what a client lacks
//! is nearly always on its way. The last two tests pin the case where it is not (in the
//! server, a change the client's bloom filter wrongly claimed): the reply must carry it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{HashMap, VecDeque};

use automerge::sync::{Message, State, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT};
use common::{assert_converged, seeded_peers, step, Peer, Step, SERVER};
use omnicrm_sync::held_reply::{generate_reply, may_hold_reply_to, Reply};
use omnicrm_sync::receive::receive_sync_message;
use proptest::prelude::*;

const CLIENTS: usize = 4;

struct Session {
    peers: Vec<Peer>,
    /// Messages on their way, per connection `(from, to)`, oldest first.
    links: HashMap<(usize, usize), VecDeque<Message>>,
    holds: bool,
    held: usize,
    sent: usize,
}

impl Session {
    fn new(holds: bool) -> Self {
        let peers = seeded_peers(CLIENTS);
        let mut session = Self {
            peers,
            links: HashMap::new(),
            holds,
            held: 0,
            sent: 0,
        };
        for client in 1..=CLIENTS {
            session.send(client, SERVER);
        }
        session
    }

    fn push(&mut self, from: usize, to: usize, message: Message) {
        self.sent += 1;
        self.links.entry((from, to)).or_default().push_back(message);
    }

    fn send(&mut self, from: usize, to: usize) {
        let peer = &mut self.peers[from];
        let state = peer.states.entry(to).or_default();
        if let Some(message) = peer.document.generate_sync_message(state) {
            self.push(from, to, message);
        }
    }

    fn edit(&mut self, client: usize) {
        self.peers[client].edit(client);
        self.send(client, SERVER);
    }

    /// The connections with messages on their way, in a fixed order.
    fn busy_links(&self) -> Vec<(usize, usize)> {
        let mut links: Vec<(usize, usize)> = self
            .links
            .iter()
            .filter(|(_, queue)| !queue.is_empty())
            .map(|(link, _)| *link)
            .collect();
        links.sort_unstable();
        links
    }

    /// Delivers the oldest message on connection `(from, to)`.
    fn deliver(&mut self, from: usize, to: usize) {
        let Some(message) = self
            .links
            .get_mut(&(from, to))
            .and_then(|queue| queue.pop_front())
        else {
            return;
        };
        if to != SERVER {
            let peer = &mut self.peers[to];
            let state = peer.states.entry(from).or_default();
            peer.document
                .receive_sync_message(state, message)
                .expect("a client receives");
            self.send(to, from);
            return;
        }
        let may_hold = self.holds && may_hold_reply_to(&message);
        let server = &mut self.peers[SERVER];
        let state = server.states.entry(from).or_default();
        let before = server.document.get_heads();
        receive_sync_message(&mut server.document, state, message).expect("the server receives");
        let changed = server.document.get_heads() != before;
        match generate_reply(&server.document, state, may_hold) {
            Reply::Send(reply) => self.push(SERVER, from, reply),
            Reply::Held => self.held += 1,
            Reply::Nothing => {}
        }
        if changed {
            // As the server's hub does: every other client hears of the change.
            for other in 1..=CLIENTS {
                if other != from {
                    self.send(SERVER, other);
                }
            }
        }
    }

    fn drain(&mut self) {
        let mut steps = 0;
        while let Some(&(from, to)) = self.busy_links().first() {
            self.deliver(from, to);
            steps += 1;
            assert!(steps < 100_000, "the session does not settle");
        }
    }
}

fn run(steps: &[Step], holds: bool) -> Session {
    let mut session = Session::new(holds);
    for step in steps {
        match step {
            Step::Edit(client) => session.edit(*client),
            Step::Deliver(index) => {
                let links = session.busy_links();
                if let Some(&(from, to)) = links.get(index % links.len().max(1)) {
                    session.deliver(from, to);
                }
            }
        }
    }
    session.drain();
    session
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn sessions_with_held_replies_converge(
        steps in proptest::collection::vec(step(CLIENTS), 1..400)
    ) {
        let session = run(&steps, true);
        assert_converged(&session.peers);
    }
}

/// Four clients editing in turn while messages are delivered round-robin: the server's replies
/// to clients catching up must be held (else the property above proves nothing), and the
/// session must take fewer messages than without holding.
#[test]
fn a_busy_session_holds_replies_and_sends_fewer_messages() {
    let steps: Vec<Step> = (0..800)
        .map(|index| match index % 4 {
            0 => Step::Edit(1 + (index / 4) % CLIENTS),
            _ => Step::Deliver(index),
        })
        .collect();
    let holding = run(&steps, true);
    assert_converged(&holding.peers);
    let plain = run(&steps, false);
    assert_converged(&plain.peers);
    assert!(holding.held > 50, "only {} replies held", holding.held);
    assert!(
        holding.sent < plain.sent,
        "{} messages with held replies, {} without",
        holding.sent,
        plain.sent
    );
}

/// A server and one client, synced, then the server has change `z` and sends it; the client
/// applies it and answers with its heads (no changes, needs nothing). Returns the server's
/// document and state for the client, and that answer, not yet received.
fn client_acknowledging_z() -> (Automerge, State, Message) {
    let mut server = Automerge::new();
    let mut client = Automerge::new();
    let (mut server_state, mut client_state) = (State::new(), State::new());
    for _ in 0..10 {
        if let Some(message) = client.generate_sync_message(&mut client_state) {
            server
                .receive_sync_message(&mut server_state, message)
                .expect("the server receives");
        }
        if let Some(message) = server.generate_sync_message(&mut server_state) {
            client
                .receive_sync_message(&mut client_state, message)
                .expect("the client receives");
        }
    }
    let mut transaction = server.transaction();
    transaction.put(ROOT, "z", 1).expect("edit");
    transaction.commit();
    let with_z = server
        .generate_sync_message(&mut server_state)
        .expect("z is sent");
    client
        .receive_sync_message(&mut client_state, with_z)
        .expect("the client receives z");
    let acknowledgement = client
        .generate_sync_message(&mut client_state)
        .expect("the client answers");
    assert!(may_hold_reply_to(&acknowledgement));
    (server, server_state, acknowledgement)
}

fn add_x(server: &mut Automerge) {
    let mut transaction = server.transaction();
    transaction.put(ROOT, "x", 1).expect("edit");
    transaction.commit();
}

/// Regression test for a hold that only checked the peer's message: change `x`, which the
/// client lacks and was never sent, must be in the reply.
#[test]
fn a_change_the_client_lacks_and_was_never_sent_is_not_held_back() {
    let (mut server, mut state, acknowledgement) = client_acknowledging_z();
    add_x(&mut server);
    receive_sync_message(&mut server, &mut state, acknowledgement).expect("receive");
    match generate_reply(&server, &mut state, true) {
        Reply::Send(message) => assert_eq!(message.changes.len(), 1, "the reply carries x"),
        other => panic!("the reply was {other:?}"),
    }
}

/// The same, but `x` was sent before the acknowledgement arrived: the reply could only
/// repeat the server's heads, so it is held, and the state is left as it was.
#[test]
fn a_reply_is_held_when_what_the_client_lacks_is_on_its_way() {
    let (mut server, mut state, acknowledgement) = client_acknowledging_z();
    add_x(&mut server);
    let with_x = server.generate_sync_message(&mut state);
    assert!(with_x.is_some_and(|message| message.changes.len() == 1));
    receive_sync_message(&mut server, &mut state, acknowledgement).expect("receive");
    let before = state.clone();
    assert!(matches!(
        generate_reply(&server, &mut state, true),
        Reply::Held
    ));
    assert_eq!(state, before);
}

//! The automerge-repo 2.x wire messages (protocol version "1"), as CBOR maps.
//!
//! Each WebSocket binary frame holds one CBOR map with a `type` field. Decoding goes through
//! `ciborium::Value` first so that every failure names what was wrong (too large, not CBOR, not
//! a map, an unknown type, a missing field) instead of a generic serde message, and so that the
//! message types automerge-repo added later (remote-heads gossip) can be skipped, not fatal.

use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

/// The protocol version automerge-repo 2.x speaks.
pub const PROTOCOL_VERSION: &str = "1";

/// What a peer says about itself in `join` and `peer`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_id: Option<String>,
    #[serde(default)]
    pub is_ephemeral: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Join {
    pub sender_id: String,
    #[serde(default)]
    pub peer_metadata: Option<PeerMetadata>,
    #[serde(default)]
    pub supported_protocol_versions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Peer {
    pub sender_id: String,
    pub target_id: String,
    pub peer_metadata: PeerMetadata,
    pub selected_protocol_version: String,
}

/// A `request` (the sender does not have the document) or `sync` message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentMessage {
    pub sender_id: String,
    pub target_id: String,
    pub document_id: String,
    /// An encoded `automerge::sync::Message`.
    pub data: ByteBuf,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentUnavailable {
    pub sender_id: String,
    pub target_id: String,
    pub document_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ephemeral {
    pub sender_id: String,
    pub target_id: String,
    pub document_id: String,
    pub count: u64,
    pub session_id: String,
    pub data: ByteBuf,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorMessage {
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Leave {
    pub sender_id: String,
}

/// One wire message.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    Join(Join),
    Peer(Peer),
    Leave(Leave),
    Error(ErrorMessage),
    Request(DocumentMessage),
    Sync(DocumentMessage),
    DocumentUnavailable(DocumentUnavailable),
    Ephemeral(Ephemeral),
    /// A type this implementation does not handle (e.g. `remote-heads-changed`); ignored.
    Other {
        message_type: String,
    },
}

/// Why a frame could not be decoded.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DecodeError {
    #[error("message of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("message is not valid CBOR: {0}")]
    NotCbor(String),
    #[error("message is not a CBOR map")]
    NotAMap,
    #[error("message has no `type` text field")]
    MissingType,
    #[error("`{message_type}` message is malformed: {problem}")]
    Malformed {
        message_type: String,
        problem: String,
    },
}

impl Message {
    /// The CBOR encoding of this message.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let written = match self {
            Self::Join(body) => write(&mut out, "join", body),
            Self::Peer(body) => write(&mut out, "peer", body),
            Self::Leave(body) => write(&mut out, "leave", body),
            Self::Error(body) => write(&mut out, "error", body),
            Self::Request(body) => write(&mut out, "request", body),
            Self::Sync(body) => write(&mut out, "sync", body),
            Self::DocumentUnavailable(body) => write(&mut out, "doc-unavailable", body),
            Self::Ephemeral(body) => write(&mut out, "ephemeral", body),
            Self::Other { message_type } => write(
                &mut out,
                message_type,
                &ErrorMessage {
                    message: String::new(),
                },
            ),
        };
        // Serializing plain structs into a Vec cannot fail; an empty frame would be rejected by
        // the peer as "not valid CBOR", which is the honest outcome if it ever did.
        if written.is_err() {
            out.clear();
        }
        out
    }

    /// Decodes one frame, refusing frames over `limit` bytes before parsing them.
    pub fn decode(frame: &[u8], limit: usize) -> Result<Self, DecodeError> {
        if frame.len() > limit {
            return Err(DecodeError::TooLarge {
                size: frame.len(),
                limit,
            });
        }
        let value: ciborium::Value = ciborium::from_reader(frame)
            .map_err(|error| DecodeError::NotCbor(error.to_string()))?;
        let ciborium::Value::Map(entries) = &value else {
            return Err(DecodeError::NotAMap);
        };
        let message_type = entries
            .iter()
            .find_map(|(key, value)| match (key, value) {
                (ciborium::Value::Text(key), ciborium::Value::Text(value)) if key == "type" => {
                    Some(value.clone())
                }
                _ => None,
            })
            .ok_or(DecodeError::MissingType)?;
        Ok(match message_type.as_str() {
            "join" => Self::Join(read(value, &message_type)?),
            "peer" => Self::Peer(read(value, &message_type)?),
            "leave" => Self::Leave(read(value, &message_type)?),
            "error" => Self::Error(read(value, &message_type)?),
            "request" => Self::Request(read(value, &message_type)?),
            "sync" => Self::Sync(read(value, &message_type)?),
            "doc-unavailable" => Self::DocumentUnavailable(read(value, &message_type)?),
            "ephemeral" => Self::Ephemeral(read(value, &message_type)?),
            _ => Self::Other { message_type },
        })
    }
}

fn read<T: for<'de> Deserialize<'de>>(
    value: ciborium::Value,
    message_type: &str,
) -> Result<T, DecodeError> {
    value
        .deserialized()
        .map_err(|error| DecodeError::Malformed {
            message_type: message_type.to_owned(),
            problem: error.to_string(),
        })
}

/// Writes `body` as a map with `type` first, the way automerge-repo writes it.
fn write<T: Serialize>(out: &mut Vec<u8>, message_type: &str, body: &T) -> Result<(), String> {
    let value = ciborium::Value::serialized(body).map_err(|error| error.to_string())?;
    let ciborium::Value::Map(fields) = value else {
        return Err("message body is not a map".into());
    };
    let mut entries = Vec::with_capacity(fields.len() + 1);
    entries.push((
        ciborium::Value::Text("type".into()),
        ciborium::Value::Text(message_type.into()),
    ));
    entries.extend(fields.into_iter().filter(|(_, value)| !value.is_null()));
    ciborium::into_writer(&ciborium::Value::Map(entries), out).map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sync_message() -> Message {
        Message::Sync(DocumentMessage {
            sender_id: "client".into(),
            target_id: "server".into(),
            document_id: "2Xxj8p5Zb4qLfUv1sX7wYHq9fQ7A".into(),
            data: ByteBuf::from(vec![1, 2, 3]),
        })
    }

    #[test]
    fn every_message_round_trips() {
        let messages = vec![
            Message::Join(Join {
                sender_id: "a".into(),
                peer_metadata: Some(PeerMetadata {
                    storage_id: None,
                    is_ephemeral: true,
                }),
                supported_protocol_versions: vec!["1".into()],
            }),
            Message::Peer(Peer {
                sender_id: "s".into(),
                target_id: "a".into(),
                peer_metadata: PeerMetadata::default(),
                selected_protocol_version: "1".into(),
            }),
            Message::Leave(Leave {
                sender_id: "a".into(),
            }),
            Message::Error(ErrorMessage {
                message: "nope".into(),
            }),
            sync_message(),
            Message::DocumentUnavailable(DocumentUnavailable {
                sender_id: "s".into(),
                target_id: "a".into(),
                document_id: "d".into(),
            }),
        ];
        for message in messages {
            assert_eq!(
                Message::decode(&message.encode(), 1 << 20).unwrap(),
                message
            );
        }
    }

    #[test]
    fn the_type_comes_first_and_bytes_are_a_byte_string() {
        let encoded = sync_message().encode();
        let value: ciborium::Value = ciborium::from_reader(encoded.as_slice()).unwrap();
        let entries = value.into_map().unwrap();
        assert_eq!(entries[0].0, ciborium::Value::Text("type".into()));
        let data = entries
            .iter()
            .find(|(key, _)| key == &ciborium::Value::Text("data".into()))
            .unwrap();
        assert!(data.1.is_bytes());
    }

    #[test]
    fn oversized_and_malformed_frames_are_named_errors() {
        assert_eq!(
            Message::decode(&[0; 10], 5),
            Err(DecodeError::TooLarge { size: 10, limit: 5 })
        );
        assert!(matches!(
            Message::decode(&[0xff, 0x00], 100),
            Err(DecodeError::NotCbor(_))
        ));
        assert_eq!(Message::decode(&[0x01], 100), Err(DecodeError::NotAMap));
        let mut missing_field = Vec::new();
        ciborium::into_writer(
            &ciborium::Value::Map(vec![(
                ciborium::Value::Text("type".into()),
                ciborium::Value::Text("sync".into()),
            )]),
            &mut missing_field,
        )
        .unwrap();
        assert!(matches!(
            Message::decode(&missing_field, 100),
            Err(DecodeError::Malformed { .. })
        ));
    }

    #[test]
    fn deeply_nested_cbor_is_an_error_not_a_stack_overflow() {
        let frame = vec![0x81; 100_000];
        assert!(Message::decode(&frame, 1 << 20).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The frame decoder never panics on arbitrary bytes.
        #[test]
        fn decoder_never_panics_on_random_bytes(frame in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _outcome = Message::decode(&frame, 1 << 20);
        }

        /// Corrupting a valid frame gives an error or a message, never a panic.
        #[test]
        fn decoder_never_panics_on_corrupted_frames(position in 0usize..64, byte in any::<u8>()) {
            let mut frame = sync_message().encode();
            let index = position % frame.len();
            if let Some(slot) = frame.get_mut(index) {
                *slot = byte;
            }
            let _outcome = Message::decode(&frame, 1 << 20);
        }
    }
}

//! Document ids in the automerge-repo format: 16 random bytes, written as base58check.
//!
//! The JS automerge-repo validates ids with bs58check, so ids minted here must use the same
//! encoding for a JS client to `find` them.

use std::fmt;
use std::str::FromStr;

use crate::ModelError;

/// The id of one Automerge document (`automerge:<id>` in automerge-repo URLs).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentId([u8; 16]);

impl DocumentId {
    /// A new random id, shaped as a UUIDv4 as automerge-repo's own ids are (automerge-repo 1.x
    /// refuses ids that are not a version 1–5 UUID).
    pub fn random() -> Self {
        Self(uuid::Uuid::new_v4().into_bytes())
    }

    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The automerge-repo URL of this document.
    pub fn url(&self) -> String {
        format!("automerge:{self}")
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(self.0).with_check().into_string())
    }
}

impl fmt::Debug for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocumentId({self})")
    }
}

impl FromStr for DocumentId {
    type Err = ModelError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.strip_prefix("automerge:").unwrap_or(text);
        if text.len() > 64 {
            return Err(ModelError::InvalidDocumentId(
                "longer than 64 characters".into(),
            ));
        }
        let bytes = bs58::decode(text)
            .with_check(None)
            .into_vec()
            .map_err(|error| ModelError::InvalidDocumentId(error.to_string()))?;
        let bytes: [u8; 16] = bytes
            .try_into()
            .map_err(|_| ModelError::InvalidDocumentId("not 16 bytes".into()))?;
        Ok(Self(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text_and_url() {
        let id = DocumentId::random();
        assert_eq!(id.to_string().parse::<DocumentId>().unwrap(), id);
        assert_eq!(id.url().parse::<DocumentId>().unwrap(), id);
    }

    #[test]
    fn random_ids_are_uuid_version_4() {
        for _ in 0..64 {
            let id = DocumentId::random();
            let uuid = uuid::Uuid::from_bytes(*id.as_bytes());
            assert_eq!(uuid.get_version(), Some(uuid::Version::Random));
            assert_eq!(uuid.get_variant(), uuid::Variant::RFC4122);
        }
    }

    #[test]
    fn rejects_a_corrupted_checksum() {
        let mut text = DocumentId::random().to_string();
        let last = text.pop().unwrap();
        text.push(if last == '2' { '3' } else { '2' });
        assert!(text.parse::<DocumentId>().is_err());
    }
}

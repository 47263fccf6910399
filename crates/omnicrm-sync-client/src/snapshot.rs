//! A workspace's documents in one response (`GET /v1/documents`): how a device that lacks many
//! records (a new device, or a teammate's import) takes them without a round trip per record.
//! Each is then synced over the WebSocket as usual, which only confirms the heads.

use std::collections::HashSet;
use std::time::Duration;

use automerge::Automerge;
use omnicrm_core::{Error, ErrorCode, Result};
use omnicrm_sync::DocumentId;

/// A downloaded document: its id, the document, and its bytes as downloaded.
pub type Downloaded = (DocumentId, Automerge, Vec<u8>);

/// How long the whole download may take.
const DOWNLOAD_LIMIT: Duration = Duration::from_secs(300);

/// Downloads the workspace's documents and loads those in `wanted` (the others are skipped
/// unread), each with its bytes as downloaded.
pub async fn fetch(
    server: &str,
    token: &str,
    wanted: HashSet<DocumentId>,
) -> Result<Vec<Downloaded>> {
    let started = std::time::Instant::now();
    let response = reqwest::Client::builder()
        .timeout(DOWNLOAD_LIMIT)
        .build()
        .map_err(|error| Error::internal(format!("no HTTP client: {error}")))?
        .get(format!("{server}/v1/documents"))
        .bearer_auth(token)
        .send()
        .await
        .map_err(|error| unreachable(server, &error))?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err(crate::team_sync::http_status_error(status));
    }
    // The whole body arrives in a tenth of the time its documents take to load (25k: 0.3 s
    // against 3.5 s), so it is read first and loaded after, off the async workers.
    let body = response
        .bytes()
        .await
        .map_err(|error| unreachable(server, &error))?;
    let received_ms = started.elapsed().as_millis() as u64;
    let loaded = tokio::task::spawn_blocking(move || decode(&body, &wanted))
        .await
        .map_err(|error| Error::internal(format!("loading the team's records stopped: {error}")))?;
    tracing::debug!(
        received_ms,
        loaded_ms = started.elapsed().as_millis() as u64,
        "sync: download received, then loaded"
    );
    loaded
}

fn unreachable(server: &str, error: &reqwest::Error) -> Error {
    Error::new(
        ErrorCode::Network,
        format!("the team server at {server} could not be reached ({error})"),
    )
}

/// Reads a `GET /v1/documents` body: per document, the id's length (u16, big-endian), the id,
/// the data's length (u32, big-endian) and the data. Only the `wanted` documents are loaded,
/// on every core. A document that does not load is left out (the sync asks for it on its
/// own); a body cut short is an error.
pub fn decode(body: &[u8], wanted: &HashSet<DocumentId>) -> Result<Vec<Downloaded>> {
    let mut frames = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let Some((id, data, used)) = next_frame(rest) else {
            return Err(Error::new(
                ErrorCode::Network,
                "the team server's list of records was cut short",
            ));
        };
        rest = rest.get(used..).unwrap_or_default();
        let id = std::str::from_utf8(id)
            .ok()
            .and_then(|id| id.parse::<DocumentId>().ok());
        if let Some(id) = id.filter(|id| wanted.contains(id)) {
            frames.push((id, data.to_vec()));
        }
    }
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    let share = frames.len().div_ceil(workers).max(1);
    let mut shares: Vec<Vec<(DocumentId, Vec<u8>)>> = Vec::new();
    let mut frames = frames.into_iter().peekable();
    while frames.peek().is_some() {
        shares.push(frames.by_ref().take(share).collect());
    }
    let loaded = std::thread::scope(|scope| {
        let handles: Vec<_> = shares
            .into_iter()
            .map(|share| scope.spawn(move || load_all(share)))
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join())
            .collect::<std::result::Result<Vec<_>, _>>()
    })
    .map_err(|_| Error::internal("loading the team's records stopped"))?;
    Ok(loaded.into_iter().flatten().collect())
}

/// Loads each document; one that does not load is left out (the sync asks for it on its own).
fn load_all(frames: Vec<(DocumentId, Vec<u8>)>) -> Vec<Downloaded> {
    let mut documents = Vec::with_capacity(frames.len());
    for (id, data) in frames {
        let mut document = Automerge::new();
        match document.load_incremental(&data) {
            Ok(_) => documents.push((id, document, data)),
            Err(error) => tracing::warn!(document = %id, %error, "a team record did not load"),
        }
    }
    documents
}

/// The first whole frame of `bytes` (id, data, bytes used), or `None` when it is incomplete.
fn next_frame(bytes: &[u8]) -> Option<(&[u8], &[u8], usize)> {
    let (id, after_id) = take_prefixed(bytes, 2)?;
    let (data, after_data) = take_prefixed(after_id, 4)?;
    Some((id, data, bytes.len() - after_data.len()))
}

/// Splits off a field preceded by its big-endian length of `width` bytes (2 or 4).
fn take_prefixed(bytes: &[u8], width: usize) -> Option<(&[u8], &[u8])> {
    let (length, rest) = bytes.split_at_checked(width)?;
    let length = length
        .iter()
        .fold(0usize, |total, byte| (total << 8) | usize::from(*byte));
    rest.split_at_checked(length)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(id: &str, data: &[u8]) -> Vec<u8> {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&(id.len() as u16).to_be_bytes());
        bytes.extend_from_slice(id.as_bytes());
        bytes.extend_from_slice(&(data.len() as u32).to_be_bytes());
        bytes.extend_from_slice(data);
        bytes
    }

    fn document_with(text: &str) -> Automerge {
        use automerge::transaction::Transactable;
        let mut document = Automerge::new();
        let mut transaction = document.transaction();
        transaction
            .put(automerge::ROOT, "text", text)
            .unwrap_or_else(|error| panic!("{error}"));
        transaction.commit();
        document
    }

    #[test]
    fn reads_the_wanted_documents_and_skips_the_others() {
        let (first, second, other) = (
            DocumentId::random(),
            DocumentId::random(),
            DocumentId::random(),
        );
        let two = document_with("two");
        let mut body = frame(&first.to_string(), &document_with("one").save());
        body.extend(frame(&other.to_string(), &document_with("other").save()));
        body.extend(frame(&second.to_string(), &two.save()));
        body.extend(frame(&DocumentId::random().to_string(), b"not automerge"));
        let wanted = HashSet::from([first, second]);
        let documents = decode(&body, &wanted).unwrap_or_else(|error| panic!("{error:?}"));
        let ids: Vec<DocumentId> = documents.iter().map(|(id, _, _)| *id).collect();
        assert_eq!(ids, vec![first, second]);
        let heads = documents
            .get(1)
            .map(|(_, document, _)| document.get_heads());
        assert_eq!(heads, Some(two.get_heads()));
    }

    #[test]
    fn a_body_cut_short_is_a_network_error() {
        let id = DocumentId::random();
        let body = frame(&id.to_string(), &document_with("one").save());
        let cut = &body[..body.len() - 3];
        let error = decode(cut, &HashSet::from([id])).unwrap_err();
        assert_eq!(error.code, ErrorCode::Network);
    }
}

//! `GET /v1/documents`: a workspace's documents in one response, for a device that lacks many
//! records. Only the token's workspace, only with a valid token.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::time::Duration;

use automerge::Automerge;
use omnicrm_sync::schema::RecordKind;
use omnicrm_sync::{DocumentId, Note, RecordDocument, RootEntry, WorkspaceRoot};
use omnicrm_sync_server::admin;
use omnicrm_sync_server::database::pool;
use omnicrm_sync_server::test_support::{config, fresh_database, workspace, TestServer};
use uuid::Uuid;

const QUIET: Duration = Duration::from_secs(5);
const LIMIT: Duration = Duration::from_secs(60);

/// Writes `count` notes into the workspace of `token`; returns each document's heads.
async fn write_notes(
    server: &TestServer,
    token: &str,
    root: DocumentId,
    count: usize,
) -> HashMap<DocumentId, Automerge> {
    let mut writer = common::client(server, token).await;
    writer.request(root).await.unwrap();
    writer
        .pump_until(LIMIT, |client| client.awaiting() == 0)
        .await
        .unwrap();
    let mut ids = vec![root];
    for index in 0..count {
        let note = Note {
            id: Uuid::now_v7(),
            body: format!("note {index}"),
            body_html: None,
            source_type: None,
            contact_id: None,
            private: false,
        };
        let id = DocumentId::random();
        writer.insert(id, RecordDocument::create(&note).unwrap());
        let entry = RootEntry {
            record_id: note.id,
            kind: RecordKind::Note,
            document_id: id,
        };
        WorkspaceRoot::add(writer.document_mut(&root).unwrap(), &entry).unwrap();
        ids.push(id);
    }
    assert_eq!(
        writer
            .sync_documents(ids.clone(), QUIET, LIMIT)
            .await
            .unwrap(),
        0
    );
    ids.into_iter()
        .map(|id| (id, writer.document(&id).unwrap().clone()))
        .collect()
}

/// Reads the body independently of the client: u16 id length, id, u32 data length, data.
fn read_body(mut body: &[u8]) -> HashMap<DocumentId, Automerge> {
    let mut documents = HashMap::new();
    while !body.is_empty() {
        let id_length = u16::from_be_bytes([body[0], body[1]]) as usize;
        let id: DocumentId = std::str::from_utf8(&body[2..2 + id_length])
            .unwrap()
            .parse()
            .unwrap();
        body = &body[2 + id_length..];
        let data_length = u32::from_be_bytes([body[0], body[1], body[2], body[3]]) as usize;
        let document = Automerge::load(&body[4..4 + data_length]).unwrap();
        body = &body[4 + data_length..];
        documents.insert(id, document);
    }
    documents
}

async fn download(server: &TestServer, token: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(server.http_url("/v1/documents"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workspace_downloads_as_one_response_with_none_of_another_workspaces_documents() {
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let other = workspace(&url, "Other team").await;
    let server = TestServer::start(config(&url)).await;
    let written = write_notes(&server, &team.token, team.root_document_id, 30).await;
    let others = write_notes(&server, &other.token, other.root_document_id, 5).await;

    let response = download(&server, Some(&team.token)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/octet-stream"
    );
    let downloaded = read_body(&response.bytes().await.unwrap());
    assert_eq!(downloaded.len(), written.len(), "every record and the root");
    for (id, document) in &written {
        let copy = downloaded.get(id).unwrap_or_else(|| panic!("{id} missing"));
        assert_eq!(copy.get_heads(), document.get_heads());
    }
    for id in others.keys() {
        assert!(!downloaded.contains_key(id), "another workspace's document");
    }

    // No token, or a revoked one: nothing.
    assert_eq!(download(&server, None).await.status(), 401);
    admin::revoke_token(&pool(&url, 2).unwrap(), &team.token)
        .await
        .unwrap();
    assert_eq!(download(&server, Some(&team.token)).await.status(), 401);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workspace_larger_than_one_page_downloads_whole() {
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let server = TestServer::start(config(&url)).await;
    // The server reads 2,000 documents per page.
    let written = write_notes(&server, &team.token, team.root_document_id, 2_100).await;
    let response = download(&server, Some(&team.token)).await;
    let downloaded = read_body(&response.bytes().await.unwrap());
    assert_eq!(downloaded.len(), written.len());
    server.stop().await;
}

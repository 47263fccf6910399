//! The Gmail v1 calls the sync makes: messages.list, messages.get, history.list and
//! getProfile, each answer read as documented.

use omnicrm_core::{Error, Result};
use serde::Deserialize;

use crate::http_retry::{Fetched, GoogleHttp};

/// A message as a listing names it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageRef {
    pub id: String,
    #[serde(default)]
    pub thread_id: Option<String>,
    /// Only history records carry labels.
    #[serde(default)]
    pub label_ids: Vec<String>,
}

/// One page of messages.list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessagePage {
    #[serde(default)]
    pub messages: Vec<MessageRef>,
    #[serde(default)]
    pub next_page_token: Option<String>,
    #[serde(default)]
    pub result_size_estimate: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub email_address: String,
    #[serde(default)]
    pub messages_total: u64,
    pub history_id: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HistoryRecord {
    #[serde(default)]
    messages_added: Vec<AddedMessage>,
}

#[derive(Debug, Clone, Deserialize)]
struct AddedMessage {
    message: MessageRef,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HistoryResponse {
    #[serde(default)]
    history: Vec<HistoryRecord>,
    #[serde(default)]
    next_page_token: Option<String>,
    history_id: String,
}

/// One page of history.list: the messages added since the start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryPage {
    pub added: Vec<MessageRef>,
    pub next_page_token: Option<String>,
    /// The mailbox's current history id: the next cursor once every page is read.
    pub history_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryOutcome {
    Page(HistoryPage),
    /// The start id is too old (Gmail keeps about a week): a full sync is needed.
    Expired,
}

#[derive(Clone)]
pub struct GmailClient {
    http: GoogleHttp,
    base: String,
}

impl GmailClient {
    /// `base` is the API root up to and including `/gmail/v1`.
    pub fn new(http: GoogleHttp, base: &str) -> Self {
        Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/users/me/{path}", self.base)
    }

    pub async fn list_messages(
        &self,
        query: &str,
        label_ids: &[String],
        page_token: Option<&str>,
        max_results: u32,
    ) -> Result<MessagePage> {
        let mut parameters = vec![
            ("q", query.to_owned()),
            ("maxResults", max_results.to_string()),
        ];
        parameters.extend(label_ids.iter().map(|label| ("labelIds", label.clone())));
        if let Some(token) = page_token {
            parameters.push(("pageToken", token.to_owned()));
        }
        let body = expect_body(
            self.http.get(&self.url("messages"), &parameters).await?,
            "messages.list",
        )?;
        decode(&body, "messages.list")
    }

    /// The full message (`format=full`) exactly as Gmail sent it; `None` when it was deleted
    /// after being listed.
    pub async fn get_message(&self, id: &str) -> Result<Option<String>> {
        match self
            .http
            .get(
                &self.url(&format!("messages/{id}")),
                &[("format", "full".to_owned())],
            )
            .await?
        {
            Fetched::Body(body) => Ok(Some(body)),
            Fetched::NotFound | Fetched::Gone => Ok(None),
        }
    }

    /// Just the Subject header, for previews.
    pub async fn get_subject(&self, id: &str) -> Result<Option<String>> {
        let fetched = self
            .http
            .get(
                &self.url(&format!("messages/{id}")),
                &[
                    ("format", "metadata".to_owned()),
                    ("metadataHeaders", "Subject".to_owned()),
                ],
            )
            .await?;
        let Fetched::Body(body) = fetched else {
            return Ok(None);
        };
        let parsed = crate::mime::parse_message(&body)?;
        Ok(Some(parsed.subject.unwrap_or_default()))
    }

    pub async fn profile(&self) -> Result<Profile> {
        let body = expect_body(self.http.get(&self.url("profile"), &[]).await?, "profile")?;
        decode(&body, "getProfile")
    }

    /// Messages added since `start_history_id`, a page at a time.
    pub async fn history(
        &self,
        start_history_id: &str,
        page_token: Option<&str>,
    ) -> Result<HistoryOutcome> {
        let mut parameters = vec![
            ("startHistoryId", start_history_id.to_owned()),
            ("historyTypes", "messageAdded".to_owned()),
            ("maxResults", "500".to_owned()),
        ];
        if let Some(token) = page_token {
            parameters.push(("pageToken", token.to_owned()));
        }
        match self.http.get(&self.url("history"), &parameters).await? {
            Fetched::NotFound => Ok(HistoryOutcome::Expired),
            Fetched::Gone => Err(Error::internal("history.list answered 410")),
            Fetched::Body(body) => {
                let response: HistoryResponse = decode(&body, "history.list")?;
                let mut added: Vec<MessageRef> = Vec::new();
                for record in response.history {
                    for entry in record.messages_added {
                        if !added.iter().any(|seen| seen.id == entry.message.id) {
                            added.push(entry.message);
                        }
                    }
                }
                Ok(HistoryOutcome::Page(HistoryPage {
                    added,
                    next_page_token: response.next_page_token,
                    history_id: response.history_id,
                }))
            }
        }
    }
}

fn expect_body(fetched: Fetched, call: &str) -> Result<String> {
    match fetched {
        Fetched::Body(body) => Ok(body),
        Fetched::NotFound | Fetched::Gone => Err(Error::new(
            omnicrm_core::ErrorCode::Network,
            format!("Gmail {call} answered that the mailbox was not found"),
        )),
    }
}

pub(crate) fn decode<T: serde::de::DeserializeOwned>(body: &str, call: &str) -> Result<T> {
    serde_json::from_str(body).map_err(|error| {
        Error::new(
            omnicrm_core::ErrorCode::Network,
            format!("Google's answer to {call} could not be read: {error}"),
        )
    })
}

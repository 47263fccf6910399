//! What a test asks for (a message, an event) and the JSON Gmail v1 and Calendar v3 would send
//! for it: `users.messages` resources with `format=full` payloads (headers, base64url MIME
//! parts, multipart/alternative, HTML-only mail, any charset) and `calendar#event` resources.

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The body of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageBody {
    /// A single text/plain part.
    Plain(String),
    /// multipart/alternative with text/plain and text/html.
    Alternative { text: String, html: String },
    /// A single text/html part, no plain text.
    HtmlOnly(String),
}

/// A message to put in the fake mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageSpec {
    /// `Name <address>` or a bare address, as the From header has it.
    pub from: String,
    pub to: Vec<String>,
    #[serde(default)]
    pub cc: Vec<String>,
    /// The Subject header exactly (it may be RFC 2047 encoded).
    pub subject: String,
    pub body: MessageBody,
    /// The charset the text parts are encoded in (`utf-8`, `iso-8859-1`, ...).
    #[serde(default = "utf8")]
    pub charset: String,
    /// Gmail label ids: `INBOX`, `SENT`, `CATEGORY_PERSONAL`, `CATEGORY_PROMOTIONS`, ...
    pub labels: Vec<String>,
    pub date: DateTime<Utc>,
    #[serde(default)]
    pub thread_id: Option<String>,
    /// More headers (`List-Unsubscribe`, `Precedence`, ...).
    #[serde(default)]
    pub extra_headers: Vec<(String, String)>,
}

fn utf8() -> String {
    "utf-8".to_owned()
}

impl MessageSpec {
    /// A primary-inbox message received an hour ago.
    pub fn received(from: &str, to: &str, subject: &str, text: &str) -> Self {
        Self {
            from: from.to_owned(),
            to: vec![to.to_owned()],
            cc: Vec::new(),
            subject: subject.to_owned(),
            body: MessageBody::Plain(text.to_owned()),
            charset: utf8(),
            labels: vec!["INBOX".to_owned(), "CATEGORY_PERSONAL".to_owned()],
            date: Utc::now() - Duration::hours(1),
            thread_id: None,
            extra_headers: Vec::new(),
        }
    }

    /// A message the account sent an hour ago.
    pub fn sent(from: &str, to: &str, subject: &str, text: &str) -> Self {
        Self {
            labels: vec!["SENT".to_owned()],
            ..Self::received(from, to, subject, text)
        }
    }

    pub fn labels(mut self, labels: &[&str]) -> Self {
        self.labels = labels.iter().map(|label| (*label).to_owned()).collect();
        self
    }

    pub fn body(mut self, body: MessageBody) -> Self {
        self.body = body;
        self
    }

    pub fn charset(mut self, charset: &str) -> Self {
        self.charset = charset.to_owned();
        self
    }

    pub fn at(mut self, date: DateTime<Utc>) -> Self {
        self.date = date;
        self
    }

    pub fn cc(mut self, address: &str) -> Self {
        self.cc.push(address.to_owned());
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.extra_headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn thread(mut self, thread_id: &str) -> Self {
        self.thread_id = Some(thread_id.to_owned());
        self
    }
}

/// A stored message and what the list and search need of it.
#[derive(Debug, Clone)]
pub(crate) struct StoredMessage {
    pub id: String,
    pub thread_id: String,
    pub labels: Vec<String>,
    pub internal_date: DateTime<Utc>,
    pub from: String,
    pub to: String,
    pub subject: String,
    /// The `format=full` resource.
    pub resource: Value,
}

pub(crate) fn message_resource(spec: &MessageSpec, id: &str, history_id: u64) -> StoredMessage {
    let thread_id = spec.thread_id.clone().unwrap_or_else(|| id.to_owned());
    let mut headers = vec![
        header("Delivered-To", spec.to.first().map_or("", String::as_str)),
        header("Date", &spec.date.to_rfc2822()),
        header("From", &spec.from),
        header("To", &spec.to.join(", ")),
    ];
    if !spec.cc.is_empty() {
        headers.push(header("Cc", &spec.cc.join(", ")));
    }
    headers.push(header("Subject", &spec.subject));
    headers.push(header("Message-ID", &format!("<{id}@fake.mail>")));
    headers.push(header("MIME-Version", "1.0"));
    for (name, value) in &spec.extra_headers {
        headers.push(header(name, value));
    }
    let (payload, snippet_source) = match &spec.body {
        MessageBody::Plain(text) => {
            headers.push(header(
                "Content-Type",
                &format!("text/plain; charset=\"{}\"", spec.charset),
            ));
            let mut part = text_part("", "text/plain", text, &spec.charset);
            set_headers(&mut part, headers);
            (part, text.clone())
        }
        MessageBody::HtmlOnly(html) => {
            headers.push(header(
                "Content-Type",
                &format!("text/html; charset=\"{}\"", spec.charset),
            ));
            let mut part = text_part("", "text/html", html, &spec.charset);
            set_headers(&mut part, headers);
            (part, html.clone())
        }
        MessageBody::Alternative { text, html } => {
            headers.push(header(
                "Content-Type",
                &format!("multipart/alternative; boundary=\"b-{id}\""),
            ));
            let plain = text_part("0", "text/plain", text, &spec.charset);
            let rich = text_part("1", "text/html", html, &spec.charset);
            (
                json!({
                    "partId": "",
                    "mimeType": "multipart/alternative",
                    "filename": "",
                    "headers": headers,
                    "body": { "size": 0 },
                    "parts": [plain, rich],
                }),
                text.clone(),
            )
        }
    };
    let snippet: String = snippet_source.chars().take(100).collect();
    let resource = json!({
        "id": id,
        "threadId": thread_id,
        "labelIds": spec.labels,
        "snippet": snippet,
        "historyId": history_id.to_string(),
        "internalDate": spec.date.timestamp_millis().to_string(),
        "payload": payload,
        "sizeEstimate": 512 + snippet_source.len(),
    });
    StoredMessage {
        id: id.to_owned(),
        thread_id,
        labels: spec.labels.clone(),
        internal_date: spec.date,
        from: spec.from.clone(),
        to: spec.to.join(", "),
        subject: spec.subject.clone(),
        resource,
    }
}

fn header(name: &str, value: &str) -> Value {
    json!({ "name": name, "value": value })
}

fn set_headers(part: &mut Value, headers: Vec<Value>) {
    if let Some(object) = part.as_object_mut() {
        object.insert("headers".to_owned(), Value::Array(headers));
    }
}

/// A text part whose body is the text encoded in `charset`, then base64url, as Gmail sends it.
fn text_part(part_id: &str, mime_type: &str, text: &str, charset: &str) -> Value {
    let encoding =
        encoding_rs::Encoding::for_label(charset.as_bytes()).unwrap_or(encoding_rs::UTF_8);
    let (bytes, _, _) = encoding.encode(text);
    let data = base64::engine::general_purpose::URL_SAFE.encode(&bytes);
    json!({
        "partId": part_id,
        "mimeType": mime_type,
        "filename": "",
        "headers": [
            header("Content-Type", &format!("{mime_type}; charset=\"{charset}\"")),
            header("Content-Transfer-Encoding", "quoted-printable"),
        ],
        "body": { "size": bytes.len(), "data": data },
    })
}

/// An attendee of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendeeSpec {
    pub email: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default = "accepted")]
    pub response: String,
}

fn accepted() -> String {
    "accepted".to_owned()
}

/// An event to put in the fake primary calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventSpec {
    pub summary: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// A whole-day event (`start.date`), not a timed one (`start.dateTime`).
    #[serde(default)]
    pub all_day: bool,
    /// The calendar owner is the organizer unless another address is given.
    #[serde(default)]
    pub organizer: Option<String>,
    #[serde(default)]
    pub attendees: Vec<AttendeeSpec>,
}

impl EventSpec {
    /// A one-hour event `days_from_now` days away, with these attendees (plus the owner).
    pub fn meeting(summary: &str, days_from_now: i64, attendees: &[&str]) -> Self {
        let start = Utc::now() + Duration::days(days_from_now);
        Self {
            summary: summary.to_owned(),
            description: None,
            location: None,
            start,
            end: start + Duration::hours(1),
            all_day: false,
            organizer: None,
            attendees: attendees
                .iter()
                .map(|email| AttendeeSpec {
                    email: (*email).to_owned(),
                    name: None,
                    response: accepted(),
                })
                .collect(),
        }
    }

    /// The same event at another time, lasting `minutes`.
    pub fn at(mut self, start: DateTime<Utc>, minutes: i64) -> Self {
        self.start = start;
        self.end = start + Duration::minutes(minutes);
        self
    }

    pub fn summary(mut self, summary: &str) -> Self {
        self.summary = summary.to_owned();
        self
    }

    pub fn location(mut self, location: &str) -> Self {
        self.location = Some(location.to_owned());
        self
    }
}

/// Where a stored event stands: what its resource says besides the spec.
pub(crate) struct EventState<'a> {
    pub id: &'a str,
    /// `confirmed` or `cancelled`.
    pub status: &'a str,
    pub etag: u64,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub sequence: u32,
}

/// The `calendar#event` resource. A cancelled event is sent the way Google sends deleted
/// events to an incremental sync: its id, status, etag and update time, nothing else (Google
/// only guarantees the id).
pub(crate) fn event_resource(spec: &EventSpec, owner: &str, state: &EventState<'_>) -> Value {
    let stamp =
        |instant: DateTime<Utc>| instant.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let id = state.id;
    if state.status == "cancelled" {
        return json!({
            "kind": "calendar#event",
            "etag": format!("\"{}\"", state.etag),
            "id": id,
            "status": "cancelled",
            "updated": stamp(state.updated),
        });
    }
    let time = |instant: DateTime<Utc>| {
        if spec.all_day {
            json!({ "date": instant.format("%Y-%m-%d").to_string() })
        } else {
            json!({ "dateTime": instant.to_rfc3339(), "timeZone": "UTC" })
        }
    };
    let organizer = spec.organizer.clone().unwrap_or_else(|| owner.to_owned());
    let mut attendees: Vec<Value> = Vec::new();
    if !spec.attendees.is_empty() {
        attendees.push(json!({
            "email": owner,
            "self": true,
            "organizer": organizer == owner,
            "responseStatus": "accepted",
        }));
    }
    for attendee in &spec.attendees {
        let mut value = json!({
            "email": attendee.email,
            "responseStatus": attendee.response,
        });
        if let (Some(name), Some(object)) = (&attendee.name, value.as_object_mut()) {
            object.insert("displayName".to_owned(), json!(name));
        }
        if attendee.email == organizer {
            if let Some(object) = value.as_object_mut() {
                object.insert("organizer".to_owned(), json!(true));
            }
        }
        attendees.push(value);
    }
    let mut resource = json!({
        "kind": "calendar#event",
        "etag": format!("\"{}\"", state.etag),
        "id": id,
        "status": state.status,
        "htmlLink": format!("https://calendar.example/event?eid={id}"),
        "created": stamp(state.created),
        "updated": stamp(state.updated),
        "summary": spec.summary,
        "creator": { "email": owner, "self": true },
        "organizer": { "email": organizer, "self": organizer == owner },
        "start": time(spec.start),
        "end": time(spec.end),
        "iCalUID": format!("{id}@google.com"),
        "sequence": state.sequence,
        "eventType": "default",
    });
    if let Some(object) = resource.as_object_mut() {
        if let Some(description) = &spec.description {
            object.insert("description".to_owned(), json!(description));
        }
        if let Some(location) = &spec.location {
            object.insert("location".to_owned(), json!(location));
        }
        if !attendees.is_empty() {
            object.insert("attendees".to_owned(), Value::Array(attendees));
        }
    }
    resource
}

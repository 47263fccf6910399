//! Reading a Gmail `format=full` message: headers (RFC 2047 encoded words and address lists,
//! through mail-parser), and the body from its MIME parts: base64url data in the part's
//! charset, plain text preferred, HTML turned into text when it is all there is.

use std::borrow::Cow;

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use omnicrm_core::Result;
use serde::Deserialize;

use crate::gmail::decode;

/// Gmail's base64url, with or without padding.
const BASE64_URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GmailMessage {
    id: String,
    #[serde(default)]
    thread_id: Option<String>,
    #[serde(default)]
    label_ids: Vec<String>,
    #[serde(default)]
    internal_date: Option<String>,
    #[serde(default)]
    snippet: Option<String>,
    #[serde(default)]
    payload: Option<Part>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Part {
    #[serde(default)]
    mime_type: Option<String>,
    #[serde(default)]
    filename: Option<String>,
    #[serde(default)]
    headers: Vec<Header>,
    #[serde(default)]
    body: Option<PartBody>,
    #[serde(default)]
    parts: Vec<Part>,
}

#[derive(Debug, Clone, Deserialize)]
struct Header {
    name: String,
    value: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PartBody {
    #[serde(default)]
    data: Option<String>,
    #[serde(default)]
    attachment_id: Option<String>,
}

/// A mailbox in a header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub name: Option<String>,
    pub address: String,
}

/// What the sync needs of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedMessage {
    pub id: String,
    pub thread_id: Option<String>,
    pub label_ids: Vec<String>,
    /// Milliseconds since the epoch when Gmail received it.
    pub internal_date_millis: Option<i64>,
    pub subject: Option<String>,
    pub from: Vec<Mailbox>,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    pub bcc: Vec<Mailbox>,
    pub date_header: Option<String>,
    pub message_id_header: Option<String>,
    /// The decoded plain text (from text/plain, else from text/html).
    pub text: Option<String>,
    pub snippet: Option<String>,
    /// Sent by a list or a bulk sender (List-Unsubscribe, List-Id, Precedence, Auto-Submitted).
    pub automated: bool,
}

/// The headers whose values mail-parser decodes for us.
const DECODED_HEADERS: [&str; 6] = ["From", "To", "Cc", "Bcc", "Subject", "Date"];

pub fn parse_message(json: &str) -> Result<ParsedMessage> {
    let message: GmailMessage = decode(json, "messages.get")?;
    let payload = message.payload.unwrap_or_default();
    let header = |name: &str| {
        payload
            .headers
            .iter()
            .find(|header| header.name.eq_ignore_ascii_case(name))
            .map(|header| header.value.clone())
    };
    let mut block = String::new();
    for name in DECODED_HEADERS {
        if let Some(value) = header(name) {
            block.push_str(name);
            block.push_str(": ");
            block.push_str(&value.replace(['\r', '\n'], " "));
            block.push_str("\r\n");
        }
    }
    block.push_str("\r\n");
    let parsed = mail_parser::MessageParser::default().parse(block.as_bytes());
    let mailboxes = |address: Option<&mail_parser::Address<'_>>| -> Vec<Mailbox> {
        address
            .map(|address| {
                address
                    .iter()
                    .filter_map(|addr| {
                        let email = addr.address()?.trim();
                        (!email.is_empty()).then(|| Mailbox {
                            name: addr
                                .name()
                                .map(|name| name.trim().to_owned())
                                .filter(|name| !name.is_empty()),
                            address: email.to_owned(),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let (subject, from, to, cc, bcc) = match &parsed {
        Some(parsed) => (
            parsed.subject().map(str::to_owned),
            mailboxes(parsed.from()),
            mailboxes(parsed.to()),
            mailboxes(parsed.cc()),
            mailboxes(parsed.bcc()),
        ),
        None => (
            header("Subject"),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        ),
    };
    let precedence = header("Precedence").unwrap_or_default().to_lowercase();
    let auto_submitted = header("Auto-Submitted").unwrap_or_default().to_lowercase();
    let automated = header("List-Unsubscribe").is_some()
        || header("List-Id").is_some()
        || matches!(precedence.trim(), "bulk" | "list" | "junk")
        || (!auto_submitted.is_empty() && auto_submitted.trim() != "no");
    let text = body_text(&payload);
    Ok(ParsedMessage {
        id: message.id,
        thread_id: message.thread_id,
        label_ids: message.label_ids,
        internal_date_millis: message.internal_date.and_then(|millis| millis.parse().ok()),
        subject: subject
            .map(|subject| subject.trim().to_owned())
            .filter(|subject| !subject.is_empty()),
        from,
        to,
        cc,
        bcc,
        date_header: header("Date"),
        message_id_header: header("Message-ID"),
        text,
        snippet: message.snippet,
        automated,
    })
}

/// The plain text of the first text/plain part, else the text of the first text/html part.
/// Attachments (named parts, or parts stored apart) are left alone.
fn body_text(payload: &Part) -> Option<String> {
    let mut plain = None;
    let mut html = None;
    find_text_parts(payload, &mut plain, &mut html);
    if let Some(text) = plain.and_then(decode_part) {
        return Some(text.trim().to_owned()).filter(|text| !text.is_empty());
    }
    html.and_then(decode_part)
        .map(|html| html_to_text(&html))
        .filter(|text| !text.is_empty())
}

fn find_text_parts<'a>(part: &'a Part, plain: &mut Option<&'a Part>, html: &mut Option<&'a Part>) {
    let is_attachment = part
        .filename
        .as_deref()
        .is_some_and(|name| !name.is_empty())
        || part
            .body
            .as_ref()
            .is_some_and(|body| body.attachment_id.is_some());
    let mime_type = part
        .mime_type
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if !is_attachment && mime_type == "text/plain" && plain.is_none() {
        *plain = Some(part);
    } else if !is_attachment && mime_type == "text/html" && html.is_none() {
        *html = Some(part);
    }
    for child in &part.parts {
        find_text_parts(child, plain, html);
    }
}

/// A text part's data: base64url, then the charset its Content-Type names.
fn decode_part(part: &Part) -> Option<String> {
    let data = part.body.as_ref()?.data.as_deref()?;
    let bytes = BASE64_URL.decode(data.trim()).ok()?;
    let charset = part
        .headers
        .iter()
        .find(|header| header.name.eq_ignore_ascii_case("Content-Type"))
        .and_then(|header| charset_of(&header.value))
        .unwrap_or_else(|| "utf-8".to_owned());
    let encoding =
        encoding_rs::Encoding::for_label(charset.as_bytes()).unwrap_or(encoding_rs::UTF_8);
    let (text, _, _) = encoding.decode(&bytes);
    Some(match text {
        Cow::Borrowed(text) => text.to_owned(),
        Cow::Owned(text) => text,
    })
}

/// `charset` of a Content-Type value: `text/plain; charset="ISO-8859-1"` → `ISO-8859-1`.
fn charset_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// Readable text from an HTML body: scripts and styles dropped, block ends and `<br>` as line
/// breaks, tags removed, entities decoded, blank runs collapsed.
pub fn html_to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        text.push_str(rest.get(..start).unwrap_or_default());
        let after = rest.get(start..).unwrap_or_default();
        let Some(end) = after.find('>') else {
            rest = "";
            break;
        };
        let tag = after.get(1..end).unwrap_or_default().to_ascii_lowercase();
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|character| character.is_ascii_alphanumeric())
            .collect();
        rest = after.get(end + 1..).unwrap_or_default();
        if (name == "script" || name == "style") && !tag.starts_with('/') {
            let closing = format!("</{name}");
            let lowered = rest.to_ascii_lowercase();
            rest = match lowered.find(&closing) {
                Some(position) => rest.get(position..).unwrap_or_default(),
                None => "",
            };
            continue;
        }
        let breaks = matches!(
            name.as_str(),
            "br" | "p"
                | "div"
                | "li"
                | "tr"
                | "h1"
                | "h2"
                | "h3"
                | "h4"
                | "h5"
                | "h6"
                | "blockquote"
                | "table"
        );
        if breaks && (name == "br" || tag.starts_with('/')) {
            text.push('\n');
        }
    }
    text.push_str(rest);
    let decoded = html_escape::decode_html_entities(&text);
    let mut lines: Vec<String> = Vec::new();
    for line in decoded.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        let blank = line.is_empty();
        let last_blank = lines.last().is_some_and(String::is_empty);
        if !(blank && (last_blank || lines.is_empty())) {
            lines.push(line);
        }
    }
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(payload: serde_json::Value) -> String {
        serde_json::json!({
            "id": "m1", "threadId": "t1", "labelIds": ["INBOX"], "internalDate": "1700000000000",
            "payload": payload,
        })
        .to_string()
    }

    #[test]
    fn encoded_words_and_address_lists_are_decoded() {
        let json = message(serde_json::json!({
            "mimeType": "text/plain",
            "headers": [
                {"name": "Subject", "value": "=?UTF-8?B?U8OpYW5jZSBkZSBqZXVkaQ==?="},
                {"name": "From", "value": "\"Lovelace, Ada\" <ada@example.com>"},
                {"name": "To", "value": "me@example.com, =?ISO-8859-1?Q?Ren=E9?= <rene@example.com>"},
            ],
            "body": {"data": BASE64_URL.encode("Hello")},
        }));
        let parsed = parse_message(&json).expect("parses");
        assert_eq!(parsed.subject.as_deref(), Some("Séance de jeudi"));
        assert_eq!(
            parsed.from.first().map(|from| from.address.as_str()),
            Some("ada@example.com")
        );
        assert_eq!(
            parsed.from.first().and_then(|from| from.name.as_deref()),
            Some("Lovelace, Ada")
        );
        assert_eq!(parsed.to.len(), 2);
        assert_eq!(
            parsed.to.get(1).and_then(|to| to.name.as_deref()),
            Some("René")
        );
        assert_eq!(parsed.text.as_deref(), Some("Hello"));
    }

    #[test]
    fn latin1_parts_are_decoded_in_their_charset() {
        let json = message(serde_json::json!({
            "mimeType": "text/plain",
            "headers": [{"name": "Content-Type", "value": "text/plain; charset=\"ISO-8859-1\""}],
            "body": {"data": BASE64_URL.encode(b"caf\xe9")},
        }));
        assert_eq!(
            parse_message(&json).expect("parses").text.as_deref(),
            Some("café")
        );
    }

    #[test]
    fn html_only_mail_becomes_readable_text() {
        let html = "<html><style>p{color:red}</style><body><p>Hi&nbsp;Ada,</p><p>See you<br>Tuesday &amp; after</p></body></html>";
        assert_eq!(html_to_text(html), "Hi Ada,\nSee you\nTuesday & after");
    }

    #[test]
    fn attachments_are_not_taken_for_the_body() {
        let json = message(serde_json::json!({
            "mimeType": "multipart/mixed",
            "headers": [],
            "parts": [
                {"mimeType": "text/plain", "filename": "notes.txt", "headers": [], "body": {"attachmentId": "a1"}},
                {"mimeType": "text/plain", "filename": "", "headers": [], "body": {"data": BASE64_URL.encode("Body")}},
            ],
        }));
        assert_eq!(
            parse_message(&json).expect("parses").text.as_deref(),
            Some("Body")
        );
    }
}

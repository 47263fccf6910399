//! From Google's resources to raw events with their meaning: mail becomes an `email`
//! interaction (subject, plain-text body, from, to, thread, direction), an event a `meeting`
//! (timed, with other attendees) or a `calendar_event` (attendees, time, location).

use chrono::{DateTime, NaiveDate, Utc};
use omnicrm_core::ingest::{
    Direction, NormalizedEvent, Participant, ParticipantRole, RawEventInput, SyncProvider,
};
use omnicrm_core::interactions::InteractionKind;
use serde_json::{json, Value};

use crate::mime::{self, Mailbox};

/// Gmail labels whose mail the sync leaves out (stored as skipped, never an interaction).
pub const EXCLUDED_LABELS: [&str; 8] = [
    "CATEGORY_PROMOTIONS",
    "CATEGORY_SOCIAL",
    "CATEGORY_FORUMS",
    "CATEGORY_UPDATES",
    "CHAT",
    "DRAFT",
    "SPAM",
    "TRASH",
];

/// Whether mail with these labels is left out, and why.
pub fn excluded_by_labels(labels: &[String]) -> Option<String> {
    labels
        .iter()
        .find(|label| EXCLUDED_LABELS.contains(&label.as_str()))
        .map(|label| format!("labelled {label}"))
}

/// A fetched Gmail message (`format=full` JSON, kept as it came).
pub fn gmail_raw_event(source_id: &str, json: String, account_email: &str) -> RawEventInput {
    // Mail never changes once sent (labels aside, which the sync does not follow): no version.
    let raw = |normalized, skip_reason| {
        RawEventInput::unversioned(
            SyncProvider::Gmail,
            source_id,
            json.clone(),
            normalized,
            skip_reason,
        )
    };
    let parsed = match mime::parse_message(&json) {
        Ok(parsed) => parsed,
        Err(error) => return raw(None, Some(format!("unreadable: {}", error.message))),
    };
    if let Some(reason) = excluded_by_labels(&parsed.label_ids) {
        return raw(None, Some(reason));
    }
    let owner = account_email.trim().to_lowercase();
    let outbound = parsed.label_ids.iter().any(|label| label == "SENT")
        || parsed
            .from
            .iter()
            .any(|from| from.address.to_lowercase() == owner);
    let direction = if outbound {
        Direction::Outbound
    } else {
        Direction::Inbound
    };
    let occurred_at = parsed
        .internal_date_millis
        .and_then(DateTime::<Utc>::from_timestamp_millis)
        .or_else(|| {
            parsed
                .date_header
                .as_deref()
                .and_then(|date| DateTime::parse_from_rfc2822(date).ok())
                .map(|date| date.with_timezone(&Utc))
        })
        .unwrap_or_else(Utc::now);
    let mut participants = Vec::new();
    for (mailboxes, role) in [
        (&parsed.from, ParticipantRole::From),
        (&parsed.to, ParticipantRole::To),
        (&parsed.cc, ParticipantRole::Cc),
        (&parsed.bcc, ParticipantRole::Bcc),
    ] {
        participants.extend(mailboxes.iter().map(|mailbox| Participant {
            email: mailbox.address.clone(),
            name: mailbox.name.clone(),
            role,
        }));
    }
    let addresses = |mailboxes: &[Mailbox]| -> Vec<String> {
        mailboxes
            .iter()
            .map(|mailbox| mailbox.address.clone())
            .collect()
    };
    let metadata = json!({
        "thread_id": parsed.thread_id,
        "direction": direction,
        "labels": parsed.label_ids,
        "from": addresses(&parsed.from),
        "to": addresses(&parsed.to),
        "cc": addresses(&parsed.cc),
        "message_id": parsed.message_id_header,
    });
    let body = parsed
        .text
        .or(parsed.snippet)
        .filter(|text| !text.trim().is_empty());
    raw(
        Some(NormalizedEvent {
            kind: InteractionKind::Email,
            subject: parsed.subject,
            body,
            occurred_at: omnicrm_core::time::format_utc(occurred_at),
            duration_minutes: None,
            direction: Some(direction),
            participants,
            automated: parsed.automated,
            metadata,
        }),
        None,
    )
}

/// A `calendar#event` resource. Events change after they are synced, so each carries its
/// version: the `etag` (or, failing that, `updated`, or the status of a bare cancellation) and
/// the `updated` time that orders versions. A cancelled event (`status: "cancelled"`, which
/// incremental listings return and which is only guaranteed to have its `id`) is a removal.
pub fn calendar_raw_event(event: &Value, account_email: &str) -> Option<RawEventInput> {
    let source_id = event.get("id").and_then(Value::as_str)?.to_owned();
    let payload_json = event.to_string();
    let text = |key: &str| {
        event
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .map(str::to_owned)
    };
    let cancelled = text("status").as_deref() == Some("cancelled");
    let updated_at = text("updated")
        .as_deref()
        .and_then(omnicrm_core::time::parse_utc)
        .map(omnicrm_core::time::format_utc);
    let version = text("etag")
        .or_else(|| updated_at.clone())
        .or_else(|| cancelled.then(|| "cancelled".to_owned()));
    let raw = |normalized, skip_reason| RawEventInput {
        provider: SyncProvider::GoogleCalendar,
        source_id: source_id.clone(),
        payload_json: payload_json.clone(),
        normalized,
        skip_reason,
        version: version.clone(),
        updated_at: updated_at.clone(),
        removed: cancelled,
    };
    if cancelled {
        return Some(raw(None, None));
    }
    let (Some((start, all_day)), Some((end, _))) = (
        event.get("start").and_then(event_time),
        event.get("end").and_then(event_time),
    ) else {
        return Some(raw(None, Some("no start or end time".to_owned())));
    };
    let owner = account_email.trim().to_lowercase();
    let organizer = event
        .pointer("/organizer/email")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut participants = Vec::new();
    let mut attendees_metadata = Vec::new();
    if let Some(organizer) = &organizer {
        participants.push(Participant {
            email: organizer.clone(),
            name: event
                .pointer("/organizer/displayName")
                .and_then(Value::as_str)
                .map(str::to_owned),
            role: ParticipantRole::Organizer,
        });
    }
    let mut others = 0;
    for attendee in event
        .get("attendees")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(email) = attendee.get("email").and_then(Value::as_str) else {
            continue;
        };
        let is_room = attendee.get("resource").and_then(Value::as_bool) == Some(true);
        let is_self = attendee.get("self").and_then(Value::as_bool) == Some(true)
            || email.to_lowercase() == owner;
        let name = attendee
            .get("displayName")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let response = attendee
            .get("responseStatus")
            .and_then(Value::as_str)
            .unwrap_or("needsAction");
        attendees_metadata.push(json!({
            "email": email, "name": name, "response_status": response, "self": is_self,
        }));
        if is_room {
            continue;
        }
        if !is_self {
            others += 1;
        }
        participants.push(Participant {
            email: email.to_owned(),
            name,
            role: ParticipantRole::Attendee,
        });
    }
    let kind = if !all_day && others > 0 {
        InteractionKind::Meeting
    } else {
        InteractionKind::CalendarEvent
    };
    let minutes = (end - start).num_minutes().clamp(0, 24 * 60);
    let description = text("description").map(|description| {
        if description.contains('<') {
            mime::html_to_text(&description)
        } else {
            description
        }
    });
    let metadata = json!({
        "location": text("location"),
        "start": omnicrm_core::time::format_utc(start),
        "end": omnicrm_core::time::format_utc(end),
        "all_day": all_day,
        "attendees": attendees_metadata,
        "organizer": organizer,
        "html_link": text("htmlLink"),
        "status": text("status"),
        "recurring_event_id": text("recurringEventId"),
    });
    Some(raw(
        Some(NormalizedEvent {
            kind,
            subject: Some(text("summary").unwrap_or_else(|| "(no title)".to_owned())),
            body: description,
            occurred_at: omnicrm_core::time::format_utc(start),
            duration_minutes: u32::try_from(minutes).ok(),
            direction: None,
            participants,
            automated: false,
            metadata,
        }),
        None,
    ))
}

/// `{"dateTime": ...}` or, for whole-day events, `{"date": "YYYY-MM-DD"}` (midnight UTC).
fn event_time(value: &Value) -> Option<(DateTime<Utc>, bool)> {
    if let Some(text) = value.get("dateTime").and_then(Value::as_str) {
        return omnicrm_core::time::parse_utc(text).map(|time| (time, false));
    }
    let date =
        NaiveDate::parse_from_str(value.get("date").and_then(Value::as_str)?, "%Y-%m-%d").ok()?;
    Some((date.and_hms_opt(0, 0, 0)?.and_utc(), true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timed_event_with_guests_is_a_meeting_and_a_solo_one_is_not() {
        let meeting = json!({
            "id": "e1", "status": "confirmed", "summary": "Intake", "location": "Studio 2",
            "start": {"dateTime": "2026-11-23T10:00:00+01:00"},
            "end": {"dateTime": "2026-11-23T11:30:00+01:00"},
            "organizer": {"email": "me@practice.example", "self": true},
            "attendees": [
                {"email": "me@practice.example", "self": true, "responseStatus": "accepted"},
                {"email": "ada@example.com", "displayName": "Ada", "responseStatus": "accepted"},
                {"email": "room@resource.example", "resource": true},
            ],
        });
        let raw = calendar_raw_event(&meeting, "me@practice.example").expect("an event");
        let normalized = raw.normalized.expect("normalized");
        assert_eq!(normalized.kind, InteractionKind::Meeting);
        assert_eq!(normalized.occurred_at, "2026-11-23T09:00:00.000Z");
        assert_eq!(normalized.duration_minutes, Some(90));
        assert_eq!(normalized.metadata["location"], "Studio 2");
        assert!(normalized
            .participants
            .iter()
            .all(|participant| participant.email != "room@resource.example"));

        let solo = json!({
            "id": "e2", "summary": "Admin", "start": {"date": "2026-11-24"},
            "end": {"date": "2026-11-25"},
        });
        let raw = calendar_raw_event(&solo, "me@practice.example").expect("an event");
        assert_eq!(
            raw.normalized.expect("normalized").kind,
            InteractionKind::CalendarEvent
        );
    }

    #[test]
    fn a_cancelled_event_is_a_removal_even_with_nothing_but_its_id() {
        let bare = json!({"id": "e3", "status": "cancelled"});
        let raw = calendar_raw_event(&bare, "me@practice.example").expect("an event");
        assert!(raw.normalized.is_none());
        assert!(raw.removed);
        assert_eq!(raw.version.as_deref(), Some("cancelled"));
        assert_eq!(raw.updated_at, None);

        let full = json!({
            "id": "e3", "status": "cancelled", "etag": "\"42\"",
            "updated": "2026-11-23T10:00:00.5+01:00",
        });
        let raw = calendar_raw_event(&full, "me@practice.example").expect("an event");
        assert!(raw.removed);
        assert_eq!(raw.version.as_deref(), Some("\"42\""));
        assert_eq!(raw.updated_at.as_deref(), Some("2026-11-23T09:00:00.500Z"));
    }

    #[test]
    fn an_event_without_an_etag_is_versioned_by_its_update_time() {
        let event = json!({
            "id": "e4", "status": "confirmed", "summary": "Review",
            "updated": "2026-11-20T08:00:00Z",
            "start": {"dateTime": "2026-11-23T10:00:00Z"},
            "end": {"dateTime": "2026-11-23T11:00:00Z"},
        });
        let raw = calendar_raw_event(&event, "me@practice.example").expect("an event");
        assert!(!raw.removed);
        assert_eq!(raw.version.as_deref(), Some("2026-11-20T08:00:00.000Z"));
        assert_eq!(raw.updated_at.as_deref(), Some("2026-11-20T08:00:00.000Z"));
    }
}

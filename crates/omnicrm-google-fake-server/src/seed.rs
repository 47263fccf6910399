//! Deterministic bulk data for benchmarks and e2e runs: mail from a pool of correspondents in
//! every shape the sync handles (plain, multipart/alternative, HTML only, Latin-1, sent mail,
//! promotions), and meetings with them.

use chrono::{Duration, Utc};

use crate::model::{EventSpec, MessageBody, MessageSpec};
use crate::FakeGoogle;

/// The address of correspondent `number` of the pool.
pub fn correspondent(number: usize) -> String {
    format!("client{number:04}@practice-clients.example")
}

impl FakeGoogle {
    /// Adds `count` messages spread over the last 25 days, exchanged with `correspondents`
    /// people; every tenth is sent by the account, every twentieth is a promotion.
    pub fn seed_messages(&self, count: usize, correspondents: usize) -> Vec<String> {
        let owner = self.state().account_email.clone();
        let pool = correspondents.max(1);
        let now = Utc::now();
        (0..count)
            .map(|index| {
                let person = correspondent(index % pool);
                let subject = format!("Session notes {index}");
                let text = format!(
                    "Hello,\n\nthanks for the session number {index}. See you next week.\n\n\
                     Take care."
                );
                let date = now - Duration::minutes(((index * 53) % (25 * 24 * 60)) as i64 + 5);
                let spec = if index % 10 == 9 {
                    MessageSpec::sent(&owner, &person, &subject, &text)
                } else {
                    MessageSpec::received(
                        &format!("Client {index} <{person}>"),
                        &owner,
                        &subject,
                        &text,
                    )
                };
                let spec = match index % 4 {
                    1 => spec.body(MessageBody::Alternative {
                        html: format!("<p>{}</p>", text.replace('\n', "<br>")),
                        text,
                    }),
                    2 => spec.body(MessageBody::HtmlOnly(format!(
                        "<div><b>Hi</b> {text}</div>"
                    ))),
                    3 => spec.charset("iso-8859-1"),
                    _ => spec,
                };
                let spec = if index % 20 == 7 {
                    spec.labels(&["INBOX", "CATEGORY_PROMOTIONS"])
                } else {
                    spec
                };
                self.add_message(&spec.at(date))
            })
            .collect()
    }

    /// Adds `count` one-hour meetings over the next and last weeks.
    pub fn seed_events(&self, count: usize, correspondents: usize) -> Vec<String> {
        let pool = correspondents.max(1);
        (0..count)
            .map(|index| {
                let person = correspondent(index % pool);
                let days = (index % 14) as i64 - 7;
                self.add_event(
                    &EventSpec::meeting(&format!("Session {index}"), days, &[person.as_str()])
                        .location("Studio 2"),
                )
            })
            .collect()
    }
}

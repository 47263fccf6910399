//! The part of Gmail's search language the sync uses: `category:`, `in:`, `label:`,
//! `newer_than:` / `older_than:`, `from:`, `to:`, negation with `-`, and plain words (matched
//! against the subject). Like Gmail, spam and trash are left out unless the query asks for them.

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, PartialEq)]
enum Term {
    Label(String),
    Anywhere,
    NewerThan(Duration),
    OlderThan(Duration),
    From(String),
    To(String),
    Text(String),
}

/// A parsed query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GmailQuery {
    terms: Vec<(bool, Term)>,
}

/// What a query is matched against.
pub struct Searchable<'a> {
    pub labels: &'a [String],
    pub internal_date: DateTime<Utc>,
    pub from: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
}

impl GmailQuery {
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut terms = Vec::new();
        for word in text.split_whitespace() {
            let (negated, word) = match word.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, word),
            };
            let term = match word.split_once(':') {
                Some(("category", name)) => Term::Label(category_label(name)?),
                Some(("in", "anywhere")) => Term::Anywhere,
                Some(("in", name)) => Term::Label(in_label(name)?),
                Some(("label", name)) => Term::Label(name.to_uppercase()),
                Some(("newer_than", span)) => Term::NewerThan(span_of(span)?),
                Some(("older_than", span)) => Term::OlderThan(span_of(span)?),
                Some(("from", address)) => Term::From(address.to_lowercase()),
                Some(("to", address)) => Term::To(address.to_lowercase()),
                Some((operator, _)) => return Err(format!("unsupported operator '{operator}:'")),
                None => Term::Text(word.to_lowercase()),
            };
            terms.push((negated, term));
        }
        Ok(Self { terms })
    }

    pub fn matches(&self, item: &Searchable<'_>, now: DateTime<Utc>) -> bool {
        let asks_for = |label: &str| {
            self.terms.iter().any(|(negated, term)| {
                !negated && (term == &Term::Label(label.to_owned()) || term == &Term::Anywhere)
            })
        };
        for hidden in ["SPAM", "TRASH"] {
            if item.labels.iter().any(|label| label == hidden) && !asks_for(hidden) {
                return false;
            }
        }
        self.terms.iter().all(|(negated, term)| {
            let hit = match term {
                Term::Label(label) => item.labels.iter().any(|have| have == label),
                Term::Anywhere => true,
                Term::NewerThan(span) => item.internal_date > now - *span,
                Term::OlderThan(span) => item.internal_date < now - *span,
                Term::From(address) => item.from.to_lowercase().contains(address),
                Term::To(address) => item.to.to_lowercase().contains(address),
                Term::Text(word) => item.subject.to_lowercase().contains(word),
            };
            hit != *negated
        })
    }
}

fn category_label(name: &str) -> Result<String, String> {
    let label = match name.to_lowercase().as_str() {
        "primary" | "personal" => "CATEGORY_PERSONAL",
        "promotions" => "CATEGORY_PROMOTIONS",
        "social" => "CATEGORY_SOCIAL",
        "forums" => "CATEGORY_FORUMS",
        "updates" => "CATEGORY_UPDATES",
        other => return Err(format!("unknown category '{other}'")),
    };
    Ok(label.to_owned())
}

fn in_label(name: &str) -> Result<String, String> {
    let label = match name.to_lowercase().as_str() {
        "inbox" => "INBOX",
        "sent" => "SENT",
        "drafts" | "draft" => "DRAFT",
        "chats" | "chat" => "CHAT",
        "spam" => "SPAM",
        "trash" => "TRASH",
        "important" => "IMPORTANT",
        "starred" => "STARRED",
        other => return Err(format!("unknown location 'in:{other}'")),
    };
    Ok(label.to_owned())
}

fn span_of(text: &str) -> Result<Duration, String> {
    let unit = text.chars().last().ok_or("empty time span")?;
    let number: i64 = text
        .get(..text.len().saturating_sub(1))
        .and_then(|digits| digits.parse().ok())
        .ok_or_else(|| format!("bad time span '{text}'"))?;
    match unit {
        'd' => Ok(Duration::days(number)),
        'm' => Ok(Duration::days(number * 30)),
        'y' => Ok(Duration::days(number * 365)),
        _ => Err(format!("bad time span '{text}'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item<'a>(labels: &'a [String], days_ago: i64) -> Searchable<'a> {
        Searchable {
            labels,
            internal_date: Utc::now() - Duration::days(days_ago),
            from: "Ada <ada@example.com>",
            to: "me@example.com",
            subject: "Booking for Tuesday",
        }
    }

    #[test]
    fn the_default_sync_query_keeps_recent_primary_mail_only() {
        let query = GmailQuery::parse("category:primary -in:chats -in:drafts newer_than:30d")
            .expect("parses");
        let primary = vec!["INBOX".to_owned(), "CATEGORY_PERSONAL".to_owned()];
        let promotion = vec!["INBOX".to_owned(), "CATEGORY_PROMOTIONS".to_owned()];
        let draft = vec!["DRAFT".to_owned(), "CATEGORY_PERSONAL".to_owned()];
        let spam = vec!["SPAM".to_owned(), "CATEGORY_PERSONAL".to_owned()];
        let now = Utc::now();
        assert!(query.matches(&item(&primary, 3), now));
        assert!(!query.matches(&item(&primary, 40), now));
        assert!(!query.matches(&item(&promotion, 3), now));
        assert!(!query.matches(&item(&draft, 3), now));
        assert!(!query.matches(&item(&spam, 3), now));
    }

    #[test]
    fn unknown_operators_are_refused() {
        assert!(GmailQuery::parse("has:attachment").is_err());
        assert!(GmailQuery::parse("newer_than:soon").is_err());
    }
}

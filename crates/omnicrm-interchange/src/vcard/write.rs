//! Writing [`ContactRecord`]s as vCard 4.0.

use super::type_for_label;
use crate::record::{ContactRecord, LabeledValue};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// The longest line, in octets without the CRLF, before it is folded (RFC 6350 3.2).
const FOLD_OCTETS: usize = 75;

/// Writes records as vCard 4.0 with CRLF line endings and lines folded at 75 octets (never
/// inside a UTF-8 character). Labels that are not plain vCard TYPE values ("Gym") are written
/// as `itemN.` groups with `X-ABLabel`, as Apple does, so they read back unchanged. Photos are
/// written as `data:` URIs.
pub fn write_vcards(records: &[ContactRecord]) -> String {
    let mut output = String::new();
    for record in records {
        write_record(&mut output, record);
    }
    output
}

fn write_record(output: &mut String, record: &ContactRecord) {
    let mut group_counter = 0usize;
    push_line(output, "BEGIN:VCARD");
    push_line(output, "VERSION:4.0");
    push_line(output, &format!("FN:{}", escape(&record.display_name)));
    if record.given_name.is_some() || record.family_name.is_some() {
        push_line(
            output,
            &format!(
                "N:{};{};;;",
                escape_option(&record.family_name),
                escape_option(&record.given_name)
            ),
        );
    }
    if let Some(organization) = &record.organization {
        push_line(output, &format!("ORG:{}", escape(organization)));
    }
    if let Some(title) = &record.title {
        push_line(output, &format!("TITLE:{}", escape(title)));
    }
    for email in &record.emails {
        write_labeled(output, "EMAIL", email, &mut group_counter);
    }
    for phone in &record.phones {
        write_labeled(output, "TEL", phone, &mut group_counter);
    }
    for address in &record.addresses {
        let value = format!(
            ";;{};{};{};{};{}",
            escape_option(&address.street),
            escape_option(&address.city),
            escape_option(&address.region),
            escape_option(&address.postal_code),
            escape_option(&address.country)
        );
        let (prefix, parameters) = label_parameters(address.label.as_deref(), &mut group_counter);
        push_line(output, &format!("{prefix}ADR{parameters}:{value}"));
        write_group_label(output, address.label.as_deref(), &prefix);
    }
    if let Some(birthday) = &record.birthday {
        // RFC 6350 dates are written without dashes: 19850412, or --0412 without a year.
        let value = match birthday.strip_prefix("--") {
            Some(month_day) => format!("--{}", month_day.replace('-', "")),
            None => birthday.replace('-', ""),
        };
        push_line(output, &format!("BDAY:{value}"));
    }
    if let Some(note) = &record.note {
        push_line(output, &format!("NOTE:{}", escape(note)));
    }
    if !record.categories.is_empty() {
        let categories: Vec<String> = record.categories.iter().map(|c| escape(c)).collect();
        push_line(output, &format!("CATEGORIES:{}", categories.join(",")));
    }
    for url in &record.urls {
        push_line(output, &format!("URL:{}", escape_uri(url)));
    }
    if let Some(photo) = &record.photo {
        push_line(
            output,
            &format!(
                "PHOTO:data:{};base64,{}",
                photo.media_type,
                STANDARD.encode(&photo.data)
            ),
        );
    }
    push_line(output, "END:VCARD");
}

fn write_labeled(output: &mut String, name: &str, value: &LabeledValue, counter: &mut usize) {
    let (prefix, mut parameters) = label_parameters(value.label.as_deref(), counter);
    if value.preferred {
        parameters.push_str(";PREF=1");
    }
    push_line(
        output,
        &format!("{prefix}{name}{parameters}:{}", escape(&value.value)),
    );
    write_group_label(output, value.label.as_deref(), &prefix);
}

/// `("", ";TYPE=home")` for plain labels, `("item3.", "")` for custom ones.
fn label_parameters(label: Option<&str>, counter: &mut usize) -> (String, String) {
    match label {
        None => (String::new(), String::new()),
        Some(label) => match type_for_label(label) {
            Some(token) => (String::new(), format!(";TYPE={token}")),
            None => {
                *counter += 1;
                (format!("item{counter}."), String::new())
            }
        },
    }
}

fn write_group_label(output: &mut String, label: Option<&str>, prefix: &str) {
    if let (Some(label), false) = (label, prefix.is_empty()) {
        push_line(output, &format!("{prefix}X-ABLabel:{}", escape(label)));
    }
}

fn escape_option(value: &Option<String>) -> String {
    value.as_deref().map(escape).unwrap_or_default()
}

/// vCard text escaping: backslash, comma, semicolon and line breaks.
fn escape(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    let mut characters = value.chars().peekable();
    while let Some(character) = characters.next() {
        match character {
            '\\' => escaped.push_str("\\\\"),
            ',' => escaped.push_str("\\,"),
            ';' => escaped.push_str("\\;"),
            '\n' => escaped.push_str("\\n"),
            '\r' => {
                if characters.peek() != Some(&'\n') {
                    escaped.push_str("\\n");
                }
            }
            other => escaped.push(other),
        }
    }
    escaped
}

/// URIs keep their commas and semicolons; only backslashes and line breaks are escaped.
fn escape_uri(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace("\r\n", "\\n")
        .replace('\n', "\\n")
}

/// Appends one content line, folded at 75 octets on UTF-8 character boundaries, with CRLF.
fn push_line(output: &mut String, line: &str) {
    let mut rest = line;
    let mut limit = FOLD_OCTETS;
    loop {
        if rest.len() <= limit {
            output.push_str(rest);
            output.push_str("\r\n");
            return;
        }
        let mut cut = limit;
        while cut > 0 && !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (head, tail) = rest.split_at(cut);
        output.push_str(head);
        output.push_str("\r\n ");
        rest = tail;
        // Continuation lines start with a space, which counts towards the 75 octets.
        limit = FOLD_OCTETS - 1;
    }
}

#[cfg(test)]
mod tests {
    use super::push_line;

    #[test]
    fn folding_keeps_characters_whole_and_lines_short() {
        let mut output = String::new();
        let line = format!("NOTE:{}", "Zoë ".repeat(40));
        push_line(&mut output, &line);
        for physical in output.split("\r\n").filter(|part| !part.is_empty()) {
            assert!(
                physical.len() <= 75,
                "{} octets: {physical}",
                physical.len()
            );
        }
        assert_eq!(output.replace("\r\n ", ""), format!("{line}\r\n"));
    }
}

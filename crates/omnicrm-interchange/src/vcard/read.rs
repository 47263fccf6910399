//! Reading vCard text into [`ContactRecord`]s.

use super::{label_for_type, media_type_for};
use crate::error::{FormatError, FormatErrorKind, Location};
use crate::record::{
    non_empty, normalize_birthday, ContactRecord, LabeledValue, ParsedContacts, Photo,
    PostalAddress,
};
use crate::text::check_text;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use std::collections::HashMap;

/// Base64 that accepts data with or without `=` padding, as exporters vary.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// One unfolded content line: `[group.]NAME;PARAM=VALUE:value`.
struct ContentLine {
    line: usize,
    group: Option<String>,
    /// Upper-cased property name.
    name: String,
    /// Parameters with upper-cased names; bare vCard 2.1 parameters (`CELL`) are stored
    /// under `TYPE`, and `QUOTED-PRINTABLE`/`BASE64` under `ENCODING`.
    parameters: Vec<(String, String)>,
    value: String,
}

impl ContentLine {
    fn parameter_values<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> + 'a {
        let name = name.to_string();
        self.parameters
            .iter()
            .filter(move |(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }

    fn parameter(&self, name: &str) -> Option<&str> {
        self.parameter_values(name).next()
    }

    fn has_encoding(&self, encoding: &[&str]) -> bool {
        self.parameter_values("ENCODING").any(|value| {
            encoding
                .iter()
                .any(|wanted| value.eq_ignore_ascii_case(wanted))
        })
    }

    /// TYPE tokens, split on commas (`TYPE=HOME,WORK` and `TYPE=home;TYPE=pref` alike).
    fn types(&self) -> Vec<String> {
        self.parameter_values("TYPE")
            .flat_map(|value| value.split(','))
            .map(|token| token.trim().to_string())
            .filter(|token| !token.is_empty())
            .collect()
    }

    /// The value as text: quoted-printable decoded, in its CHARSET, line breaks as `\n`;
    /// still escaped.
    fn decoded_value(&self) -> String {
        if !self.has_encoding(&["QUOTED-PRINTABLE", "QP"]) {
            return self.value.clone();
        }
        let bytes =
            quoted_printable::decode(self.value.as_bytes(), quoted_printable::ParseMode::Robust)
                .unwrap_or_else(|_| self.value.as_bytes().to_vec());
        let encoding = self
            .parameter("CHARSET")
            .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
            .unwrap_or(encoding_rs::UTF_8);
        let (text, _, _) = encoding.decode(&bytes);
        text.replace("\r\n", "\n")
    }
}

/// Parses every vCard in `text` (2.1, 3.0 and 4.0 may be mixed).
///
/// Records are located by the line of their `BEGIN:VCARD`. A card with no name, email or
/// phone becomes a [`crate::RecordProblem`]. A `BEGIN:VCARD` without `END:VCARD` fails the
/// whole file with [`FormatErrorKind::Truncated`] naming the line. Photos given only as a URL
/// are not fetched and are left out; a photo whose base64 is damaged is left out too.
pub fn parse_vcards(text: &str) -> Result<ParsedContacts, FormatError> {
    ParsedContacts::read_all(crate::reader::ContactReader::vcard(text)?)
}

/// Reads the cards of a vCard text one at a time (see [`parse_vcards`]): each card's record
/// with the location of its `BEGIN:VCARD`, or the error that fails the whole file.
pub(crate) struct VcardReader<'a> {
    lines: ContentLines<'a>,
    current: Option<(usize, Vec<ContentLine>)>,
    saw_card: bool,
    finished: bool,
}

impl<'a> VcardReader<'a> {
    pub fn open(text: &'a str) -> Result<Self, FormatError> {
        check_text(text)?;
        Ok(Self {
            lines: ContentLines {
                physical: text.split('\n').enumerate(),
                pending: None,
            },
            current: None,
            saw_card: false,
            finished: false,
        })
    }
}

impl Iterator for VcardReader<'_> {
    type Item = Result<(Location, ContactRecord), FormatError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        for line in self.lines.by_ref() {
            if line.name == "BEGIN" && line.value.trim().eq_ignore_ascii_case("VCARD") {
                if let Some((start, _)) = &self.current {
                    self.finished = true;
                    return Some(Err(truncated(*start)));
                }
                self.current = Some((line.line, Vec::new()));
                self.saw_card = true;
            } else if line.name == "END" && line.value.trim().eq_ignore_ascii_case("VCARD") {
                if let Some((start, properties)) = self.current.take() {
                    return Some(Ok((Location::line(start), build_record(&properties))));
                }
            } else if let Some((_, properties)) = self.current.as_mut() {
                properties.push(line);
            }
        }
        self.finished = true;
        if let Some((start, _)) = self.current.take() {
            return Some(Err(truncated(start)));
        }
        if !self.saw_card {
            return Some(Err(FormatError::new(
                FormatErrorKind::UnknownFormat,
                "the file has no BEGIN:VCARD line, so it is not a vCard file",
            )));
        }
        None
    }
}

fn truncated(start: usize) -> FormatError {
    FormatError::at(
        FormatErrorKind::Truncated,
        Location::line(start),
        "vCard started here has no END:VCARD",
    )
}

/// The unfolded content lines of a text, one at a time. Folding (a line starting with space
/// or tab continues the previous one) and quoted-printable soft line breaks (`=` at the end
/// of a quoted-printable value) are undone. Lines that are not content lines are skipped.
struct ContentLines<'a> {
    physical: std::iter::Enumerate<std::str::Split<'a, char>>,
    /// The logical line being gathered, with the number of its first physical line.
    pending: Option<(usize, String)>,
}

impl Iterator for ContentLines<'_> {
    type Item = ContentLine;

    fn next(&mut self) -> Option<ContentLine> {
        loop {
            let Some((index, raw)) = self.physical.next() else {
                let (line, logical) = self.pending.take()?;
                return parse_content_line(line, &logical);
            };
            let physical = raw.strip_suffix('\r').unwrap_or(raw);
            if let Some((_, logical)) = self.pending.as_mut() {
                if let Some(rest) = physical
                    .strip_prefix(' ')
                    .or_else(|| physical.strip_prefix('\t'))
                {
                    logical.push_str(rest);
                    continue;
                }
                if is_quoted_printable_soft_break(logical) {
                    logical.pop();
                    logical.push_str(physical);
                    continue;
                }
            }
            let finished = self.pending.take();
            if !physical.trim().is_empty() {
                self.pending = Some((index + 1, physical.to_string()));
            }
            if let Some(content) =
                finished.and_then(|(line, logical)| parse_content_line(line, &logical))
            {
                return Some(content);
            }
        }
    }
}

fn is_quoted_printable_soft_break(logical: &str) -> bool {
    if !logical.ends_with('=') {
        return false;
    }
    match find_value_colon(logical) {
        Some(colon) => logical
            .get(..colon)
            .is_some_and(|head| head.to_ascii_uppercase().contains("QUOTED-PRINTABLE")),
        None => false,
    }
}

/// The position of the colon that ends the name and parameters (colons inside
/// double-quoted parameter values do not count).
fn find_value_colon(logical: &str) -> Option<usize> {
    let mut quoted = false;
    for (position, character) in logical.char_indices() {
        match character {
            '"' => quoted = !quoted,
            ':' if !quoted => return Some(position),
            _ => {}
        }
    }
    None
}

/// Splits on `separator` outside double quotes.
fn split_outside_quotes(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (position, character) in text.char_indices() {
        if character == '"' {
            quoted = !quoted;
        } else if character == separator && !quoted {
            parts.push(text.get(start..position).unwrap_or_default());
            start = position + character.len_utf8();
        }
    }
    parts.push(text.get(start..).unwrap_or_default());
    parts
}

fn parse_content_line(line: usize, logical: &str) -> Option<ContentLine> {
    let colon = find_value_colon(logical)?;
    let head = logical.get(..colon)?;
    let value = logical.get(colon + 1..)?.to_string();
    let mut pieces = split_outside_quotes(head, ';').into_iter();
    let full_name = pieces.next()?.trim();
    let (group, name) = match full_name.rsplit_once('.') {
        Some((group, name)) => (Some(group.to_ascii_lowercase()), name),
        None => (None, full_name),
    };
    if name.is_empty() {
        return None;
    }
    let mut parameters = Vec::new();
    for piece in pieces {
        let piece = piece.trim();
        if piece.is_empty() {
            continue;
        }
        match piece.split_once('=') {
            Some((key, parameter_value)) => {
                let key = key.trim().to_ascii_uppercase();
                for single in split_outside_quotes(parameter_value, ',') {
                    let single = single.trim().trim_matches('"').to_string();
                    parameters.push((key.clone(), single));
                }
            }
            None => {
                let upper = piece.to_ascii_uppercase();
                let key = match upper.as_str() {
                    "QUOTED-PRINTABLE" | "BASE64" | "B" | "8BIT" | "7BIT" => "ENCODING",
                    _ => "TYPE",
                };
                parameters.push((key.to_string(), piece.to_string()));
            }
        }
    }
    Some(ContentLine {
        line,
        group,
        name: name.to_ascii_uppercase(),
        parameters,
        value,
    })
}

/// Splits an escaped value on an unescaped separator, keeping escapes in the parts.
fn split_escaped(value: &str, separator: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut characters = value.chars();
    while let Some(character) = characters.next() {
        if character == '\\' {
            current.push(character);
            if let Some(next) = characters.next() {
                current.push(next);
            }
        } else if character == separator {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(character);
        }
    }
    parts.push(current);
    parts
}

/// Undoes vCard text escaping: `\n` `\N` `\,` `\;` `\:` `\\`.
fn unescape(value: &str) -> String {
    let mut result = String::with_capacity(value.len());
    let mut characters = value.chars();
    while let Some(character) = characters.next() {
        if character != '\\' {
            result.push(character);
            continue;
        }
        match characters.next() {
            Some('n') | Some('N') => result.push('\n'),
            Some(next @ (',' | ';' | ':' | '\\')) => result.push(next),
            Some(other) => {
                result.push('\\');
                result.push(other);
            }
            None => result.push('\\'),
        }
    }
    result
}

fn text_value(line: &ContentLine) -> Option<String> {
    non_empty(&unescape(&line.decoded_value()))
}

/// Structured value components (N, ADR, ORG), unescaped.
fn components(line: &ContentLine) -> Vec<Option<String>> {
    split_escaped(&line.decoded_value(), ';')
        .iter()
        .map(|part| non_empty(&unescape(part)))
        .collect()
}

fn component(parts: &[Option<String>], index: usize) -> Option<String> {
    parts.get(index).cloned().flatten()
}

/// Apple writes built-in labels as `_$!<Mobile>!$_`; custom labels as they are.
fn apple_label(raw: &str) -> Option<String> {
    let label = unescape(raw.trim());
    match label
        .strip_prefix("_$!<")
        .and_then(|rest| rest.strip_suffix(">!$_"))
    {
        Some(inner) => label_for_type(inner),
        None => non_empty(&label),
    }
}

fn labeled_value(
    line: &ContentLine,
    group_labels: &HashMap<String, String>,
) -> Option<LabeledValue> {
    let value = text_value(line)?;
    let value = if line.name == "TEL" {
        value
            .strip_prefix("tel:")
            .map(str::to_string)
            .unwrap_or(value)
    } else {
        value
            .strip_prefix("mailto:")
            .map(str::to_string)
            .unwrap_or(value)
    };
    let types = line.types();
    let preferred = types.iter().any(|token| token.eq_ignore_ascii_case("pref"))
        || line.parameter("PREF").is_some();
    let group_label = line
        .group
        .as_ref()
        .and_then(|group| group_labels.get(group))
        .cloned();
    let label = group_label.or_else(|| types.iter().find_map(|token| label_for_type(token)));
    Some(LabeledValue {
        value,
        label,
        preferred,
    })
}

fn photo(line: &ContentLine) -> Option<Photo> {
    let value = line.value.trim();
    if let Some(uri) = value.strip_prefix("data:") {
        let (header, data) = uri.split_once(',')?;
        let media_type = header
            .split(';')
            .next()
            .filter(|media| !media.is_empty())
            .map(str::to_ascii_lowercase)
            .unwrap_or_else(|| "image/jpeg".to_string());
        if !header.to_ascii_lowercase().ends_with(";base64") {
            return None;
        }
        return decode_photo(media_type, data);
    }
    if !line.has_encoding(&["B", "BASE64"]) {
        return None;
    }
    let media_type = line
        .parameter("MEDIATYPE")
        .map(str::to_string)
        .or_else(|| line.types().first().map(|token| media_type_for(token)))
        .unwrap_or_else(|| "image/jpeg".to_string());
    decode_photo(media_type, value)
}

fn decode_photo(media_type: String, data: &str) -> Option<Photo> {
    let compact: String = data.chars().filter(|c| !c.is_whitespace()).collect();
    let data = LENIENT_BASE64.decode(compact).ok()?;
    (!data.is_empty()).then_some(Photo { media_type, data })
}

fn birthday(line: &ContentLine) -> Option<String> {
    let normalized = normalize_birthday(&line.decoded_value())?;
    // Apple writes a birthday without a year as 1604-MM-DD with X-APPLE-OMIT-YEAR=1604.
    match (line.parameter("X-APPLE-OMIT-YEAR"), normalized.get(5..)) {
        (Some(year), Some(month_day)) if normalized.starts_with(year) => {
            Some(format!("--{month_day}"))
        }
        _ => Some(normalized),
    }
}

fn build_record(properties: &[ContentLine]) -> ContactRecord {
    let group_labels: HashMap<String, String> = properties
        .iter()
        .filter(|line| line.name == "X-ABLABEL")
        .filter_map(|line| Some((line.group.clone()?, apple_label(&line.value)?)))
        .collect();
    let mut record = ContactRecord::default();
    let mut formatted_name = None;
    for line in properties {
        match line.name.as_str() {
            "FN" => formatted_name = formatted_name.or_else(|| text_value(line)),
            "N" => {
                let parts = components(line);
                record.family_name = record.family_name.take().or(component(&parts, 0));
                record.given_name = record.given_name.take().or(component(&parts, 1));
            }
            "ORG" => {
                record.organization = record
                    .organization
                    .take()
                    .or_else(|| component(&components(line), 0));
            }
            "TITLE" => record.title = record.title.take().or_else(|| text_value(line)),
            "EMAIL" => record.emails.extend(labeled_value(line, &group_labels)),
            "TEL" => record.phones.extend(labeled_value(line, &group_labels)),
            "ADR" => {
                let parts = components(line);
                let label = line
                    .group
                    .as_ref()
                    .and_then(|group| group_labels.get(group))
                    .cloned()
                    .or_else(|| line.types().iter().find_map(|token| label_for_type(token)));
                let address = PostalAddress {
                    label,
                    street: component(&parts, 2),
                    city: component(&parts, 3),
                    region: component(&parts, 4),
                    postal_code: component(&parts, 5),
                    country: component(&parts, 6),
                };
                if !address.is_empty() {
                    record.addresses.push(address);
                }
            }
            "BDAY" => record.birthday = record.birthday.take().or_else(|| birthday(line)),
            "NOTE" => {
                if let Some(note) = text_value(line) {
                    record.note = Some(match record.note.take() {
                        Some(earlier) => format!("{earlier}\n{note}"),
                        None => note,
                    });
                }
            }
            "PHOTO" => record.photo = record.photo.take().or_else(|| photo(line)),
            "CATEGORIES" => {
                for category in split_escaped(&line.decoded_value(), ',') {
                    if let Some(category) = non_empty(&unescape(&category)) {
                        if !record.categories.contains(&category) {
                            record.categories.push(category);
                        }
                    }
                }
            }
            "URL" => record.urls.extend(text_value(line)),
            _ => {}
        }
    }
    record.display_name = formatted_name.unwrap_or_default();
    record
}

#[cfg(test)]
mod tests {
    use super::{split_escaped, unescape};

    #[test]
    fn escapes_are_undone_after_splitting() {
        let parts = split_escaped(r"Main St\; Apt 4;Springfield\, East;", ';');
        assert_eq!(parts, vec![r"Main St\; Apt 4", r"Springfield\, East", ""]);
        assert_eq!(unescape(r"a\nb\\c\,d"), "a\nb\\c,d");
    }
}

//! Google Contacts CSV: reading both header styles and writing the current one.
//!
//! Current exports have "First Name", "Last Name", "Labels", "E-mail 1 - Label",
//! "E-mail 1 - Value", ...; older ones have "Name", "Given Name", "Family Name",
//! "Group Membership", "E-mail 1 - Type", "E-mail 1 - Value", ... Several values in one cell
//! are separated by " ::: ", and a label starting with "* " marks the primary value.

use crate::error::FormatError;
use crate::record::{
    fallback_display_name, non_empty, normalize_birthday, ContactRecord, LabeledValue,
    ParsedContacts, PostalAddress,
};
use crate::table::{write_line, TableRow};
use std::collections::{BTreeMap, HashMap};

/// Separator between several values in one Google cell.
const MULTI_VALUE_SEPARATOR: &str = " ::: ";

/// The system group every Google contact belongs to; not a category.
const MY_CONTACTS: &str = "* myContacts";

/// Labels Google writes in Title Case and this crate reads in lower case.
const KNOWN_LABELS: [&str; 9] = [
    "home",
    "work",
    "mobile",
    "other",
    "main",
    "pager",
    "home fax",
    "work fax",
    "other fax",
];

/// Parses a Google Contacts CSV export (current or older header style). Rows are located by
/// CSV row, the header being row 1.
pub fn parse_google_csv(text: &str) -> Result<ParsedContacts, FormatError> {
    ParsedContacts::read_all(crate::reader::ContactReader::google_csv(text)?)
}

/// Column positions of a Google header row.
pub(crate) struct GoogleColumns {
    named: HashMap<String, usize>,
    /// ("E-mail", 1) → {"Value": 17, "Label": 16}
    numbered: BTreeMap<(String, usize), HashMap<String, usize>>,
}

impl GoogleColumns {
    pub fn new(headers: &[String]) -> Self {
        let mut named = HashMap::new();
        let mut numbered: BTreeMap<(String, usize), HashMap<String, usize>> = BTreeMap::new();
        for (index, header) in headers.iter().enumerate() {
            named.entry(header.clone()).or_insert(index);
            if let Some((kind, number, part)) = split_numbered(header) {
                numbered
                    .entry((kind, number))
                    .or_default()
                    .insert(part, index);
            }
        }
        GoogleColumns { named, numbered }
    }

    fn first(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|name| self.named.get(*name).copied())
    }

    fn groups<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a HashMap<String, usize>> {
        self.numbered
            .iter()
            .filter(move |((group_kind, _), _)| group_kind == kind)
            .map(|(_, parts)| parts)
    }

    /// The row's record, named from its name columns when it has no name of its own.
    pub fn named_record(&self, row: &TableRow) -> ContactRecord {
        let (mut record, middle_name) = self.record(row);
        if record.display_name.is_empty() {
            record.display_name = fallback_display_name(&record, middle_name.as_deref());
        }
        record
    }

    fn record(&self, row: &TableRow) -> (ContactRecord, Option<String>) {
        let cell = |names: &[&str]| non_empty(row.cell(self.first(names)));
        let mut record = ContactRecord {
            display_name: cell(&["Name", "File As"]).unwrap_or_default(),
            given_name: cell(&["First Name", "Given Name"]),
            family_name: cell(&["Last Name", "Family Name"]),
            organization: cell(&["Organization Name", "Organization 1 - Name"]),
            title: cell(&["Organization Title", "Organization 1 - Title"]),
            birthday: cell(&["Birthday"]).and_then(|birthday| normalize_birthday(&birthday)),
            note: cell(&["Notes"]).map(|note| note.replace("\r\n", "\n")),
            ..ContactRecord::default()
        };
        let middle_name = cell(&["Middle Name", "Additional Name"]);
        if let Some(labels) = cell(&["Labels", "Group Membership"]) {
            record.categories = split_multi(&labels)
                .filter(|label| !is_my_contacts(label))
                .collect();
        }
        record.emails = self.labeled_values(row, "E-mail");
        record.phones = self.labeled_values(row, "Phone");
        for parts in self.groups("Address") {
            let part = |name: &str| non_empty(row.cell(parts.get(name).copied()));
            let (label, _) =
                read_label(row.cell(parts.get("Label").or(parts.get("Type")).copied()));
            let mut address = PostalAddress {
                label,
                street: part("Street"),
                city: part("City"),
                region: part("Region"),
                postal_code: part("Postal Code"),
                country: part("Country"),
            };
            if address.is_empty() {
                address.street = part("Formatted");
            }
            if !address.is_empty() {
                record.addresses.push(address);
            }
        }
        for parts in self.groups("Website") {
            record
                .urls
                .extend(split_multi(row.cell(parts.get("Value").copied())));
        }
        (record, middle_name)
    }

    fn labeled_values(&self, row: &TableRow, kind: &str) -> Vec<LabeledValue> {
        let mut values = Vec::new();
        for parts in self.groups(kind) {
            let (label, preferred) =
                read_label(row.cell(parts.get("Label").or(parts.get("Type")).copied()));
            for (position, value) in split_multi(row.cell(parts.get("Value").copied())).enumerate()
            {
                values.push(LabeledValue {
                    value,
                    label: label.clone(),
                    preferred: preferred && position == 0,
                });
            }
        }
        values
    }
}

/// "E-mail 2 - Value" → ("E-mail", 2, "Value").
fn split_numbered(header: &str) -> Option<(String, usize, String)> {
    let (left, part) = header.split_once(" - ")?;
    let (kind, number) = left.rsplit_once(' ')?;
    let number = number.parse().ok()?;
    Some((kind.to_string(), number, part.to_string()))
}

fn split_multi(cell: &str) -> impl Iterator<Item = String> + '_ {
    cell.split(MULTI_VALUE_SEPARATOR).filter_map(non_empty)
}

fn is_my_contacts(label: &str) -> bool {
    let compact: String = label
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    compact == "*mycontacts"
}

/// "* Home" → (Some("home"), preferred); custom labels keep their case.
fn read_label(cell: &str) -> (Option<String>, bool) {
    let trimmed = cell.trim();
    let (rest, preferred) = match trimmed.strip_prefix('*') {
        Some(rest) => (rest.trim(), true),
        None => (trimmed, false),
    };
    let lower = rest.to_lowercase();
    let label = if KNOWN_LABELS.contains(&lower.as_str()) {
        Some(lower)
    } else {
        non_empty(rest)
    };
    (label, preferred)
}

fn write_label(label: Option<&str>, preferred: bool) -> String {
    let written = match label {
        Some(label) if KNOWN_LABELS.contains(&label) => title_case(label),
        Some(label) => label.to_string(),
        None => String::new(),
    };
    match (preferred, written.is_empty()) {
        (true, true) => "*".to_string(),
        (true, false) => format!("* {written}"),
        (false, _) => written,
    }
}

fn title_case(label: &str) -> String {
    label
        .split(' ')
        .map(|word| {
            let mut characters = word.chars();
            match characters.next() {
                Some(first) => first.to_uppercase().chain(characters).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<String>>()
        .join(" ")
}

/// Writes records as a Google Contacts CSV in the current header style, with as many
/// numbered E-mail, Phone, Address and Website columns as the widest record needs.
///
/// The display name goes to "File As" only when it differs from the name Google would build
/// from the other columns, so reading the file back gives the same record. Photos are not
/// carried (Google's "Photo" column holds a URL).
pub fn write_google_csv(records: &[ContactRecord]) -> String {
    let widest = |count: fn(&ContactRecord) -> usize| records.iter().map(count).max().unwrap_or(0);
    let email_columns = widest(|record| record.emails.len());
    let phone_columns = widest(|record| record.phones.len());
    let address_columns = widest(|record| record.addresses.len());
    let website_columns = widest(|record| record.urls.len());

    let mut headers: Vec<String> = [
        "First Name",
        "Middle Name",
        "Last Name",
        "Name Prefix",
        "Name Suffix",
        "Nickname",
        "File As",
        "Organization Name",
        "Organization Title",
        "Organization Department",
        "Birthday",
        "Notes",
        "Photo",
        "Labels",
    ]
    .iter()
    .map(|header| header.to_string())
    .collect();
    for number in 1..=email_columns {
        headers.push(format!("E-mail {number} - Label"));
        headers.push(format!("E-mail {number} - Value"));
    }
    for number in 1..=phone_columns {
        headers.push(format!("Phone {number} - Label"));
        headers.push(format!("Phone {number} - Value"));
    }
    for number in 1..=address_columns {
        for part in [
            "Label",
            "Formatted",
            "Street",
            "City",
            "PO Box",
            "Region",
            "Postal Code",
            "Country",
            "Extended Address",
        ] {
            headers.push(format!("Address {number} - {part}"));
        }
    }
    for number in 1..=website_columns {
        headers.push(format!("Website {number} - Label"));
        headers.push(format!("Website {number} - Value"));
    }

    let mut output = write_line(&headers);
    for record in records {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        let built_name = fallback_display_name(
            &ContactRecord {
                display_name: String::new(),
                ..record.clone()
            },
            None,
        );
        let file_as = if record.display_name == built_name {
            String::new()
        } else {
            record.display_name.clone()
        };
        let labels = std::iter::once(MY_CONTACTS.to_string())
            .chain(record.categories.iter().cloned())
            .collect::<Vec<_>>()
            .join(MULTI_VALUE_SEPARATOR);
        let mut cells = vec![
            text(&record.given_name),
            String::new(),
            text(&record.family_name),
            String::new(),
            String::new(),
            String::new(),
            file_as,
            text(&record.organization),
            text(&record.title),
            String::new(),
            text(&record.birthday),
            text(&record.note),
            String::new(),
            labels,
        ];
        push_labeled(&mut cells, &record.emails, email_columns);
        push_labeled(&mut cells, &record.phones, phone_columns);
        for number in 0..address_columns {
            match record.addresses.get(number) {
                Some(address) => {
                    let formatted = [
                        &address.street,
                        &address.city,
                        &address.region,
                        &address.postal_code,
                        &address.country,
                    ]
                    .into_iter()
                    .flatten()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n");
                    cells.extend([
                        write_label(address.label.as_deref(), false),
                        formatted,
                        text(&address.street),
                        text(&address.city),
                        String::new(),
                        text(&address.region),
                        text(&address.postal_code),
                        text(&address.country),
                        String::new(),
                    ]);
                }
                None => cells.extend(std::iter::repeat_n(String::new(), 9)),
            }
        }
        for number in 0..website_columns {
            cells.push(String::new());
            cells.push(record.urls.get(number).cloned().unwrap_or_default());
        }
        output.push_str(&write_line(&cells));
    }
    output
}

fn push_labeled(cells: &mut Vec<String>, values: &[LabeledValue], columns: usize) {
    for number in 0..columns {
        match values.get(number) {
            Some(value) => {
                cells.push(write_label(value.label.as_deref(), value.preferred));
                cells.push(value.value.clone());
            }
            None => {
                cells.push(String::new());
                cells.push(String::new());
            }
        }
    }
}

//! Outlook CSV exports ("First Name, Middle Name, Last Name, Title, Suffix, ..., E-mail
//! Address, ..., Mobile Phone, Business Phone, ..., Categories, Notes").
//!
//! In Outlook's header "Title" is the name prefix (Mr., Dr.) and "Job Title" the job title.
//! Birthdays are written as M/D/YYYY, with "0/0/00" for none. Categories are separated by `;`.

use crate::error::FormatError;
use crate::record::{
    fallback_display_name, non_empty, normalize_birthday, ContactRecord, LabeledValue,
    ParsedContacts, PostalAddress,
};
use crate::table::TableRow;
use std::collections::HashMap;

/// Outlook phone columns and the label each gets.
const PHONE_COLUMNS: [(&str, &str); 14] = [
    ("Primary Phone", "main"),
    ("Mobile Phone", "mobile"),
    ("Home Phone", "home"),
    ("Home Phone 2", "home"),
    ("Business Phone", "work"),
    ("Business Phone 2", "work"),
    ("Company Main Phone", "company main"),
    ("Other Phone", "other"),
    ("Home Fax", "home fax"),
    ("Business Fax", "work fax"),
    ("Other Fax", "other fax"),
    ("Pager", "pager"),
    ("Car Phone", "car"),
    ("Assistant's Phone", "assistant"),
];

/// Outlook address column prefixes and the label each gets.
const ADDRESS_PREFIXES: [(&str, &str); 3] =
    [("Home", "home"), ("Business", "work"), ("Other", "other")];

/// Parses an Outlook CSV export. Rows are located by CSV row, the header being row 1.
pub fn parse_outlook_csv(text: &str) -> Result<ParsedContacts, FormatError> {
    ParsedContacts::read_all(crate::reader::ContactReader::outlook_csv(text)?)
}

/// Column positions of an Outlook header row.
pub(crate) struct OutlookColumns {
    columns: HashMap<String, usize>,
}

impl OutlookColumns {
    pub fn new(headers: &[String]) -> Self {
        let mut columns = HashMap::new();
        for (index, header) in headers.iter().enumerate() {
            // The last of two columns with one name wins, as it always has.
            columns.insert(header.clone(), index);
        }
        Self { columns }
    }

    pub fn record(&self, row: &TableRow) -> ContactRecord {
        let cell = |name: &str| non_empty(row.cell(self.columns.get(name).copied()));
        let mut record = ContactRecord {
            given_name: cell("First Name"),
            family_name: cell("Last Name"),
            organization: cell("Company"),
            title: cell("Job Title"),
            birthday: cell("Birthday").and_then(|birthday| normalize_birthday(&birthday)),
            note: cell("Notes").map(|note| note.replace("\r\n", "\n")),
            ..ContactRecord::default()
        };
        for name in ["E-mail Address", "E-mail 2 Address", "E-mail 3 Address"] {
            record
                .emails
                .extend(cell(name).map(|email| LabeledValue::new(email, None)));
        }
        for (name, label) in PHONE_COLUMNS {
            record
                .phones
                .extend(cell(name).map(|phone| LabeledValue::new(phone, Some(label))));
        }
        for (prefix, label) in ADDRESS_PREFIXES {
            let street = [" Street", " Street 2", " Street 3"]
                .iter()
                .filter_map(|suffix| cell(&format!("{prefix}{suffix}")))
                .collect::<Vec<_>>()
                .join("\n");
            let address = PostalAddress {
                label: Some(label.to_string()),
                street: non_empty(&street),
                city: cell(&format!("{prefix} City")),
                region: cell(&format!("{prefix} State")),
                postal_code: cell(&format!("{prefix} Postal Code")),
                country: cell(&format!("{prefix} Country"))
                    .or_else(|| cell(&format!("{prefix} Country/Region"))),
            };
            if !address.is_empty() {
                record.addresses.push(address);
            }
        }
        if let Some(categories) = cell("Categories") {
            record.categories = categories.split(';').filter_map(non_empty).collect();
        }
        record.urls.extend(cell("Web Page"));
        record.display_name = fallback_display_name(&record, cell("Middle Name").as_deref());
        record
    }
}

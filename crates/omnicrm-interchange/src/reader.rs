//! Reading a contact file one record at a time.
//!
//! A [`ContactReader`] yields each record of a file (or the problem with it) in file order,
//! reading only as far as it is asked to: a large file is never held as records all at once,
//! so whoever plans an import can keep just what it needs of each. The `parse_*` functions
//! collect a whole reader into [`ParsedContacts`].

use crate::error::{FormatError, Location};
use crate::google_csv::GoogleColumns;
use crate::mapped_csv::{ColumnMapping, MappedColumns};
use crate::outlook_csv::OutlookColumns;
use crate::record::{fallback_display_name, ContactRecord, Format, Located, RecordProblem};
use crate::table::{TableReader, TableRow};
use crate::vcard::VcardReader;

/// One thing read from a file: a record, or a record that could not be read.
/// (Handed over one at a time and taken apart at once: boxing the record would only add an
/// allocation per record.)
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadItem {
    Record(Located<ContactRecord>),
    Problem(RecordProblem),
}

impl ReadItem {
    /// A finished record, or a problem when it has no name, email or phone.
    pub(crate) fn from_record(location: Location, mut record: ContactRecord) -> Self {
        if record.display_name.trim().is_empty() {
            record.display_name = fallback_display_name(&record, None);
        }
        if record.display_name.is_empty() {
            Self::Problem(RecordProblem::new(location, "no name, email or phone"))
        } else {
            Self::Record(Located {
                location,
                value: record,
            })
        }
    }
}

/// The records of one file, one at a time, in file order. An `Err` item fails the whole file
/// (a vCard without its end, a row the CSV reader cannot read); nothing follows it.
pub struct ContactReader<'a> {
    source: Source<'a>,
}

enum Source<'a> {
    Table {
        table: TableReader<'a>,
        columns: Columns,
    },
    Vcard(VcardReader<'a>),
}

/// How a CSV row becomes a record, by format.
enum Columns {
    Google(GoogleColumns),
    Outlook(OutlookColumns),
    Mapped(MappedColumns),
}

impl Columns {
    fn record(&self, row: &TableRow) -> ContactRecord {
        match self {
            Self::Google(columns) => columns.named_record(row),
            Self::Outlook(columns) => columns.record(row),
            Self::Mapped(columns) => columns.record(row),
        }
    }
}

impl<'a> ContactReader<'a> {
    /// A reader for `format`; generic CSV needs the mapping ([`Format::Csv`] without one is
    /// read with an empty mapping, which reads no field).
    pub fn open(
        text: &'a str,
        format: Format,
        mapping: Option<&ColumnMapping>,
    ) -> Result<Self, FormatError> {
        match format {
            Format::Vcard => Self::vcard(text),
            Format::GoogleCsv => Self::google_csv(text),
            Format::OutlookCsv => Self::outlook_csv(text),
            Format::Csv => Self::mapped_csv(text, mapping.unwrap_or(&ColumnMapping::default())),
        }
    }

    pub fn vcard(text: &'a str) -> Result<Self, FormatError> {
        Ok(Self {
            source: Source::Vcard(VcardReader::open(text)?),
        })
    }

    pub fn google_csv(text: &'a str) -> Result<Self, FormatError> {
        let table = TableReader::open(text)?;
        let columns = Columns::Google(GoogleColumns::new(&table.headers));
        Ok(Self {
            source: Source::Table { table, columns },
        })
    }

    pub fn outlook_csv(text: &'a str) -> Result<Self, FormatError> {
        let table = TableReader::open(text)?;
        let columns = Columns::Outlook(OutlookColumns::new(&table.headers));
        Ok(Self {
            source: Source::Table { table, columns },
        })
    }

    pub fn mapped_csv(text: &'a str, mapping: &ColumnMapping) -> Result<Self, FormatError> {
        let table = TableReader::open(text)?;
        let columns = Columns::Mapped(MappedColumns::new(&table.headers, mapping)?);
        Ok(Self {
            source: Source::Table { table, columns },
        })
    }
}

impl Iterator for ContactReader<'_> {
    type Item = Result<ReadItem, FormatError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.source {
            Source::Table { table, columns } => Some(table.next_row()?.map(|row| match row {
                Ok(row) => ReadItem::from_record(Location::row(row.row), columns.record(&row)),
                Err(problem) => ReadItem::Problem(problem),
            })),
            Source::Vcard(cards) => Some(
                cards
                    .next()?
                    .map(|(location, record)| ReadItem::from_record(location, record)),
            ),
        }
    }
}

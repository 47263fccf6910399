//! Contact file formats for OmniCRM: reading and writing, with no database.
//!
//! Every reader turns a file into [`ParsedContacts`]: the [`ContactRecord`]s it could read,
//! each [`Located`] at its line (vCard) or row (CSV), and a [`RecordProblem`] for each
//! record it could not (for example "row 7: no name, email or phone"). A file that cannot be
//! read at all fails with one [`FormatError`] whose message names the line or row.
//!
//! The usual flow: [`decode_text`] the bytes, [`detect_format`], then read the records one
//! at a time with a [`ContactReader`] (or all at once with the reader for that format). Generic CSV files need a [`ColumnMapping`]; [`csv_preview`] suggests one.
//!
//! Modules:
//! - `error`: [`FormatError`], [`FormatErrorKind`] and [`Location`].
//! - `record`: the format-neutral [`ContactRecord`] and its parts, [`Format`].
//! - `text`: [`decode_text`] (UTF-8, UTF-16 with BOM, binary and size guards) and
//!   [`detect_format`].
//! - `reader`: [`ContactReader`], any format one record at a time.
//! - `table`: CSV reading shared by the CSV readers (delimiter sniffing, row numbers).
//! - `vcard`: [`parse_vcards`] for vCard 2.1/3.0/4.0 and [`write_vcards`] for 4.0, with
//!   `vcard/read.rs` and `vcard/write.rs`.
//! - `google_csv`: [`parse_google_csv`] (current and older exports), [`write_google_csv`].
//! - `outlook_csv`: [`parse_outlook_csv`].
//! - `mapped_csv`: [`csv_preview`], [`parse_mapped_csv`] and the mapping types.

mod error;
mod google_csv;
mod mapped_csv;
mod outlook_csv;
mod reader;
mod record;
mod table;
mod text;
mod vcard;

pub use error::{FormatError, FormatErrorKind, Location};
pub use google_csv::{parse_google_csv, write_google_csv};
pub use mapped_csv::{
    csv_preview, guess_field, parse_mapped_csv, ColumnMapping, ColumnTarget, CsvPreview, Field,
};
pub use outlook_csv::parse_outlook_csv;
pub use reader::{ContactReader, ReadItem};
pub use record::{
    ContactRecord, Format, LabeledValue, Located, ParsedContacts, Photo, PostalAddress,
    RecordProblem,
};
pub use text::{decode_text, detect_format, MAX_FILE_BYTES, MAX_LINE_BYTES};
pub use vcard::{parse_vcards, write_vcards};

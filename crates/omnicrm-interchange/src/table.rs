//! Reading CSV text into a header and numbered rows, shared by the three CSV readers.

use crate::error::{FormatError, FormatErrorKind, Location};
use crate::record::RecordProblem;
use crate::text::check_text;

/// One CSV row with cells. Row numbers count the header as row 1.
pub(crate) struct TableRow {
    pub row: usize,
    pub cells: Vec<String>,
}

impl TableRow {
    /// The trimmed cell at `index`, empty when the row is shorter.
    pub fn cell(&self, index: Option<usize>) -> &str {
        index
            .and_then(|index| self.cells.get(index))
            .map(|cell| cell.trim())
            .unwrap_or_default()
    }
}

/// Guesses the delimiter from the first line: the most frequent of `,` `;` and tab outside
/// quotes, `,` when none appears.
pub(crate) fn sniff_delimiter(text: &str) -> u8 {
    let first_line = text
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or_default();
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for byte in first_line.bytes() {
        if byte == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for (delimiter, count) in counts.iter_mut() {
                if *delimiter == byte {
                    *count += 1;
                }
            }
        }
    }
    counts
        .iter()
        .fold((b',', 0), |best, candidate| {
            if candidate.1 > best.1 {
                *candidate
            } else {
                best
            }
        })
        .0
}

fn reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(text))
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
}

fn csv_error(error: csv::Error, row: usize) -> FormatError {
    FormatError::at(
        FormatErrorKind::BadHeader,
        Location::row(row),
        format!("the CSV could not be read: {error}"),
    )
}

/// Reads only the header row.
pub(crate) fn read_headers(text: &str) -> Result<Vec<String>, FormatError> {
    let mut reader = reader(text);
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => Ok(record
            .iter()
            .map(|header| header.trim().to_string())
            .collect()),
        Ok(false) => Err(FormatError::new(
            FormatErrorKind::Empty,
            "the file is empty",
        )),
        Err(error) => Err(csv_error(error, 1)),
    }
}

/// Reads a CSV file row by row: the header first, then each row as it is needed, so a large
/// file is never held as cells all at once. Rows whose cell count differs from the header
/// become problems naming the row; rows with only empty cells are skipped.
pub(crate) struct TableReader<'a> {
    pub headers: Vec<String>,
    records: csv::StringRecordsIntoIter<&'a [u8]>,
    /// The row number of the next record, the header being row 1.
    next_row: usize,
}

impl<'a> TableReader<'a> {
    pub fn open(text: &'a str) -> Result<Self, FormatError> {
        check_text(text)?;
        let mut records = reader(text).into_records();
        let headers: Vec<String> = match records.next() {
            Some(Ok(record)) => record
                .iter()
                .map(|header| header.trim().to_string())
                .collect(),
            Some(Err(error)) => return Err(csv_error(error, 1)),
            None => {
                return Err(FormatError::new(
                    FormatErrorKind::Empty,
                    "the file is empty",
                ))
            }
        };
        if headers.iter().all(|header| header.is_empty()) {
            return Err(FormatError::at(
                FormatErrorKind::BadHeader,
                Location::row(1),
                "the header row has no column names",
            ));
        }
        Ok(Self {
            headers,
            records,
            next_row: 2,
        })
    }

    /// The next row with cells, or the problem with it; `None` at the end of the file. A
    /// row the CSV reader cannot read fails the whole file.
    pub fn next_row(&mut self) -> Option<Result<Result<TableRow, RecordProblem>, FormatError>> {
        loop {
            let record = self.records.next()?;
            let row = self.next_row;
            self.next_row += 1;
            let record = match record {
                Ok(record) => record,
                Err(error) => return Some(Err(csv_error(error, row))),
            };
            if record.iter().all(|cell| cell.trim().is_empty()) {
                continue;
            }
            if record.len() != self.headers.len() {
                return Some(Ok(Err(RecordProblem::new(
                    Location::row(row),
                    format!(
                        "the row has {} cells but the header has {} columns",
                        record.len(),
                        self.headers.len()
                    ),
                ))));
            }
            let cells = record.iter().map(str::to_string).collect();
            return Some(Ok(Ok(TableRow { row, cells })));
        }
    }
}

/// Quotes one CSV cell when it needs it (RFC 4180).
pub(crate) fn quote_cell(cell: &str) -> String {
    if cell.contains([',', '"', '\n', '\r', ';', '\t'])
        || cell.starts_with(' ')
        || cell.ends_with(' ')
    {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_string()
    }
}

/// Joins cells into one CSV line ending in `\n`.
pub(crate) fn write_line(cells: &[String]) -> String {
    let mut line = cells
        .iter()
        .map(|cell| quote_cell(cell))
        .collect::<Vec<_>>()
        .join(",");
    line.push('\n');
    line
}

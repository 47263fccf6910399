//! Reading CSV text into a header and numbered rows, shared by the three CSV readers.

use crate::error::{FormatError, FormatErrorKind, Location};
use crate::record::RecordProblem;
use crate::text::check_text;

/// A CSV file read into cells. Row numbers count the header as row 1.
pub(crate) struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<TableRow>,
    pub problems: Vec<RecordProblem>,
}

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

/// Reads the whole file. Rows whose cell count differs from the header become problems
/// naming the row; rows with only empty cells are skipped.
pub(crate) fn read_table(text: &str) -> Result<Table, FormatError> {
    check_text(text)?;
    let mut reader = reader(text);
    let mut records = reader.records();
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
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (index, record) in records.enumerate() {
        let row = index + 2;
        let record = record.map_err(|error| csv_error(error, row))?;
        let cells: Vec<String> = record.iter().map(str::to_string).collect();
        if cells.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if cells.len() != headers.len() {
            problems.push(RecordProblem::new(
                Location::row(row),
                format!(
                    "the row has {} cells but the header has {} columns",
                    cells.len(),
                    headers.len()
                ),
            ));
            continue;
        }
        rows.push(TableRow { row, cells });
    }
    Ok(Table {
        headers,
        rows,
        problems,
    })
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

//! `ContactReader` reads a file one record at a time, in file order, so an import can plan a
//! large file without holding all of its records (issue 20).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use omnicrm_interchange::{
    parse_google_csv, parse_vcards, ContactReader, Format, FormatErrorKind, Location, ReadItem,
};

fn names(items: &[ReadItem]) -> Vec<String> {
    items
        .iter()
        .map(|item| match item {
            ReadItem::Record(record) => record.value.display_name.clone(),
            ReadItem::Problem(problem) => format!("problem at {}", problem.location),
        })
        .collect()
}

#[test]
fn records_come_one_at_a_time_before_the_rest_of_the_file_is_read() {
    // The third card never ends: a whole-file error, but only once the reader gets there.
    let text = "BEGIN:VCARD\nFN:Ana Ruiz\nEND:VCARD\n\
                BEGIN:VCARD\nFN:Tom Lee\nEND:VCARD\n\
                BEGIN:VCARD\nFN:Cut Short\n";
    let mut reader = ContactReader::vcard(text).unwrap();
    let first = reader.next().unwrap().unwrap();
    let second = reader.next().unwrap().unwrap();
    assert_eq!(names(&[first, second]), ["Ana Ruiz", "Tom Lee"]);
    let error = reader.next().unwrap().unwrap_err();
    assert_eq!(error.kind, FormatErrorKind::Truncated);
    assert!(reader.next().is_none(), "nothing follows an error");
    // Read whole, the same file fails as it always did.
    assert_eq!(
        parse_vcards(text).unwrap_err().kind,
        FormatErrorKind::Truncated
    );
}

#[test]
fn csv_rows_and_their_problems_come_in_row_order_like_the_whole_file_reader() {
    let text = "Name,E-mail 1 - Value\n\
                Ana Ruiz,ana@example.com\n\
                ,\n\
                Only,two,cells too many\n\
                ,\n\
                Tom Lee,tom@example.com\n";
    let items: Vec<ReadItem> = ContactReader::open(text, Format::GoogleCsv, None)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        names(&items),
        ["Ana Ruiz", "problem at row 4", "Tom Lee"],
        "empty rows are skipped"
    );
    let whole = parse_google_csv(text).unwrap();
    assert_eq!(whole.records.len(), 2);
    assert_eq!(whole.problems.len(), 1);
    assert_eq!(whole.problems[0].location, Location::row(4));
    assert_eq!(whole.records[1].location, Location::row(6));
}

//! Input that is broken, binary, huge or in an unexpected encoding fails with a clear error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use omnicrm_interchange::{
    decode_text, detect_format, parse_google_csv, parse_mapped_csv, parse_vcards, ColumnMapping,
    ColumnTarget, Field, Format, FormatErrorKind, Location,
};
use std::time::{Duration, Instant};

#[test]
fn random_binary_bytes_are_not_text() {
    // A PNG signature followed by bytes from a small linear congruential generator.
    let mut state: u32 = 0x2545_F491;
    let mut bytes = vec![0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1A, b'\n'];
    bytes.extend((0..4096).map(|_| {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        (state >> 16) as u8
    }));
    let error = decode_text(&bytes).expect_err("binary must fail");
    assert_eq!(error.kind, FormatErrorKind::NotText);
    assert!(error.location.is_some());
}

#[test]
fn truncated_vcard_names_the_begin_line() {
    let text = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë Lindqvist\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:José Ñúñez\r\nTEL:+34 91 555";
    let error = parse_vcards(text).expect_err("truncated must fail");
    assert_eq!(error.kind, FormatErrorKind::Truncated);
    assert_eq!(error.location, Some(Location::line(5)));
    assert_eq!(error.message, "line 5: vCard started here has no END:VCARD");
}

#[test]
fn hundred_megabytes_on_one_line_fail_fast() {
    let started = Instant::now();
    let mut bytes = b"BEGIN:VCARD\nNOTE:".to_vec();
    bytes.resize(100 * 1024 * 1024, b'a');
    let error = decode_text(&bytes).expect_err("a 100 MB line must fail");
    assert_eq!(error.kind, FormatErrorKind::LineTooLong);
    assert_eq!(error.location, Some(Location::line(2)));
    assert!(error.message.starts_with("line 2: "), "{}", error.message);

    let text = String::from_utf8(bytes).expect("ASCII");
    let error = parse_vcards(&text).expect_err("a 100 MB line must fail");
    assert_eq!(error.kind, FormatErrorKind::LineTooLong);
    let error = parse_google_csv(&text).expect_err("a 100 MB line must fail");
    assert_eq!(error.kind, FormatErrorKind::LineTooLong);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn utf16_le_csv_with_bom_decodes() {
    let csv = "First Name,Last Name,E-mail 1 - Label,E-mail 1 - Value\r\nZoë,Lindqvist,Work,zoe@nordlicht.example\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(csv.encode_utf16().flat_map(u16::to_le_bytes));
    let text = decode_text(&bytes).expect("UTF-16 LE decodes");
    assert_eq!(text, csv);
    assert_eq!(detect_format(&text, None), Ok(Format::GoogleCsv));
    let parsed = parse_google_csv(&text).expect("parses");
    assert_eq!(parsed.records[0].value.display_name, "Zoë Lindqvist");

    let mut big_endian = vec![0xFE, 0xFF];
    big_endian.extend(csv.encode_utf16().flat_map(u16::to_be_bytes));
    assert_eq!(decode_text(&big_endian).as_deref(), Ok(csv));

    let with_utf8_bom = [&[0xEF, 0xBB, 0xBF][..], csv.as_bytes()].concat();
    assert_eq!(decode_text(&with_utf8_bom).as_deref(), Ok(csv));
}

#[test]
fn latin1_bytes_name_the_line() {
    // "Zoë" in Latin-1 on the third line.
    let bytes = b"Name,E-mail\nJos,jose@example.org\nZo\xEB,zoe@example.org\n";
    let error = decode_text(bytes).expect_err("Latin-1 is not UTF-8");
    assert_eq!(error.kind, FormatErrorKind::NotText);
    assert_eq!(error.location, Some(Location::line(3)));
    assert!(
        error.message.starts_with("line 3: byte 0xEB"),
        "{}",
        error.message
    );
}

#[test]
fn empty_files_are_empty() {
    assert_eq!(
        decode_text(b"").map_err(|e| e.kind),
        Err(FormatErrorKind::Empty)
    );
    assert_eq!(
        decode_text(b" \r\n\n").map_err(|e| e.kind),
        Err(FormatErrorKind::Empty)
    );
    assert_eq!(
        parse_vcards("").map_err(|e| e.kind),
        Err(FormatErrorKind::Empty)
    );
    assert_eq!(
        detect_format("", None).map_err(|e| e.kind),
        Err(FormatErrorKind::Empty)
    );
}

#[test]
fn mismatched_column_count_names_the_row() {
    let text = "First Name,Last Name,E-mail 1 - Value\nZoë,Lindqvist,zoe@example.org\nJosé,Ñúñez\nAnna,Berg,anna@example.org\n";
    let parsed = parse_google_csv(text).expect("other rows still parse");
    assert_eq!(parsed.records.len(), 2);
    assert_eq!(parsed.problems.len(), 1);
    assert_eq!(parsed.problems[0].location, Location::row(3));
    assert_eq!(
        parsed.problems[0].message,
        "row 3: the row has 2 cells but the header has 3 columns"
    );
}

#[test]
fn mapping_with_a_missing_header_fails() {
    let text = "Name;Mail\nZoë Lindqvist;zoe@example.org\n";
    let mapping = ColumnMapping {
        columns: vec![
            ColumnTarget {
                header: "Name".to_string(),
                field: Field::DisplayName,
            },
            ColumnTarget {
                header: "Telephone".to_string(),
                field: Field::Phone,
            },
        ],
    };
    let error = parse_mapped_csv(text, &mapping).expect_err("missing column");
    assert_eq!(error.kind, FormatErrorKind::Mapping);
    assert!(error.message.contains("\"Telephone\""), "{}", error.message);
}

#[test]
fn unknown_text_is_not_a_contact_file() {
    let error =
        detect_format("just some words\nand more words\n", Some("notes.txt")).expect_err("unknown");
    assert_eq!(error.kind, FormatErrorKind::UnknownFormat);
    let error = detect_format("Name,Email\n", Some("contacts.vcf")).expect_err("not a vCard");
    assert_eq!(error.kind, FormatErrorKind::UnknownFormat);
}

#[test]
fn nul_bytes_are_binary() {
    let error = decode_text(b"BEGIN:VCARD\nFN:Zo\0e\nEND:VCARD\n").expect_err("NUL");
    assert_eq!(error.kind, FormatErrorKind::NotText);
    assert_eq!(error.location, Some(Location::line(2)));
}

/// Issue 20: UTF-16 saved without a byte-order mark was reported as "binary data".
#[test]
fn utf16_without_a_byte_order_mark_decodes_in_either_byte_order() {
    let csv = "First Name,Last Name,E-mail 1 - Label,E-mail 1 - Value\r\nZoë,Lindqvist,Work,zoe@nordlicht.example\r\n";
    let little_endian: Vec<u8> = csv.encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert_eq!(decode_text(&little_endian).as_deref(), Ok(csv));
    let big_endian: Vec<u8> = csv.encode_utf16().flat_map(u16::to_be_bytes).collect();
    assert_eq!(decode_text(&big_endian).as_deref(), Ok(csv));
    // Binary data with NULs here and there is still refused.
    let binary: Vec<u8> = (0..600u32).map(|i| (i * 7 % 251) as u8).collect();
    assert!(decode_text(&binary).is_err());
}

/// Issue 20: a minified JSON export is one line of any length; the 1 MiB line guard is for
/// the line-based formats.
#[test]
fn a_json_document_on_one_long_line_is_not_refused_for_its_length() {
    let long_json = format!(
        "{{\"format\":\"omnicrm-export\",\"pad\":\"{}\"}}",
        "x".repeat(2 * 1024 * 1024)
    );
    assert_eq!(
        decode_text(long_json.as_bytes()).as_deref(),
        Ok(long_json.as_str())
    );
    let long_csv = format!("Name,Note\nAda,{}\n", "x".repeat(2 * 1024 * 1024));
    assert_eq!(
        decode_text(long_csv.as_bytes()).map_err(|error| error.kind),
        Err(FormatErrorKind::LineTooLong)
    );
}

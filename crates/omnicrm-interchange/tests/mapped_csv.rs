//! Generic CSV with a column mapping: the semicolon-delimited fixture with odd headers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use omnicrm_interchange::{
    csv_preview, decode_text, detect_format, parse_mapped_csv, ColumnMapping, ColumnTarget, Field,
    Format, LabeledValue, Location, PostalAddress,
};

fn read_fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    decode_text(&std::fs::read(path).expect("fixture exists"))
        .expect("fixture decodes")
        .into_owned()
}

#[test]
fn preview_finds_delimiter_headers_and_a_mapping() {
    let text = read_fixture("generic-semicolon.csv");
    assert_eq!(detect_format(&text, Some("export.csv")), Ok(Format::Csv));
    let preview = csv_preview(&text, 2).expect("previews");
    assert_eq!(preview.delimiter, ';');
    assert_eq!(
        preview.headers,
        vec![
            "Contact Person",
            "E-Mail (private)",
            "Cell #",
            "Company / Org.",
            "Date of Birth",
            "Remarks",
            "Tags",
            "Internal ID"
        ]
    );
    assert_eq!(preview.sample_rows.len(), 2);
    assert_eq!(preview.sample_rows[0][5], "Likes coffee; no tea");
    let fields: Vec<Field> = preview
        .suggested_mapping
        .columns
        .iter()
        .map(|column| column.field)
        .collect();
    assert_eq!(
        fields,
        vec![
            Field::DisplayName,
            Field::Email,
            Field::Phone,
            Field::Organization,
            Field::Birthday,
            Field::Note,
            Field::Categories,
            Field::Ignore
        ]
    );
}

#[test]
fn suggested_mapping_reads_the_rows() {
    let text = read_fixture("generic-semicolon.csv");
    let mapping = csv_preview(&text, 5).expect("previews").suggested_mapping;
    let parsed = parse_mapped_csv(&text, &mapping).expect("parses");
    assert_eq!(parsed.records.len(), 2);

    let jurgen = &parsed.records[0];
    assert_eq!(jurgen.location, Location::row(2));
    assert_eq!(jurgen.value.display_name, "Jürgen Weiß");
    assert_eq!(
        jurgen.value.emails,
        vec![LabeledValue::new("juergen@weiss.example", None)]
    );
    assert_eq!(
        jurgen.value.phones,
        vec![LabeledValue::new("+49 170 1234567", None)]
    );
    assert_eq!(jurgen.value.organization.as_deref(), Some("Weiß GmbH"));
    assert_eq!(jurgen.value.birthday.as_deref(), Some("1985-04-12"));
    assert_eq!(jurgen.value.note.as_deref(), Some("Likes coffee; no tea"));
    assert_eq!(jurgen.value.categories, vec!["Supplier", "VIP"]);

    let zoe = &parsed.records[1].value;
    assert_eq!(zoe.display_name, "Zoë Lindqvist");
    assert!(zoe.phones.is_empty());
    assert_eq!(zoe.categories, vec!["Client"]);

    assert_eq!(parsed.problems.len(), 1);
    assert_eq!(parsed.problems[0].message, "row 4: no name, email or phone");
}

#[test]
fn hand_made_mapping_with_address_columns() {
    let text = "Vorname,Nachname,Straße,Ort,PLZ,Land,Web\nZoë,Lindqvist,Storgatan 12,Stockholm,114 51,Sweden,https://nordlicht.example\n";
    let column = |header: &str, field| ColumnTarget {
        header: header.to_string(),
        field,
    };
    let mapping = ColumnMapping {
        columns: vec![
            column("Vorname", Field::GivenName),
            column("Nachname", Field::FamilyName),
            column("Straße", Field::Street),
            column("Ort", Field::City),
            column("PLZ", Field::PostalCode),
            column("Land", Field::Country),
            column("Web", Field::Url),
        ],
    };
    let guessed: Vec<Field> = csv_preview(text, 1)
        .expect("previews")
        .suggested_mapping
        .columns
        .iter()
        .map(|column| column.field)
        .collect();
    let wanted: Vec<Field> = mapping.columns.iter().map(|column| column.field).collect();
    assert_eq!(guessed, wanted);

    let parsed = parse_mapped_csv(text, &mapping).expect("parses");
    let zoe = &parsed.records[0].value;
    assert_eq!(zoe.display_name, "Zoë Lindqvist");
    assert_eq!(
        zoe.addresses,
        vec![PostalAddress {
            label: None,
            street: Some("Storgatan 12".to_string()),
            city: Some("Stockholm".to_string()),
            region: None,
            postal_code: Some("114 51".to_string()),
            country: Some("Sweden".to_string()),
        }]
    );
    assert_eq!(zoe.urls, vec!["https://nordlicht.example"]);
}

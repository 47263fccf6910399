//! The Outlook CSV export fixture.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use omnicrm_interchange::{
    decode_text, detect_format, parse_outlook_csv, Format, LabeledValue, Location, PostalAddress,
};

fn read_fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    decode_text(&std::fs::read(path).expect("fixture exists"))
        .expect("fixture decodes")
        .into_owned()
}

#[test]
fn outlook_export() {
    let text = read_fixture("outlook-contacts.csv");
    assert_eq!(
        detect_format(&text, Some("outlook.csv")),
        Ok(Format::OutlookCsv)
    );
    let parsed = parse_outlook_csv(&text).expect("parses");
    assert_eq!(parsed.records.len(), 2);

    let zoe = &parsed.records[0];
    assert_eq!(zoe.location, Location::row(2));
    let zoe = &zoe.value;
    assert_eq!(zoe.display_name, "Zoë Lindqvist");
    assert_eq!(zoe.organization.as_deref(), Some("Nordlicht Design AB"));
    // Outlook's "Title" is the name prefix; the job title is "Job Title".
    assert_eq!(zoe.title.as_deref(), Some("Art Director"));
    assert_eq!(zoe.birthday.as_deref(), Some("1988-03-21"));
    assert_eq!(
        zoe.note.as_deref(),
        Some("Met at the design fair.\nPrefers email.")
    );
    assert_eq!(
        zoe.emails,
        vec![
            LabeledValue::new("zoe@nordlicht.example", None),
            LabeledValue::new("zoe.home@mail.example", None),
        ]
    );
    assert_eq!(
        zoe.phones,
        vec![
            LabeledValue::new("+46 70 123 45 67", Some("mobile")),
            LabeledValue::new("+46 8 555 012 34", Some("work")),
        ]
    );
    assert_eq!(
        zoe.addresses,
        vec![PostalAddress {
            label: Some("work".to_string()),
            street: Some("Storgatan 12\nFloor 3".to_string()),
            city: Some("Stockholm".to_string()),
            region: None,
            postal_code: Some("114 51".to_string()),
            country: Some("Sweden".to_string()),
        }]
    );
    assert_eq!(zoe.categories, vec!["Clients", "Design"]);
    assert_eq!(zoe.urls, vec!["https://nordlicht.example/zoe"]);

    let jose = &parsed.records[1].value;
    assert_eq!(jose.display_name, "José Ñúñez");
    assert_eq!(jose.birthday, None, "0/0/00 means no birthday");
    assert_eq!(
        jose.phones,
        vec![LabeledValue::new("+34 91 555 0199", Some("home"))]
    );
    assert_eq!(jose.addresses.len(), 1);
    assert_eq!(jose.addresses[0].city.as_deref(), Some("Madrid"));
    assert_eq!(jose.addresses[0].country.as_deref(), Some("Spain"));

    assert_eq!(parsed.problems.len(), 1);
    assert_eq!(parsed.problems[0].location, Location::row(4));
    assert_eq!(parsed.problems[0].message, "row 4: no name, email or phone");
}

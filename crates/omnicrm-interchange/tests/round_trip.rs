//! Records written by a writer and read back by the matching reader come back identical.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use omnicrm_interchange::{
    decode_text, parse_google_csv, parse_vcards, write_google_csv, write_vcards, ContactRecord,
    LabeledValue, Photo, PostalAddress,
};

fn fixture_records(name: &str) -> Vec<ContactRecord> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = decode_text(&std::fs::read(path).expect("fixture exists"))
        .expect("decodes")
        .into_owned();
    let parsed = if name.ends_with(".vcf") {
        parse_vcards(&text)
    } else {
        parse_google_csv(&text)
    };
    parsed
        .expect("parses")
        .records
        .into_iter()
        .map(|located| located.value)
        .collect()
}

/// A record that uses every field, with text that needs escaping and folding.
fn everything_record() -> ContactRecord {
    ContactRecord {
        display_name: "Dr. Zoë \"Zo\" Lindqvist; CEO, Nordlicht".to_string(),
        given_name: Some("Zoë".to_string()),
        family_name: Some("Lindqvist".to_string()),
        organization: Some("Nordlicht Design AB, Göteborg; Studio".to_string()),
        title: Some("Art Director".to_string()),
        emails: vec![
            LabeledValue {
                value: "zoe@nordlicht.example".to_string(),
                label: Some("work".to_string()),
                preferred: true,
            },
            LabeledValue::new("zoe+gym@mail.example", Some("Gym, Södermalm")),
            LabeledValue::new("zoe@plain.example", None),
        ],
        phones: vec![
            LabeledValue::new("+46 70 123 45 67", Some("mobile")),
            LabeledValue {
                value: "+46 8 555 012 34".to_string(),
                label: None,
                preferred: true,
            },
            LabeledValue::new("+46 8 555 999 00", Some("home fax")),
        ],
        addresses: vec![
            PostalAddress {
                label: Some("home".to_string()),
                street: Some("Storgatan 12\nLägenhet 3".to_string()),
                city: Some("Stockholm".to_string()),
                region: Some("Stockholms län".to_string()),
                postal_code: Some("114 51".to_string()),
                country: Some("Sweden".to_string()),
            },
            PostalAddress {
                label: Some("Summer house".to_string()),
                street: None,
                city: Some("Visby".to_string()),
                region: None,
                postal_code: None,
                country: None,
            },
        ],
        birthday: Some("--03-21".to_string()),
        note: Some(
            "A long note with commas, semicolons; backslashes \\ and\nseveral lines, long enough \
             to be folded more than once by the vCard writer: ÅÄÖ åäö ÅÄÖ åäö ÅÄÖ åäö ✓✓✓✓✓✓"
                .to_string(),
        ),
        photo: None,
        categories: vec!["Clients, Nordic".to_string(), "Design".to_string()],
        urls: vec!["https://nordlicht.example/zoe?a=1,b=2;c".to_string()],
    }
}

#[test]
fn vcard_round_trip_of_every_fixture_and_a_full_record() {
    let mut records = fixture_records("apple-contacts-3.0.vcf");
    records.extend(fixture_records("android-2.1.vcf"));
    records.extend(fixture_records("contacts-4.0.vcf"));
    records.extend(fixture_records("google-contacts.csv"));
    let mut full = everything_record();
    full.photo = Some(Photo {
        media_type: "image/jpeg".to_string(),
        data: (0u8..=255).cycle().take(3000).collect(),
    });
    records.push(full);
    assert!(records.iter().any(|record| record.photo.is_some()));

    let written = write_vcards(&records);
    for line in written.split("\r\n") {
        assert!(line.len() <= 75, "line of {} octets: {line}", line.len());
    }
    assert!(written.starts_with("BEGIN:VCARD\r\nVERSION:4.0\r\n"));
    let read_back: Vec<ContactRecord> = parse_vcards(&written)
        .expect("parses")
        .records
        .into_iter()
        .map(|located| located.value)
        .collect();
    assert_eq!(read_back, records);
}

#[test]
fn google_csv_round_trip_of_every_fixture_and_a_full_record() {
    let mut records = fixture_records("google-contacts.csv");
    records.extend(fixture_records("google-contacts-older.csv"));
    records.extend(fixture_records("contacts-4.0.vcf"));
    records.extend(fixture_records("android-2.1.vcf"));
    records.push(everything_record());
    // Google CSV carries no photos (its Photo column is a URL).
    for record in &mut records {
        record.photo = None;
    }

    let written = write_google_csv(&records);
    let header = written.lines().next().expect("header");
    assert!(header.starts_with("First Name,Middle Name,Last Name,"));
    assert!(header.contains("E-mail 3 - Label,E-mail 3 - Value"));
    assert!(header.contains("Address 2 - Postal Code"));
    assert!(written.contains("* myContacts ::: Clients ::: Design"));

    let read_back: Vec<ContactRecord> = parse_google_csv(&written)
        .expect("parses")
        .records
        .into_iter()
        .map(|located| located.value)
        .collect();
    assert_eq!(read_back, records);
}

#[test]
fn photo_serializes_as_base64_in_json() {
    let photo = Photo {
        media_type: "image/png".to_string(),
        data: vec![0x89, b'P', b'N', b'G'],
    };
    let json = serde_json::to_string(&photo).expect("serializes");
    assert_eq!(json, r#"{"media_type":"image/png","data":"iVBORw=="}"#);
    let back: Photo = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(back, photo);
}

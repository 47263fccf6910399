//! vCard fixtures: Apple Contacts 3.0, Android 2.1 and a vCard 4.0 file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use omnicrm_interchange::{
    decode_text, detect_format, parse_vcards, ContactRecord, Format, LabeledValue, Location,
    PostalAddress,
};

/// The 2x2 PNG embedded in the fixtures.
const PHOTO_PNG_BASE64: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFElEQVR4nGP4z8DAAMIM////ZwAAHu8E/KPItPcAAAAASUVORK5CYII=";

fn photo_bytes() -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(PHOTO_PNG_BASE64)
        .expect("fixture photo is valid base64")
}

fn labeled(value: &str, label: Option<&str>, preferred: bool) -> LabeledValue {
    LabeledValue {
        value: value.to_string(),
        label: label.map(str::to_string),
        preferred,
    }
}

fn some(text: &str) -> Option<String> {
    Some(text.to_string())
}

fn read_fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).expect("fixture exists");
    decode_text(&bytes).expect("fixture decodes").into_owned()
}

#[test]
fn apple_contacts_3_0_export() {
    let text = read_fixture("apple-contacts-3.0.vcf");
    assert_eq!(
        detect_format(&text, Some("Contacts.vcf")),
        Ok(Format::Vcard)
    );
    let parsed = parse_vcards(&text).expect("parses");

    assert_eq!(parsed.records.len(), 2);
    let zoe = &parsed.records[0];
    assert_eq!(zoe.location, Location::line(1));
    assert_eq!(
        zoe.value,
        ContactRecord {
            display_name: "Zoë Lindqvist".to_string(),
            given_name: some("Zoë"),
            family_name: some("Lindqvist"),
            organization: some("Nordlicht Design AB"),
            title: some("Art Director"),
            emails: vec![
                labeled("zoe@nordlicht.example", Some("other"), true),
                labeled("zoe.lindqvist@studio.example", Some("work"), false),
            ],
            phones: vec![
                labeled("+46 70 123 45 67", Some("mobile"), true),
                labeled("+46 8 555 012 34", Some("Studio"), false),
            ],
            addresses: vec![PostalAddress {
                label: some("home"),
                street: some("Storgatan 12\nLägenhet 3"),
                city: some("Stockholm"),
                region: None,
                postal_code: some("114 51"),
                country: some("Sweden"),
            }],
            birthday: some("--03-21"),
            note: some("Met at the design fair, booth 12.\nPrefers email."),
            photo: Some(omnicrm_interchange::Photo {
                media_type: "image/png".to_string(),
                data: photo_bytes(),
            }),
            categories: vec!["Clients".to_string(), "Design".to_string()],
            urls: vec!["https://nordlicht.example/zoe".to_string()],
        }
    );

    let jose = &parsed.records[1];
    assert_eq!(jose.location, Location::line(24));
    assert_eq!(jose.value.display_name, "José Ñúñez");
    assert_eq!(
        jose.value.organization.as_deref(),
        Some("Ñúñez & Hijos S.L.")
    );
    assert_eq!(
        jose.value.emails,
        vec![labeled("jose.nunez@correo.example", Some("home"), false)]
    );
    assert_eq!(
        jose.value.phones,
        vec![labeled("+34 91 555 0199", Some("work"), false)]
    );
    assert_eq!(jose.value.birthday.as_deref(), Some("1979-11-02"));
    assert_eq!(
        jose.value.note.as_deref(),
        Some("A long note that the exporter folded because it is longer than seventy-five octets, as RFC 2426 allows.")
    );

    assert_eq!(parsed.problems.len(), 1);
    assert_eq!(parsed.problems[0].location, Location::line(35));
    assert_eq!(
        parsed.problems[0].message,
        "line 35: no name, email or phone"
    );
}

#[test]
fn android_2_1_export_with_quoted_printable() {
    let text = read_fixture("android-2.1.vcf");
    let parsed = parse_vcards(&text).expect("parses");
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert_eq!(parsed.records.len(), 3);

    let malgorzata = &parsed.records[0].value;
    assert_eq!(malgorzata.display_name, "Małgorzata Kowalska");
    assert_eq!(malgorzata.given_name.as_deref(), Some("Małgorzata"));
    assert_eq!(malgorzata.family_name.as_deref(), Some("Kowalska"));
    assert_eq!(
        malgorzata.phones,
        vec![
            labeled("+48 601 234 567", Some("mobile"), true),
            labeled("+48 22 555 01 23", Some("home"), false),
        ]
    );
    assert_eq!(
        malgorzata.emails,
        vec![labeled(
            "malgorzata.kowalska@poczta.example",
            Some("home"),
            false
        )]
    );
    assert_eq!(
        malgorzata.addresses,
        vec![PostalAddress {
            label: some("home"),
            street: some("ul. Kwiatowa 7"),
            city: some("Kraków"),
            region: None,
            postal_code: some("30-001"),
            country: some("Polska"),
        }]
    );
    assert_eq!(
        malgorzata.note.as_deref(),
        Some("Poznaliśmy się na konferencji w Łodzi, dziękuję za kontakt.\nDrugi wiersz.")
    );
    assert_eq!(malgorzata.birthday.as_deref(), Some("1985-04-12"));

    let phone_only = &parsed.records[1];
    assert_eq!(phone_only.location, Location::line(13));
    assert_eq!(phone_only.value.display_name, "+48 512 000 111");

    let zoe = &parsed.records[2].value;
    assert_eq!(zoe.display_name, "Zoë Lindqvist");
    assert_eq!(
        zoe.phones,
        vec![labeled("+46 8 555 012 34", Some("work"), false)]
    );
    let photo = zoe.photo.as_ref().expect("photo");
    assert_eq!(photo.media_type, "image/png");
    assert_eq!(photo.data, photo_bytes());
}

#[test]
fn vcard_4_0_file() {
    let text = read_fixture("contacts-4.0.vcf");
    let parsed = parse_vcards(&text).expect("parses");
    assert!(parsed.problems.is_empty());
    assert_eq!(parsed.records.len(), 2);

    let aiyana = &parsed.records[0].value;
    assert_eq!(
        *aiyana,
        ContactRecord {
            display_name: "Aiyana Okafor-Brandt".to_string(),
            given_name: some("Aiyana"),
            family_name: some("Okafor-Brandt"),
            organization: some("Helix Biolabs"),
            title: some("Principal Scientist"),
            emails: vec![
                labeled("aiyana@helix.example", Some("work"), true),
                labeled("aiyana.ob@mail.example", Some("home"), false),
            ],
            phones: vec![
                labeled("+1-555-010-4477", Some("mobile"), true),
                labeled("+1 555 010 9000", Some("work"), false),
            ],
            addresses: vec![PostalAddress {
                label: some("work"),
                street: some("400 Market Street, Suite 12"),
                city: some("Portland"),
                region: some("OR"),
                postal_code: some("97204"),
                country: some("USA"),
            }],
            birthday: some("--07-04"),
            note: some("Line one\nLine two; with a semicolon"),
            photo: Some(omnicrm_interchange::Photo {
                media_type: "image/png".to_string(),
                data: photo_bytes(),
            }),
            categories: vec!["Research".to_string(), "Conference 2024".to_string()],
            urls: vec!["https://helix.example/team/aiyana".to_string()],
        }
    );

    let priya = &parsed.records[1];
    assert_eq!(priya.location, Location::line(18));
    assert_eq!(
        priya.value.emails,
        vec![labeled("priya@raman.example", Some("home"), true)]
    );
    assert_eq!(priya.value.birthday.as_deref(), Some("1990-01-15"));
}

#[test]
fn several_type_forms_and_birthday_forms() {
    let text = "BEGIN:VCARD\nVERSION:3.0\nFN:Kai Tanaka\nEMAIL;TYPE=HOME,WORK:kai@example.org\nBDAY:--0412\nEND:VCARD\n";
    let parsed = parse_vcards(text).expect("parses");
    let kai = &parsed.records[0].value;
    assert_eq!(
        kai.emails,
        vec![labeled("kai@example.org", Some("home"), false)]
    );
    assert_eq!(kai.birthday.as_deref(), Some("--04-12"));
}

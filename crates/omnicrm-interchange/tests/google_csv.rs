//! Google Contacts CSV fixtures: the current export and the older one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use omnicrm_interchange::{
    decode_text, detect_format, parse_google_csv, Format, LabeledValue, Location, PostalAddress,
};

fn labeled(value: &str, label: Option<&str>, preferred: bool) -> LabeledValue {
    LabeledValue {
        value: value.to_string(),
        label: label.map(str::to_string),
        preferred,
    }
}

fn read_fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    decode_text(&std::fs::read(path).expect("fixture exists"))
        .expect("fixture decodes")
        .into_owned()
}

#[test]
fn current_google_export() {
    let text = read_fixture("google-contacts.csv");
    assert_eq!(
        detect_format(&text, Some("contacts.csv")),
        Ok(Format::GoogleCsv)
    );
    let parsed = parse_google_csv(&text).expect("parses");
    assert_eq!(parsed.records.len(), 4);

    let zoe = &parsed.records[0];
    assert_eq!(zoe.location, Location::row(2));
    assert_eq!(zoe.value.display_name, "Zoë Lindqvist");
    assert_eq!(zoe.value.given_name.as_deref(), Some("Zoë"));
    assert_eq!(zoe.value.family_name.as_deref(), Some("Lindqvist"));
    assert_eq!(
        zoe.value.organization.as_deref(),
        Some("Nordlicht Design AB")
    );
    assert_eq!(zoe.value.title.as_deref(), Some("Art Director"));
    assert_eq!(zoe.value.birthday.as_deref(), Some("--03-21"));
    assert_eq!(
        zoe.value.note.as_deref(),
        Some("Met at the design fair.\nPrefers email.")
    );
    assert_eq!(zoe.value.categories, vec!["Clients", "Design"]);
    assert_eq!(
        zoe.value.emails,
        vec![
            labeled("zoe@nordlicht.example", Some("work"), true),
            labeled("zoe.lindqvist@studio.example", Some("work"), false),
            labeled("zoe.home@mail.example", Some("home"), false),
        ]
    );
    assert_eq!(
        zoe.value.phones,
        vec![labeled("+46 70 123 45 67", Some("mobile"), false)]
    );
    assert_eq!(
        zoe.value.addresses,
        vec![PostalAddress {
            label: Some("home".to_string()),
            street: Some("Storgatan 12".to_string()),
            city: Some("Stockholm".to_string()),
            region: None,
            postal_code: Some("114 51".to_string()),
            country: Some("Sweden".to_string()),
        }]
    );
    assert_eq!(zoe.value.urls, vec!["https://nordlicht.example/zoe"]);
    assert_eq!(zoe.value.photo, None);

    let jose = &parsed.records[1].value;
    assert_eq!(jose.display_name, "José Ñúñez");
    assert_eq!(jose.organization.as_deref(), Some("Ñúñez & Hijos S.L."));
    assert_eq!(jose.birthday.as_deref(), Some("1979-11-02"));
    assert!(jose.categories.is_empty());
    assert_eq!(
        jose.phones,
        vec![labeled("+34 91 555 0199", Some("work"), false)]
    );

    let orders = &parsed.records[2];
    assert_eq!(orders.location, Location::row(5));
    assert_eq!(orders.value.display_name, "orders@bakery.example");
    assert_eq!(
        orders.value.emails,
        vec![labeled("orders@bakery.example", Some("Orders"), false)]
    );
    assert_eq!(orders.value.categories, vec!["Suppliers"]);

    let anna = &parsed.records[3].value;
    assert_eq!(anna.display_name, "Anna Maria Berg");
    assert_eq!(anna.given_name.as_deref(), Some("Anna"));
    assert_eq!(anna.phones.len(), 2);

    assert_eq!(parsed.problems.len(), 1);
    assert_eq!(parsed.problems[0].message, "row 4: no name, email or phone");
}

#[test]
fn older_google_export() {
    let text = read_fixture("google-contacts-older.csv");
    assert_eq!(detect_format(&text, None), Ok(Format::GoogleCsv));
    let parsed = parse_google_csv(&text).expect("parses");
    assert!(parsed.problems.is_empty());
    assert_eq!(parsed.records.len(), 2);

    let malgorzata = &parsed.records[0].value;
    assert_eq!(malgorzata.display_name, "Małgorzata Kowalska");
    assert_eq!(malgorzata.given_name.as_deref(), Some("Małgorzata"));
    assert_eq!(malgorzata.family_name.as_deref(), Some("Kowalska"));
    assert_eq!(
        malgorzata.organization.as_deref(),
        Some("Biuro Rachunkowe Kowalska")
    );
    assert_eq!(malgorzata.title.as_deref(), Some("Księgowa"));
    assert_eq!(malgorzata.birthday.as_deref(), Some("1985-04-12"));
    assert_eq!(
        malgorzata.note.as_deref(),
        Some("Księgowa, polecona przez Anię.")
    );
    assert_eq!(malgorzata.categories, vec!["Family"]);
    assert_eq!(
        malgorzata.emails,
        vec![labeled("malgorzata@poczta.example", Some("home"), true)]
    );
    assert_eq!(
        malgorzata.phones,
        vec![
            labeled("+48 601 234 567", Some("mobile"), false),
            labeled("+48 601 234 568", Some("mobile"), false),
        ]
    );
    assert_eq!(
        malgorzata.addresses,
        vec![PostalAddress {
            label: Some("work".to_string()),
            street: Some("ul. Kwiatowa 7, 30-001 Kraków".to_string()),
            ..PostalAddress::default()
        }]
    );
    assert_eq!(malgorzata.urls, vec!["https://kowalska.example"]);

    let tomas = &parsed.records[1];
    assert_eq!(tomas.location, Location::row(3));
    assert_eq!(tomas.value.display_name, "Tomás Ó Briain");
    assert_eq!(
        tomas.value.emails,
        vec![
            labeled("tomas@obriain.example", Some("work"), false),
            labeled("tob@mail.example", Some("other"), false),
        ]
    );
}

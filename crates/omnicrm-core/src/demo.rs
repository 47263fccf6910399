//! Deterministic, realistic demo data: contacts with emails, phones, addresses, tags and notes.
//! The same seed and count always give the same people, so benchmarks are repeatable.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::contacts::{
    Address, BulkContact, BulkOptions, ClientStatus, ContactInput, ContactSource, EmailEntry,
    LifecycleStage, PhoneEntry,
};
use crate::error::{Error, Result};
use crate::notes;
use crate::store::Database;
use crate::time::{format_utc, new_id};

/// The largest demo set one call generates.
pub const MAX_DEMO_CONTACTS: u32 = 1_000_000;
const CHUNK: usize = 2_000;
pub const DEFAULT_SEED: u64 = 20_261_122;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DemoSummary {
    pub contacts: u32,
    pub notes: u32,
    pub tags: u32,
    /// Undoing this batch removes the demo data.
    pub batch_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DemoProgress {
    pub done: u32,
    pub total: u32,
}

const FIRST_NAMES: &[&str] = &[
    "Maya",
    "Liam",
    "Aisha",
    "Noah",
    "Sofia",
    "Mateo",
    "Zoë",
    "Ethan",
    "Priya",
    "Lucas",
    "Amara",
    "Oliver",
    "Chloé",
    "Kenji",
    "Isabel",
    "Daniel",
    "Fatima",
    "Samuel",
    "Léa",
    "Hiroshi",
    "Grace",
    "Andrés",
    "Nadia",
    "Jonah",
    "Elena",
    "Omar",
    "Freya",
    "Tomás",
    "Ingrid",
    "Kwame",
    "Hannah",
    "Rafael",
    "Mei",
    "Julian",
    "Astrid",
    "Diego",
    "Leila",
    "Caleb",
    "Björn",
    "Yara",
    "Felix",
    "Anjali",
    "Marcus",
    "Rosa",
    "Theo",
    "Imani",
    "Gabriel",
    "Saoirse",
    "Arjun",
    "Clara",
    "Malik",
    "Ava",
    "Emil",
    "Nia",
    "Sebastián",
    "Lina",
    "Ruth",
    "Ibrahim",
    "Elif",
    "Jasper",
];

const LAST_NAMES: &[&str] = &[
    "Lindqvist",
    "Okafor",
    "Nakamura",
    "García",
    "Patel",
    "Müller",
    "Haddad",
    "O'Brien",
    "Kowalski",
    "Nguyen",
    "Rossi",
    "Johansson",
    "Mensah",
    "Fernández",
    "Cohen",
    "Singh",
    "Dubois",
    "Kim",
    "Andersen",
    "Moreau",
    "Silva",
    "Walker",
    "Hassan",
    "Novak",
    "Bianchi",
    "Yilmaz",
    "Murphy",
    "Tanaka",
    "Larsen",
    "Osei",
    "Castillo",
    "Schmidt",
    "Ivanova",
    "Chen",
    "Bergström",
    "Adeyemi",
    "Romero",
    "Fischer",
    "Shapiro",
    "Park",
    "Delgado",
    "Hughes",
    "Petrov",
    "Achebe",
    "Costa",
    "Svensson",
    "Reyes",
    "Brennan",
    "Sato",
    "Lopez",
];

const EMAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "outlook.com",
    "icloud.com",
    "proton.me",
    "yahoo.com",
    "fastmail.com",
    "hey.com",
    "example.org",
];

const ORGANIZATIONS: &[&str] = &[
    "Riverside Yoga Collective",
    "Northwind Physio",
    "Harbor Health Partners",
    "Blue Pine Studio",
    "Sunrise Pilates",
    "Evergreen Family Practice",
    "Lakeside Counseling",
    "Juniper Coaching",
    "Willow Birth Center",
    "Summit Sports Clinic",
    "Cedar & Sage Spa",
    "Brightpath Nutrition",
];

/// (area code, city, region) of real North American area codes.
const PLACES: &[(&str, &str, &str)] = &[
    ("415", "San Francisco", "CA"),
    ("503", "Portland", "OR"),
    ("206", "Seattle", "WA"),
    ("212", "New York", "NY"),
    ("617", "Boston", "MA"),
    ("303", "Denver", "CO"),
    ("512", "Austin", "TX"),
    ("312", "Chicago", "IL"),
    ("604", "Vancouver", "BC"),
    ("416", "Toronto", "ON"),
];

const STREETS: &[&str] = &[
    "Maple Avenue",
    "Oak Street",
    "Cedar Lane",
    "Harbor Road",
    "Elm Court",
    "Willow Way",
    "Sunset Boulevard",
    "River Road",
    "Hillcrest Drive",
    "Lakeview Terrace",
];

const TAGS: &[&str] = &[
    "yoga",
    "massage",
    "reiki",
    "acupuncture",
    "nutrition",
    "pilates",
    "meditation",
    "sleep",
    "anxiety support",
    "prenatal",
    "sports recovery",
    "chronic pain",
    "weekly",
    "monthly",
    "newsletter",
    "referral partner",
    "evening slots",
    "sliding scale",
    "package client",
    "breathwork",
];

const FOCUSES: &[&str] = &[
    "lower back pain",
    "stress and sleep",
    "post-injury mobility",
    "prenatal comfort",
    "shoulder tension",
    "digestive health",
    "energy levels",
    "work-life balance",
    "marathon training",
    "migraine frequency",
];

const NOTE_OPENINGS: &[&str] = &[
    "Session focused on",
    "Follow-up call about",
    "Intake conversation covering",
    "Check-in regarding",
    "Reviewed home practice for",
];

const NOTE_OUTCOMES: &[&str] = &[
    "Client reports steady improvement since last visit.",
    "Some setbacks this week; adjusted the plan together.",
    "Feeling more confident; wants to book a package.",
    "Asked about evening availability for next month.",
    "Shared a referral for a friend who may reach out.",
    "Agreed to keep a short daily journal until next session.",
];

/// One demo contact with the notes to add to it.
#[derive(Debug, Clone)]
pub struct DemoContact {
    pub contact: BulkContact,
    pub notes: Vec<(String, String)>,
}

/// The demo people, deterministic for a seed. `today` anchors the creation dates, which fall
/// in the 18 months before it.
pub fn generate(count: u32, seed: u64, today: NaiveDate) -> Vec<DemoContact> {
    let mut random = ChaCha8Rng::seed_from_u64(seed);
    let anchor = Utc.from_utc_datetime(&today.and_hms_opt(12, 0, 0).unwrap_or_default());
    (0..count)
        .map(|index| demo_contact(&mut random, index, anchor))
        .collect()
}

fn pick<'a>(random: &mut ChaCha8Rng, items: &[&'a str]) -> &'a str {
    items.choose(random).copied().unwrap_or_default()
}

fn demo_contact(random: &mut ChaCha8Rng, index: u32, anchor: chrono::DateTime<Utc>) -> DemoContact {
    let first = pick(random, FIRST_NAMES);
    let last = pick(random, LAST_NAMES);
    let display_name = format!("{first} {last}");
    let local = format!("{}.{}", ascii_slug(first), ascii_slug(last));
    let mut emails = vec![EmailEntry {
        address: format!("{local}{index}@{}", pick(random, EMAIL_DOMAINS)),
        label: Some("personal".to_owned()),
        is_primary: true,
    }];
    let organization = random
        .random_bool(0.3)
        .then(|| pick(random, ORGANIZATIONS).to_owned());
    if let Some(organization) = &organization {
        if random.random_bool(0.5) {
            let domain: String = organization
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_lowercase();
            emails.push(EmailEntry {
                address: format!("{}{index}@{domain}.com", ascii_slug(first)),
                label: Some("work".to_owned()),
                is_primary: false,
            });
        }
    }
    let (area_code, city, region) =
        PLACES
            .choose(random)
            .copied()
            .unwrap_or(("415", "San Francisco", "CA"));
    let phone_count = random.random_range(0..=2);
    let phones = (0..phone_count)
        .map(|position| PhoneEntry {
            number: demo_phone(random, area_code),
            label: Some(if position == 0 { "mobile" } else { "home" }.to_owned()),
            is_primary: position == 0,
        })
        .collect();
    let country = if ["BC", "ON"].contains(&region) {
        "Canada"
    } else {
        "United States"
    };
    let address = random.random_bool(0.6).then(|| Address {
        street: Some(format!(
            "{} {}",
            random.random_range(1..2400),
            pick(random, STREETS)
        )),
        city: Some(city.to_owned()),
        region: Some(region.to_owned()),
        postal_code: Some(format!("{:05}", random.random_range(10_000..99_999))),
        country: Some(country.to_owned()),
    });
    let date_of_birth = random.random_bool(0.7).then(|| {
        let date = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap_or_default()
            + Duration::days(random.random_range(0..19_700));
        date.format("%Y-%m-%d").to_string()
    });
    let stage = weighted(
        random,
        &[
            (Some(LifecycleStage::Prospect), 14),
            (Some(LifecycleStage::NewClient), 18),
            (Some(LifecycleStage::CoreClient), 30),
            (Some(LifecycleStage::ReferringClient), 8),
            (Some(LifecycleStage::VipClient), 6),
            (Some(LifecycleStage::LostClient), 8),
            (Some(LifecycleStage::AtRiskClient), 8),
            (None, 8),
        ],
    );
    let status = match stage {
        Some(LifecycleStage::LostClient) => ClientStatus::Churned,
        Some(LifecycleStage::AtRiskClient) => ClientStatus::AtRisk,
        _ if random.random_bool(0.1) => ClientStatus::Inactive,
        _ => ClientStatus::Active,
    };
    let source = weighted(
        random,
        &[
            (ContactSource::Manual, 45),
            (ContactSource::Upload, 20),
            (ContactSource::GmailImport, 20),
            (ContactSource::CalendarImport, 8),
            (ContactSource::OnboardingForm, 7),
        ],
    );
    let tag_count = random.random_range(0..=3);
    let tags = (0..tag_count)
        .map(|_| pick(random, TAGS).to_owned())
        .collect();
    let focus = pick(random, FOCUSES);
    let health_context = if random.random_bool(0.5) {
        serde_json::json!({ "focus": focus, "allergies": if random.random_bool(0.2) { "arnica" } else { "none known" } })
    } else {
        serde_json::Value::Null
    };
    let preferences = if random.random_bool(0.5) {
        serde_json::json!({
            "preferred_time": pick(random, &["mornings", "lunchtime", "evenings", "weekends"]),
            "contact_method": pick(random, &["email", "text", "phone"]),
        })
    } else {
        serde_json::Value::Null
    };
    let referral_source = random.random_bool(0.2).then(|| {
        format!(
            "Referred by {} {}",
            pick(random, FIRST_NAMES),
            pick(random, LAST_NAMES)
        )
    });
    let emergency = random.random_bool(0.3);
    let emergency_contact_name = emergency.then(|| format!("{} {last}", pick(random, FIRST_NAMES)));
    let emergency_contact_phone = emergency.then(|| demo_phone(random, area_code));
    let created_at = anchor
        - Duration::minutes(random.random_range(0..(18 * 30 * 24 * 60)))
        - Duration::seconds(random.random_range(0..60));
    let note_count = random.random_range(0..=3);
    let notes = (0..note_count)
        .map(|number| {
            let body = format!(
                "{} {focus}. {}",
                pick(random, NOTE_OPENINGS),
                pick(random, NOTE_OUTCOMES)
            );
            let at = created_at + Duration::days(7 * (i64::from(number) + 1));
            (body, format_utc(at.min(anchor)))
        })
        .collect();
    DemoContact {
        contact: BulkContact {
            input: ContactInput {
                display_name,
                organization,
                emails,
                phones,
                address,
                date_of_birth,
                photo: None,
                lifecycle_stage: stage,
                client_status: Some(status),
                source: Some(source),
                referral_source,
                emergency_contact_name,
                emergency_contact_phone,
                health_context,
                preferences,
                tags,
            },
            created_at: Some(format_utc(created_at)),
        },
        notes,
    }
}

fn weighted<T: Copy + Default>(random: &mut ChaCha8Rng, choices: &[(T, u32)]) -> T {
    choices
        .choose_weighted(random, |(_, weight)| *weight)
        .map(|(choice, _)| *choice)
        .unwrap_or_default()
}

/// A valid North American number in the area code, avoiding the 555 and N11 exchanges.
fn demo_phone(random: &mut ChaCha8Rng, area_code: &str) -> String {
    let exchange = loop {
        let candidate = random.random_range(200..1000);
        if candidate != 555 && candidate % 100 != 11 {
            break candidate;
        }
    };
    format!(
        "+1 {area_code} {exchange} {:04}",
        random.random_range(0..10_000)
    )
}

fn ascii_slug(name: &str) -> String {
    name.chars()
        .filter_map(|character| match character {
            'á' | 'à' | 'å' | 'ä' => Some('a'),
            'é' | 'è' | 'ë' => Some('e'),
            'í' => Some('i'),
            'ó' | 'ö' | 'ø' => Some('o'),
            'ú' | 'ü' => Some('u'),
            'ñ' => Some('n'),
            'ç' => Some('c'),
            other if other.is_ascii_alphanumeric() => Some(other.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// Writes demo data through the contact and note services, all or nothing: in chunks of one
/// undoable batch (see [`crate::chunked_writes`]), each contact with its notes.
#[derive(Debug, Clone)]
pub struct DemoService {
    database: Database,
}

impl DemoService {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    pub fn load(
        &self,
        count: u32,
        seed: u64,
        progress: &mut dyn FnMut(DemoProgress),
    ) -> Result<DemoSummary> {
        if count == 0 || count > MAX_DEMO_CONTACTS {
            return Err(Error::invalid_field(
                "contacts",
                format!("must be between 1 and {MAX_DEMO_CONTACTS}"),
            ));
        }
        let batch_id = new_id();
        let options = BulkOptions {
            batch_id: Some(batch_id.clone()),
        };
        let people = generate(count, seed, Utc::now().date_naive());
        let mut written = 0u32;
        let mut note_total = 0u32;
        let mut tags = std::collections::BTreeSet::new();
        progress(DemoProgress {
            done: 0,
            total: count,
        });
        let mut people = people.into_iter().peekable();
        crate::chunked_writes::write_in_chunks(&self.database, &batch_id, "demo", |chunks| {
            while people.peek().is_some() {
                let chunk: Vec<DemoContact> = people.by_ref().take(CHUNK).collect();
                let mut chunk_notes = Vec::with_capacity(chunk.len());
                let mut bulk = Vec::with_capacity(chunk.len());
                for person in chunk {
                    tags.extend(person.contact.input.tags.iter().cloned());
                    chunk_notes.push(person.notes);
                    bulk.push(person.contact);
                }
                let (ids, added) = chunks.write(|transaction| {
                    let ids =
                        crate::contacts::insert_many_in(transaction, bulk, &options, &mut |_| {})?;
                    let mut added = 0u32;
                    for (contact_id, notes_of_contact) in ids.iter().zip(&chunk_notes) {
                        for (body, created_at) in notes_of_contact {
                            notes::insert(
                                transaction,
                                contact_id,
                                notes::NoteInput::plain(body),
                                Some(created_at),
                                Some(&batch_id),
                            )?;
                            added += 1;
                        }
                    }
                    Ok((ids, added))
                })?;
                note_total += added;
                written += u32::try_from(ids.len()).unwrap_or(u32::MAX);
                progress(DemoProgress {
                    done: written,
                    total: count,
                });
            }
            Ok(())
        })?;
        Ok(DemoSummary {
            contacts: written,
            notes: note_total,
            tags: u32::try_from(tags.len()).unwrap_or(u32::MAX),
            batch_id,
        })
    }
}

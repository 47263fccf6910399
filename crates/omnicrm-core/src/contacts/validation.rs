//! Checks and normalizes contact input. Every problem becomes a [`FieldError`] naming its field;
//! nothing here panics on any input.

use std::collections::HashSet;
use std::str::FromStr;

use base64::Engine;
use chrono::{Datelike, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension};

use super::{Address, ClientStatus, Contact, ContactInput, ContactSource, EmailEntry, PhoneEntry};
use crate::error::{Error, FieldError, Result};

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_TEXT_CHARS: usize = 200;
pub const MAX_LABEL_CHARS: usize = 40;
pub const MAX_TAG_CHARS: usize = 50;
pub const MAX_TAGS: usize = 50;
pub const MAX_EMAILS: usize = 20;
pub const MAX_PHONES: usize = 20;
pub const MAX_EMAIL_CHARS: usize = 254;
pub const MAX_PHONE_CHARS: usize = 40;
/// The largest photo, in decoded bytes.
pub const MAX_PHOTO_BYTES: usize = 1024 * 1024;
/// The largest health context or preferences object, as JSON text.
pub const MAX_JSON_BYTES: usize = 64 * 1024;

/// The setting that holds the region used for phone numbers typed without a country code.
pub const PHONE_REGION_SETTING: &str = "phone_default_region";
const FALLBACK_PHONE_REGION: &str = "US";

/// Rules that depend on the user's settings.
#[derive(Debug, Clone)]
pub struct ValidationRules {
    pub default_region: phonenumber::country::Id,
}

impl Default for ValidationRules {
    fn default() -> Self {
        Self {
            default_region: phonenumber::country::Id::US,
        }
    }
}

/// Contact input that passed every check, with emails, phones and text normalized.
pub(crate) struct ValidContact {
    input: ContactInput,
    client_status: ClientStatus,
    source: ContactSource,
}

impl ValidContact {
    /// The checked and normalized input (E.164 phones, trimmed text).
    pub(crate) fn input(&self) -> &ContactInput {
        &self.input
    }

    pub(crate) fn into_contact(
        self,
        id: String,
        created_at: String,
        updated_at: String,
    ) -> Contact {
        let input = self.input;
        Contact {
            id,
            display_name: input.display_name,
            organization: input.organization,
            emails: input.emails,
            phones: input.phones,
            address: input.address,
            date_of_birth: input.date_of_birth,
            photo: input.photo,
            lifecycle_stage: input.lifecycle_stage,
            client_status: self.client_status,
            source: self.source,
            referral_source: input.referral_source,
            emergency_contact_name: input.emergency_contact_name,
            emergency_contact_phone: input.emergency_contact_phone,
            health_context: input.health_context,
            preferences: input.preferences,
            tags: input.tags,
            created_at,
            updated_at,
            deleted_at: None,
        }
    }
}

impl ValidationRules {
    /// Reads the rules from the settings table.
    pub fn load(connection: &Connection) -> Result<Self> {
        let region: Option<String> = connection
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                [PHONE_REGION_SETTING],
                |row| row.get(0),
            )
            .optional()?;
        let region = region.unwrap_or_else(|| FALLBACK_PHONE_REGION.to_owned());
        let default_region = phonenumber::country::Id::from_str(&region).map_err(|_| {
            Error::invalid_field(
                PHONE_REGION_SETTING,
                format!("'{region}' is not a two-letter region code"),
            )
        })?;
        Ok(Self { default_region })
    }

    pub(crate) fn validate(&self, input: ContactInput) -> Result<ValidContact> {
        let mut errors = Vec::new();
        let ContactInput {
            display_name,
            organization,
            emails,
            phones,
            address,
            date_of_birth,
            photo,
            lifecycle_stage,
            client_status,
            source,
            referral_source,
            emergency_contact_name,
            emergency_contact_phone,
            health_context,
            preferences,
            tags,
        } = input;

        let display_name = collapse_whitespace(&display_name);
        if display_name.is_empty() {
            errors.push(FieldError::new("display_name", "is required"));
        } else {
            check_text(&mut errors, "display_name", &display_name, MAX_NAME_CHARS);
        }
        let organization = optional_text(&mut errors, "organization", organization, MAX_TEXT_CHARS);
        let emails = self.check_emails(&mut errors, emails);
        let phones = self.check_phones(&mut errors, phones);
        let address = check_address(&mut errors, address);
        let date_of_birth = check_date_of_birth(&mut errors, date_of_birth);
        let photo = check_photo(&mut errors, photo);
        let referral_source = optional_text(
            &mut errors,
            "referral_source",
            referral_source,
            MAX_TEXT_CHARS,
        );
        let emergency_contact_name = optional_text(
            &mut errors,
            "emergency_contact_name",
            emergency_contact_name,
            MAX_TEXT_CHARS,
        );
        let emergency_contact_phone = optional_text(
            &mut errors,
            "emergency_contact_phone",
            emergency_contact_phone,
            MAX_PHONE_CHARS,
        )
        .and_then(|number| match self.normalize_phone(&number) {
            Ok(normalized) => Some(normalized),
            Err(message) => {
                errors.push(FieldError::new("emergency_contact_phone", message));
                None
            }
        });
        let health_context = check_json_object(&mut errors, "health_context", health_context);
        let preferences = check_json_object(&mut errors, "preferences", preferences);
        let tags = check_tags(&mut errors, tags);

        if !errors.is_empty() {
            return Err(Error::validation(errors));
        }
        Ok(ValidContact {
            input: ContactInput {
                display_name,
                organization,
                emails,
                phones,
                address,
                date_of_birth,
                photo,
                lifecycle_stage,
                client_status,
                source,
                referral_source,
                emergency_contact_name,
                emergency_contact_phone,
                health_context,
                preferences,
                tags,
            },
            client_status: client_status.unwrap_or_default(),
            source: source.unwrap_or_default(),
        })
    }

    fn check_emails(
        &self,
        errors: &mut Vec<FieldError>,
        emails: Vec<EmailEntry>,
    ) -> Vec<EmailEntry> {
        if emails.len() > MAX_EMAILS {
            errors.push(FieldError::new(
                "emails",
                format!(
                    "has {} addresses; at most {MAX_EMAILS} are allowed",
                    emails.len()
                ),
            ));
            return Vec::new();
        }
        let mut seen = HashSet::new();
        let mut checked = Vec::with_capacity(emails.len());
        for (index, email) in emails.into_iter().enumerate() {
            let field = format!("emails[{index}].address");
            let address = email.address.trim().to_owned();
            if address.is_empty() {
                errors.push(FieldError::new(field, "is required"));
                continue;
            }
            if address.chars().count() > MAX_EMAIL_CHARS {
                errors.push(FieldError::new(
                    field,
                    format!("is longer than {MAX_EMAIL_CHARS} characters"),
                ));
                continue;
            }
            if !is_valid_email(&address) {
                errors.push(FieldError::new(field, "is not a valid email address"));
                continue;
            }
            if !seen.insert(normalize_email(&address)) {
                errors.push(FieldError::new(field, "is listed twice"));
                continue;
            }
            let label = optional_text(
                errors,
                &format!("emails[{index}].label"),
                email.label,
                MAX_LABEL_CHARS,
            );
            checked.push(EmailEntry {
                address,
                label,
                is_primary: email.is_primary,
            });
        }
        settle_primary(errors, "emails", &mut checked, |email| {
            &mut email.is_primary
        });
        checked
    }

    fn check_phones(
        &self,
        errors: &mut Vec<FieldError>,
        phones: Vec<PhoneEntry>,
    ) -> Vec<PhoneEntry> {
        if phones.len() > MAX_PHONES {
            errors.push(FieldError::new(
                "phones",
                format!(
                    "has {} numbers; at most {MAX_PHONES} are allowed",
                    phones.len()
                ),
            ));
            return Vec::new();
        }
        let mut seen = HashSet::new();
        let mut checked = Vec::with_capacity(phones.len());
        for (index, phone) in phones.into_iter().enumerate() {
            let field = format!("phones[{index}].number");
            let number = phone.number.trim();
            if number.is_empty() {
                errors.push(FieldError::new(field, "is required"));
                continue;
            }
            if number.chars().count() > MAX_PHONE_CHARS {
                errors.push(FieldError::new(
                    field,
                    format!("is longer than {MAX_PHONE_CHARS} characters"),
                ));
                continue;
            }
            let normalized = match self.normalize_phone(number) {
                Ok(normalized) => normalized,
                Err(message) => {
                    errors.push(FieldError::new(field, message));
                    continue;
                }
            };
            if !seen.insert(normalized.clone()) {
                errors.push(FieldError::new(field, "is listed twice"));
                continue;
            }
            let label = optional_text(
                errors,
                &format!("phones[{index}].label"),
                phone.label,
                MAX_LABEL_CHARS,
            );
            checked.push(PhoneEntry {
                number: normalized,
                label,
                is_primary: phone.is_primary,
            });
        }
        settle_primary(errors, "phones", &mut checked, |phone| {
            &mut phone.is_primary
        });
        checked
    }

    /// A phone number in E.164 form, or why it is not one.
    pub fn normalize_phone(&self, number: &str) -> std::result::Result<String, String> {
        let parsed = phonenumber::parse(Some(self.default_region), number)
            .map_err(|_| "is not a phone number".to_owned())?;
        if !phonenumber::is_valid(&parsed) {
            return Err("is not a valid phone number for its country".to_owned());
        }
        Ok(parsed.format().mode(phonenumber::Mode::E164).to_string())
    }
}

/// Lowercased address, the form used for matching.
pub fn normalize_email(address: &str) -> String {
    address.trim().to_lowercase()
}

fn is_valid_email(address: &str) -> bool {
    // The crate accepts RFC 5322 forms such as quoted local parts and display names; a
    // practitioner's contact needs a plain addr-spec with a dotted domain.
    let Ok(parsed) = email_address::EmailAddress::from_str(address) else {
        return false;
    };
    let domain = parsed.domain();
    parsed.as_str() == address
        && !address.contains(['<', '>', '"', ' '])
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

/// Exactly one primary: the first entry when none is marked; an error when several are.
fn settle_primary<T>(
    errors: &mut Vec<FieldError>,
    field: &str,
    entries: &mut [T],
    is_primary: impl Fn(&mut T) -> &mut bool,
) {
    let mut marked = 0;
    for entry in entries.iter_mut() {
        if *is_primary(entry) {
            marked += 1;
        }
    }
    if marked > 1 {
        errors.push(FieldError::new(field, "only one can be primary"));
    } else if marked == 0 {
        if let Some(first) = entries.first_mut() {
            *is_primary(first) = true;
        }
    }
}

/// Trims and turns every run of whitespace into one space.
pub(crate) fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn check_text(errors: &mut Vec<FieldError>, field: &str, text: &str, max_chars: usize) {
    if text.chars().count() > max_chars {
        errors.push(FieldError::new(
            field,
            format!("is longer than {max_chars} characters"),
        ));
    } else if text
        .chars()
        .any(|character| character.is_control() && character != '\n')
    {
        errors.push(FieldError::new(field, "contains control characters"));
    }
}

/// Trims; blank becomes `None`.
fn optional_text(
    errors: &mut Vec<FieldError>,
    field: &str,
    text: Option<String>,
    max_chars: usize,
) -> Option<String> {
    let text = text?.trim().to_owned();
    if text.is_empty() {
        return None;
    }
    check_text(errors, field, &text, max_chars);
    Some(text)
}

fn check_address(errors: &mut Vec<FieldError>, address: Option<Address>) -> Option<Address> {
    let address = address?;
    let checked = Address {
        street: optional_text(errors, "address.street", address.street, MAX_TEXT_CHARS),
        city: optional_text(errors, "address.city", address.city, MAX_TEXT_CHARS),
        region: optional_text(errors, "address.region", address.region, MAX_TEXT_CHARS),
        postal_code: optional_text(errors, "address.postal_code", address.postal_code, 20),
        country: optional_text(errors, "address.country", address.country, MAX_TEXT_CHARS),
    };
    (checked != Address::default()).then_some(checked)
}

fn check_date_of_birth(errors: &mut Vec<FieldError>, date: Option<String>) -> Option<String> {
    const FIELD: &str = "date_of_birth";
    let text = date?.trim().to_owned();
    if text.is_empty() {
        return None;
    }
    if text.starts_with("--") {
        // A birthday without a year, as vCard writes it: --MM-DD.
        return match crate::reminders::birth_date_parts(&text) {
            Some((None, month, day)) => Some(format!("--{month:02}-{day:02}")),
            _ => {
                errors.push(FieldError::new(
                    FIELD,
                    "must be a date written YYYY-MM-DD, or --MM-DD without the year",
                ));
                None
            }
        };
    }
    let Ok(date) = NaiveDate::parse_from_str(&text, "%Y-%m-%d") else {
        errors.push(FieldError::new(
            FIELD,
            "must be a date written YYYY-MM-DD, or --MM-DD without the year",
        ));
        return None;
    };
    if date.year() < 1900 {
        errors.push(FieldError::new(FIELD, "must be in 1900 or later"));
        return None;
    }
    if date > Utc::now().date_naive() {
        errors.push(FieldError::new(FIELD, "cannot be in the future"));
        return None;
    }
    Some(date.format("%Y-%m-%d").to_string())
}

fn check_photo(errors: &mut Vec<FieldError>, photo: Option<String>) -> Option<String> {
    const FIELD: &str = "photo";
    let photo = photo?;
    if photo.is_empty() {
        return None;
    }
    let Some((header, data)) = photo.split_once(',') else {
        errors.push(FieldError::new(FIELD, "must be a data: URL"));
        return None;
    };
    let allowed = [
        "data:image/png;base64",
        "data:image/jpeg;base64",
        "data:image/webp;base64",
        "data:image/gif;base64",
    ];
    if !allowed.contains(&header) {
        errors.push(FieldError::new(
            FIELD,
            "must be a PNG, JPEG, WebP or GIF image",
        ));
        return None;
    }
    // Base64 is 4/3 the size of its bytes: reject oversized text before decoding it.
    if data.len() > MAX_PHOTO_BYTES / 3 * 4 + 4 {
        errors.push(FieldError::new(
            FIELD,
            format!("is larger than {} KiB", MAX_PHOTO_BYTES / 1024),
        ));
        return None;
    }
    match base64::engine::general_purpose::STANDARD.decode(data) {
        Ok(bytes) if bytes.len() <= MAX_PHOTO_BYTES => Some(photo),
        Ok(_) => {
            errors.push(FieldError::new(
                FIELD,
                format!("is larger than {} KiB", MAX_PHOTO_BYTES / 1024),
            ));
            None
        }
        Err(_) => {
            errors.push(FieldError::new(FIELD, "is not valid base64 image data"));
            None
        }
    }
}

fn check_json_object(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: serde_json::Value,
) -> serde_json::Value {
    match &value {
        serde_json::Value::Null => value,
        serde_json::Value::Object(map) if map.is_empty() => serde_json::Value::Null,
        serde_json::Value::Object(_) => {
            let size = serde_json::to_string(&value).map_or(usize::MAX, |text| text.len());
            if size > MAX_JSON_BYTES {
                errors.push(FieldError::new(
                    field,
                    format!("is larger than {} KiB", MAX_JSON_BYTES / 1024),
                ));
            }
            value
        }
        _ => {
            errors.push(FieldError::new(field, "must be an object of named values"));
            serde_json::Value::Null
        }
    }
}

fn check_tags(errors: &mut Vec<FieldError>, tags: Vec<String>) -> Vec<String> {
    if tags.len() > MAX_TAGS {
        errors.push(FieldError::new(
            "tags",
            format!("has {} tags; at most {MAX_TAGS} are allowed", tags.len()),
        ));
        return Vec::new();
    }
    let mut seen = HashSet::new();
    let mut checked = Vec::with_capacity(tags.len());
    for (index, tag) in tags.into_iter().enumerate() {
        let field = format!("tags[{index}]");
        let tag = collapse_whitespace(&tag);
        if tag.is_empty() {
            errors.push(FieldError::new(field, "is empty"));
            continue;
        }
        check_text(errors, &field, &tag, MAX_TAG_CHARS);
        if seen.insert(tag.to_lowercase()) {
            checked.push(tag);
        }
    }
    // The order they are read back in.
    checked.sort_by_key(|tag| tag.to_lowercase());
    checked
}

/// A caller-supplied timestamp must be RFC 3339; it is stored in UTC.
pub(crate) fn check_timestamp(field: &str, text: &str) -> Result<String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|instant| crate::time::format_utc(instant.with_timezone(&Utc)))
        .map_err(|_| Error::invalid_field(field, "must be an RFC 3339 timestamp"))
}

//! How often to be in touch with someone: every N days, weeks or calendar months, and the date
//! arithmetic on local dates that goes with it.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The unit of a [`Cadence`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum CadenceUnit {
    Day,
    Week,
    Month,
}

/// Every `every` days, weeks or months. Written `30d`, `2w`, `3m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Cadence {
    pub every: u32,
    pub unit: CadenceUnit,
}

/// The longest cadence accepted: ten years.
const MAX_DAYS: u32 = 3_660;

impl Cadence {
    pub fn days(every: u32) -> Self {
        Self {
            every,
            unit: CadenceUnit::Day,
        }
    }

    pub fn weeks(every: u32) -> Self {
        Self {
            every,
            unit: CadenceUnit::Week,
        }
    }

    pub fn months(every: u32) -> Self {
        Self {
            every,
            unit: CadenceUnit::Month,
        }
    }

    /// Reads `30d`, `2w`, `3m` (also `30 days`, `2 weeks`, `3 months`); `field` names the
    /// input in the error.
    pub fn parse(text: &str, field: &str) -> Result<Self> {
        let compact: String = text
            .trim()
            .to_ascii_lowercase()
            .chars()
            .filter(|character| !character.is_whitespace())
            .collect();
        let digits_end = compact
            .find(|character: char| !character.is_ascii_digit())
            .unwrap_or(compact.len());
        let (number, unit) = compact.split_at(digits_end);
        let unit = match unit {
            "d" | "day" | "days" => Some(CadenceUnit::Day),
            "w" | "week" | "weeks" => Some(CadenceUnit::Week),
            "m" | "month" | "months" => Some(CadenceUnit::Month),
            _ => None,
        };
        let invalid = || {
            Error::invalid_field(
                field,
                "must be a number of days, weeks or months, like 30d, 2w or 3m (or none)",
            )
        };
        let (Some(unit), Ok(every)) = (unit, number.parse::<u32>()) else {
            return Err(invalid());
        };
        let cadence = Self { every, unit };
        if every == 0 || cadence.approximate_days() > MAX_DAYS {
            return Err(Error::invalid_field(
                field,
                "must be between 1 day and 10 years",
            ));
        }
        Ok(cadence)
    }

    /// `30d`, `2w`, `3m`.
    pub fn code(self) -> String {
        let unit = match self.unit {
            CadenceUnit::Day => 'd',
            CadenceUnit::Week => 'w',
            CadenceUnit::Month => 'm',
        };
        format!("{}{unit}", self.every)
    }

    /// "every 2 weeks", for people.
    pub fn describe(self) -> String {
        let (one, many) = match self.unit {
            CadenceUnit::Day => ("day", "days"),
            CadenceUnit::Week => ("week", "weeks"),
            CadenceUnit::Month => ("month", "months"),
        };
        if self.every == 1 {
            format!("every {one}")
        } else {
            format!("every {} {many}", self.every)
        }
    }

    /// Its length in days, months counted as 30: for comparing cadences and measuring how
    /// overdue someone is relative to theirs.
    pub fn approximate_days(self) -> u32 {
        let per_unit = match self.unit {
            CadenceUnit::Day => 1,
            CadenceUnit::Week => 7,
            CadenceUnit::Month => 30,
        };
        self.every.saturating_mul(per_unit)
    }

    /// The day one cadence after `date`. Months are calendar months, ending on the month's last
    /// day when it is shorter (31 January + 1 month = 28 or 29 February).
    pub fn after(self, date: NaiveDate) -> NaiveDate {
        let later = match self.unit {
            CadenceUnit::Day => date.checked_add_days(chrono::Days::new(u64::from(self.every))),
            CadenceUnit::Week => {
                date.checked_add_days(chrono::Days::new(u64::from(self.every) * 7))
            }
            CadenceUnit::Month => date.checked_add_months(Months::new(self.every)),
        };
        later.unwrap_or(NaiveDate::MAX)
    }
}

/// The date in `year` of a yearly date that fell on `month`/`day`: 29 February is kept on
/// 28 February in years without one.
pub fn in_year(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day).or_else(|| {
        (month == 2 && day == 29)
            .then(|| NaiveDate::from_ymd_opt(year, 2, 28))
            .flatten()
    })
}

/// The next day on or after `from` that a yearly date on `month`/`day` falls on.
pub fn next_yearly(month: u32, day: u32, from: NaiveDate) -> Option<NaiveDate> {
    let this_year = in_year(from.year(), month, day)?;
    if this_year >= from {
        return Some(this_year);
    }
    in_year(from.year() + 1, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn cadences_read_their_short_and_long_forms_and_refuse_the_rest() {
        assert_eq!(
            Cadence::parse("30d", "cadence").ok(),
            Some(Cadence::days(30))
        );
        assert_eq!(
            Cadence::parse(" 2 Weeks ", "cadence").ok(),
            Some(Cadence::weeks(2))
        );
        assert_eq!(
            Cadence::parse("3m", "cadence").ok(),
            Some(Cadence::months(3))
        );
        for bad in ["", "0d", "d", "3y", "2 fortnights", "-1w", "200m"] {
            let error = Cadence::parse(bad, "cadence").err();
            assert_eq!(
                error.map(|error| error.field_errors()[0].field.clone()),
                Some("cadence".to_owned()),
                "{bad}"
            );
        }
        assert_eq!(Cadence::months(3).code(), "3m");
        assert_eq!(Cadence::weeks(1).describe(), "every week");
    }

    #[test]
    fn a_month_after_a_long_months_last_day_is_the_next_months_last_day() {
        assert_eq!(
            Cadence::months(1).after(date("2026-01-31")),
            date("2026-02-28")
        );
        assert_eq!(
            Cadence::months(1).after(date("2028-01-31")),
            date("2028-02-29")
        );
        assert_eq!(
            Cadence::months(3).after(date("2026-11-30")),
            date("2027-02-28")
        );
        assert_eq!(
            Cadence::weeks(2).after(date("2026-12-25")),
            date("2027-01-08")
        );
        assert_eq!(
            Cadence::days(1).after(date("2028-02-28")),
            date("2028-02-29")
        );
    }

    #[test]
    fn a_29_february_date_falls_on_28_february_in_other_years() {
        assert_eq!(
            next_yearly(2, 29, date("2027-01-10")),
            Some(date("2027-02-28"))
        );
        assert_eq!(
            next_yearly(2, 29, date("2028-01-10")),
            Some(date("2028-02-29"))
        );
        assert_eq!(
            next_yearly(2, 29, date("2027-03-01")),
            Some(date("2028-02-29"))
        );
        assert_eq!(
            next_yearly(12, 31, date("2026-12-31")),
            Some(date("2026-12-31"))
        );
        assert_eq!(
            next_yearly(1, 1, date("2026-12-31")),
            Some(date("2027-01-01"))
        );
    }
}

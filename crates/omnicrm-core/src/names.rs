//! Whether two names can be one person's. Duplicate suggestions and import matching both ask
//! this one question, so a husband and wife who share a phone are kept apart by both.
//!
//! A name is folded (lowercase, no accents or punctuation) and split into a given name, the
//! words after it and a generation (`Jr.`, `Sr.`, `III`). Titles (`Dr.`) and degrees (`PhD`)
//! are dropped, and `Last, First` is turned around. Two given names agree when they are the
//! same, one is the other's initial, both belong to one group of the nickname table below
//! (`Bob` and `Robert`), one is a short form that starts the other (`Dan`, `Daniel`), or they
//! differ by one typed letter (`Jonathon`, `Jonathan`). Names written last-name-first
//! (`Kowalski Anjali`) are compared both ways round.

use unicode_normalization::UnicodeNormalization;

/// What two names say about whether they are one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameAgreement {
    /// The given names agree (and so do the surnames, when [`NameAgreement::full`] is asked).
    Agree,
    /// One of the names says nothing about a person: it is empty, an email address or a
    /// phone number.
    Unknown,
    /// Different given names, or a different generation (`John Smith` and `John Smith Jr.`).
    Disagree,
}

impl NameAgreement {
    /// Not a disagreement: the names agree or one of them says nothing.
    pub fn allows_match(self) -> bool {
        self != Self::Disagree
    }
}

/// A display name taken apart for comparison.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonName {
    /// The folded words, given name first, without titles, degrees or generation.
    words: Vec<String>,
    /// `jr`, `sr`, `ii`, `iii`, `iv`, or empty.
    generation: String,
}

/// Words before a name that are not a name.
const TITLES: &[&str] = &["dr", "miss", "mr", "mrs", "ms", "mx", "prof", "rev"];

/// Words after a name that are not a name: degrees and credentials.
const DEGREES: &[&str] = &[
    "cpa", "dc", "dds", "esq", "lac", "lmt", "lpc", "md", "nd", "phd", "pt", "rn",
];

/// Generations: a father and a son with one name differ only in these.
const GENERATIONS: &[&str] = &["jr", "sr", "ii", "iii", "iv"];

/// Given names that are one name: each group lists a name with its usual short forms and
/// spellings. A name may be in several groups (`Chris`); two names agree when they share one.
/// Feminine and masculine forms (`Christina`, `Christopher`) are in different groups on
/// purpose, so a brother and sister do not agree.
const NICKNAMES: &[&[&str]] = &[
    &["abigail", "abby", "abbie", "gail"],
    &["albert", "al", "bert", "bertie"],
    &[
        "alexander",
        "alex",
        "alec",
        "alejandro",
        "alessandro",
        "sasha",
        "xander",
    ],
    &[
        "alexandra",
        "alex",
        "alexa",
        "sasha",
        "sandra",
        "sandy",
        "lexi",
    ],
    &["alfred", "al", "alf", "fred", "freddie"],
    &["andrew", "andy", "drew", "andres", "andreas", "andre"],
    &["angela", "angie", "angelica"],
    &["ann", "anne", "anna", "annie", "nan", "nancy"],
    &["anthony", "tony", "antonio", "anton"],
    &["barbara", "barb", "barbie", "babs"],
    &["benjamin", "ben", "benny", "benji"],
    &[
        "catherine",
        "katherine",
        "kathryn",
        "catharine",
        "kate",
        "katie",
        "kathy",
        "cathy",
        "kat",
        "kitty",
        "katarina",
        "katrina",
    ],
    &["charles", "charlie", "chuck", "chas"],
    &["charlotte", "charlie", "lottie", "carlota"],
    &["christian", "chris", "kristian", "cristian"],
    &[
        "christina",
        "christine",
        "kristina",
        "kristin",
        "kristen",
        "chris",
        "chrissy",
        "tina",
        "kris",
    ],
    &["christopher", "chris", "kit", "topher", "cristobal", "kris"],
    &["daniel", "dan", "danny", "dani"],
    &["daniela", "daniella", "danielle", "dani"],
    &["david", "dave", "davy", "davide"],
    &["deborah", "debra", "debbie", "deb"],
    &["donald", "don", "donnie"],
    &["dorothy", "dot", "dottie", "dorothea"],
    &["edward", "ed", "eddie", "ned", "ted", "teddy", "eduardo"],
    &[
        "elizabeth",
        "elisabeth",
        "liz",
        "lizzie",
        "beth",
        "betty",
        "betsy",
        "eliza",
        "lisa",
        "libby",
    ],
    &["emily", "em", "emmy", "emilia"],
    &["eugene", "gene"],
    &["frances", "fran", "frannie", "francesca"],
    &[
        "francis",
        "frank",
        "francisco",
        "francesco",
        "franz",
        "paco",
        "pancho",
    ],
    &["frederick", "fred", "freddie", "fritz", "federico"],
    &["gabriel", "gabe"],
    &["gabriela", "gabriella", "gabrielle", "gabby"],
    &["geoffrey", "jeffrey", "jeff", "geoff"],
    &["gregory", "greg"],
    &["harold", "harry", "hal"],
    &["henry", "harry", "hank", "enrique", "heinrich", "henri"],
    &[
        "isabel", "isabelle", "isabella", "isobel", "izzy", "bella", "belle",
    ],
    &["jacob", "jake", "jakob"],
    &["james", "jim", "jimmy", "jamie", "jaime"],
    &["jennifer", "jen", "jenny", "jenn"],
    &["jessica", "jess", "jessie"],
    &[
        "john", "jon", "johnny", "jack", "juan", "johann", "johannes", "giovanni",
    ],
    &["jonathan", "jonathon", "jon", "jonny", "nathan"],
    &["joseph", "joe", "joey", "jose", "josef", "giuseppe", "pepe"],
    &["josephine", "jo", "josie", "josefina"],
    &["joshua", "josh"],
    &["julia", "julie", "juliet", "julieta"],
    &["kenneth", "ken", "kenny"],
    &["lawrence", "laurence", "larry", "laurie", "lorenzo"],
    &["leonard", "leo", "len", "lenny", "leonardo"],
    &[
        "margaret",
        "maggie",
        "meg",
        "peggy",
        "marge",
        "margo",
        "greta",
        "margarita",
        "margarete",
    ],
    &["maria", "mary", "marie", "molly", "polly", "mariya"],
    &[
        "matthew", "matt", "matty", "mateo", "matteo", "matthias", "mathieu",
    ],
    &["maya", "maja", "maia"],
    &[
        "michael", "mike", "mikey", "mick", "mickey", "micheal", "miguel", "michel", "mikhail",
    ],
    &["michelle", "shelly", "michele", "micki"],
    &["nicholas", "nick", "nicky", "nico", "nicolas", "nikolai"],
    &["patricia", "pat", "patty", "trish", "tricia"],
    &["patrick", "pat", "paddy", "rick"],
    &["peter", "pete", "pedro", "pierre", "pietro"],
    &["philip", "phillip", "phil", "felipe", "filip"],
    &["rebecca", "becky", "becca", "rebekah"],
    &[
        "richard", "rick", "ricky", "dick", "rich", "ricardo", "rico",
    ],
    &["robert", "rob", "bob", "bobby", "robbie", "bert", "roberto"],
    &["ronald", "ron", "ronnie"],
    &["samantha", "sam", "sammy"],
    &["samuel", "sam", "sammy", "samuele"],
    &["sarah", "sara", "sally", "sadie"],
    &[
        "stephen", "steven", "steve", "stevie", "stefan", "esteban", "stephan",
    ],
    &["susan", "sue", "susie", "suzanne", "susanna", "suzy"],
    &["theodore", "theo", "ted", "teddy", "teodoro"],
    &["thomas", "tom", "tommy", "tomas", "thom"],
    &["timothy", "tim", "timmy"],
    &["victoria", "vicky", "tori", "vika"],
    &[
        "william",
        "will",
        "bill",
        "billy",
        "willy",
        "liam",
        "wilhelm",
        "guillermo",
    ],
];

/// Names one typed letter apart that are nevertheless different names.
const DIFFERENT_NAMES: &[(&str, &str)] = &[
    ("frances", "francis"),
    ("marian", "marion"),
    ("adrian", "adrien"),
];

impl PersonName {
    /// Takes a display name apart: `"Dr. Robert J. Smith Jr."` gives `robert j smith` and
    /// generation `jr`; `"Smith, Robert"` gives `robert smith`.
    pub fn parse(display_name: &str) -> Self {
        let trimmed = display_name.trim();
        if trimmed.contains('@') || !trimmed.chars().any(char::is_alphabetic) {
            return Self::default();
        }
        let mut raw_words: Vec<String> = match trimmed.split_once(',') {
            Some((before, after)) => {
                let after_words = fold_words(after);
                let only_suffixes = after_words.iter().all(|word| {
                    GENERATIONS.contains(&word.as_str()) || DEGREES.contains(&word.as_str())
                });
                if only_suffixes {
                    let mut words = fold_words(before);
                    words.extend(after_words);
                    words
                } else {
                    // `Last, First`: the words after the comma come first.
                    let mut words = after_words;
                    words.extend(fold_words(before));
                    words
                }
            }
            None => fold_words(trimmed),
        };
        while raw_words
            .first()
            .is_some_and(|word| TITLES.contains(&word.as_str()))
            && raw_words.len() > 1
        {
            raw_words.remove(0);
        }
        let mut generation = String::new();
        while raw_words.len() > 1 {
            let Some(last) = raw_words.last() else {
                break;
            };
            if GENERATIONS.contains(&last.as_str()) {
                generation = last.clone();
            } else if !DEGREES.contains(&last.as_str()) {
                break;
            }
            raw_words.pop();
        }
        Self {
            words: raw_words,
            generation,
        }
    }

    /// The folded words, given name first, without titles, degrees or generation.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// The given name, or empty.
    pub fn given(&self) -> &str {
        self.words.first().map(String::as_str).unwrap_or_default()
    }

    /// The last word, or empty.
    pub fn last(&self) -> &str {
        self.words.last().map(String::as_str).unwrap_or_default()
    }

    /// The words after the given name that are more than an initial: middle names and
    /// surnames, each part of a double or hyphenated surname on its own.
    fn surnames(&self) -> impl Iterator<Item = &str> {
        self.words
            .iter()
            .skip(1)
            .map(String::as_str)
            .filter(|word| word.chars().count() > 1)
    }

    /// Says nothing about a person: empty, an email address or only digits.
    pub fn is_unknown(&self) -> bool {
        self.words.is_empty()
    }

    /// Whether these can be one person by their given names (and generation). A name of one
    /// word agrees when that word is the other's given name or one of its surnames.
    pub fn agreement(&self, other: &Self) -> NameAgreement {
        if self.is_unknown() || other.is_unknown() {
            return NameAgreement::Unknown;
        }
        if self.generation != other.generation {
            return NameAgreement::Disagree;
        }
        if given_names_agree(self.given(), other.given()) {
            return NameAgreement::Agree;
        }
        let single = |one: &Self, full: &Self| {
            one.words.len() == 1 && full.surnames().any(|surname| surname == one.given())
        };
        if single(self, other) || single(other, self) {
            return NameAgreement::Unknown;
        }
        if self.is_transposed_of(other) {
            return NameAgreement::Agree;
        }
        NameAgreement::Disagree
    }

    /// Whether these can be one person by the whole name: given names agree and so does a
    /// surname. Names of one word never fully agree (there is nothing to compare the surname
    /// with), unless they are the same word.
    pub fn full_agreement(&self, other: &Self) -> NameAgreement {
        if self.is_unknown() || other.is_unknown() {
            return NameAgreement::Unknown;
        }
        if self.generation != other.generation {
            return NameAgreement::Disagree;
        }
        if self.words.len() == 1 || other.words.len() == 1 {
            return if self.words == other.words {
                NameAgreement::Agree
            } else {
                NameAgreement::Disagree
            };
        }
        let surnames_agree = self.surnames().any(|mine| {
            other
                .surnames()
                .any(|theirs| mine == theirs || one_typo_apart(mine, theirs))
        });
        if (given_names_agree(self.given(), other.given()) && surnames_agree)
            || self.is_transposed_of(other)
        {
            NameAgreement::Agree
        } else {
            NameAgreement::Disagree
        }
    }

    /// `Kowalski Anjali` and `Anjali Kowalski`: the first and last words swapped.
    fn is_transposed_of(&self, other: &Self) -> bool {
        self.words.len() > 1
            && other.words.len() > 1
            && same_or_typo(self.given(), other.last())
            && given_names_agree(self.last(), other.given())
    }
}

/// Whether two folded given names can be one person's: the same, an initial, one nickname
/// group, a short form starting the longer name, or one typed letter apart.
pub fn given_names_agree(first: &str, second: &str) -> bool {
    if first.is_empty() || second.is_empty() {
        return false;
    }
    if first == second {
        return true;
    }
    let first_length = first.chars().count();
    let second_length = second.chars().count();
    if first_length == 1 || second_length == 1 {
        return first.chars().next() == second.chars().next();
    }
    if NICKNAMES
        .iter()
        .any(|group| group.contains(&first) && group.contains(&second))
    {
        return true;
    }
    // A short form that starts the longer name, and is not just a feminine or masculine
    // ending away from it (`Dan` and `Daniel`, but not `Paul` and `Paula`).
    let (short, long) = if first_length <= second_length {
        (first, second)
    } else {
        (second, first)
    };
    let (short_length, long_length) = (short.chars().count(), long.chars().count());
    if short_length >= 3 && long_length >= short_length + 3 && long.starts_with(short) {
        return true;
    }
    one_typo_apart(first, second)
}

fn same_or_typo(first: &str, second: &str) -> bool {
    first == second || one_typo_apart(first, second)
}

/// One letter typed wrong, missing, extra or swapped with its neighbour, in names of five or
/// more letters, and not in the last letter (`Maria` and `Mario` are two people).
fn one_typo_apart(first: &str, second: &str) -> bool {
    if first.chars().count() < 5 || second.chars().count() < 5 {
        return false;
    }
    if first.chars().last() != second.chars().last() {
        return false;
    }
    if DIFFERENT_NAMES
        .iter()
        .any(|(one, other)| (first, second) == (*one, *other) || (first, second) == (*other, *one))
    {
        return false;
    }
    strsim::damerau_levenshtein(first, second) == 1
}

fn fold_words(text: &str) -> Vec<String> {
    fold(text)
        .split(' ')
        .filter(|word| !word.is_empty() && !word.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_owned)
        .collect()
}

/// Lowercase letters and digits without accents, words separated by single spaces:
/// `"Zoë  O'Brien-Müller"` becomes `"zoe o brien muller"`.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for character in text.nfkd() {
        if unicode_normalization::char::is_combining_mark(character) {
            continue;
        }
        match character {
            'ø' | 'Ø' => folded.push('o'),
            'ß' => folded.push_str("ss"),
            'æ' | 'Æ' => folded.push_str("ae"),
            'œ' | 'Œ' => folded.push_str("oe"),
            'ł' | 'Ł' => folded.push('l'),
            'đ' | 'Đ' => folded.push('d'),
            'ı' => folded.push('i'),
            other if other.is_alphanumeric() => folded.extend(other.to_lowercase()),
            _ => folded.push(' '),
        }
    }
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agreement(first: &str, second: &str) -> NameAgreement {
        PersonName::parse(first).agreement(&PersonName::parse(second))
    }

    fn full(first: &str, second: &str) -> NameAgreement {
        PersonName::parse(first).full_agreement(&PersonName::parse(second))
    }

    #[test]
    fn folding_drops_accents_case_and_punctuation() {
        assert_eq!(fold("Zoë  O'Brien-Müller"), "zoe o brien muller");
        assert_eq!(fold("Bjørn Strauß"), "bjorn strauss");
        assert_eq!(fold("  "), "");
    }

    #[test]
    fn the_same_person_written_differently_agrees() {
        for (first, second) in [
            ("Robert Smith", "Bob Smith"),
            ("Elizabeth Taylor", "Liz Taylor"),
            ("José Álvarez", "jose alvarez"),
            ("Anjali Kowalski", "Kowalski Anjali"),
            ("Smith, Robert", "Robert Smith"),
            ("Jonathon Reyes", "Jonathan Reyes"),
            ("Michael Brown", "Micheal Brown"),
            ("Maya Q. Lindqvist", "Maya Lindqvist"),
            ("  MAYA   lindqvist ", "Maya Lindqvist"),
            ("Dr. Priya Patel, MD", "Priya Patel"),
            ("P. Patel", "Priya Patel"),
            ("Dan Cole", "Daniel Cole"),
            ("Maya Lindqvist", "Maya Lindquist"),
        ] {
            assert_eq!(
                agreement(first, second),
                NameAgreement::Agree,
                "{first} / {second}"
            );
            assert_eq!(
                full(first, second),
                NameAgreement::Agree,
                "{first} / {second}"
            );
        }
    }

    #[test]
    fn family_members_disagree() {
        for (first, second) in [
            ("Anjali Kowalski", "Arjun Kowalski"),
            ("John Smith", "Joan Smith"),
            ("Paul Meyer", "Paula Meyer"),
            ("Maria Rossi", "Mario Rossi"),
            ("John Smith", "John Smith Jr."),
            ("Christopher Hale", "Christina Hale"),
            ("Francis Byrne", "Frances Byrne"),
            ("Daniel Cole", "Daniela Cole"),
        ] {
            assert_eq!(
                agreement(first, second),
                NameAgreement::Disagree,
                "{first} / {second}"
            );
            assert_eq!(
                full(first, second),
                NameAgreement::Disagree,
                "{first} / {second}"
            );
        }
    }

    #[test]
    fn names_that_say_nothing_are_unknown() {
        assert_eq!(agreement("", "John Smith"), NameAgreement::Unknown);
        assert_eq!(
            agreement("jsmith@example.com", "John Smith"),
            NameAgreement::Unknown
        );
        assert_eq!(
            agreement("+1 503 555 0100", "John Smith"),
            NameAgreement::Unknown
        );
        assert_eq!(agreement("Smith", "John Smith"), NameAgreement::Unknown);
        assert_eq!(full("Smith", "John Smith"), NameAgreement::Disagree);
    }

    #[test]
    fn the_same_given_name_with_another_surname_agrees_only_on_the_given_name() {
        assert_eq!(
            agreement("Maya Lindqvist", "Maya Berg"),
            NameAgreement::Agree
        );
        assert_eq!(full("Maya Lindqvist", "Maya Berg"), NameAgreement::Disagree);
        assert_eq!(
            full("Maya Lindqvist", "Maya Lindqvist-Berg"),
            NameAgreement::Agree
        );
    }
}

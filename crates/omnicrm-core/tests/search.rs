#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use common::{email, open_core, person, phone};

fn seed(core: &omnicrm_core::Core) {
    let mut maya = person("Maya Lindqvist");
    maya.emails = vec![email("maya@riverside-yoga.com")];
    maya.phones = vec![phone("+1 415 555 0134")];
    core.contacts.create(maya).unwrap();
    let mut zoe = person("Zoë Ångström");
    zoe.organization = Some("Blue Pine Studio".into());
    core.contacts.create(zoe).unwrap();
    core.contacts.create(person("Mayberry Jones")).unwrap();
    core.contacts.create(person("Li Wei 李伟")).unwrap();
}

fn found(core: &omnicrm_core::Core, text: &str) -> Vec<String> {
    core.contacts
        .search(text, 10)
        .unwrap()
        .into_iter()
        .map(|item| item.display_name)
        .collect()
}

#[test]
fn prefixes_of_names_find_contacts_and_name_prefix_hits_rank_first() {
    let (_directory, core) = open_core();
    seed(&core);
    assert_eq!(found(&core, "Lindq"), vec!["Maya Lindqvist"]);
    let mut may = found(&core, "may");
    may.sort();
    assert_eq!(may, vec!["Maya Lindqvist", "Mayberry Jones"]);
    core.contacts.create(person("Lindsay Ortiz")).unwrap();
    assert_eq!(
        found(&core, "lind"),
        vec!["Lindsay Ortiz", "Maya Lindqvist"]
    );
    assert_eq!(found(&core, "maya lin"), vec!["Maya Lindqvist"]);
}

#[test]
fn email_phone_and_organisation_are_searchable() {
    let (_directory, core) = open_core();
    seed(&core);
    assert_eq!(found(&core, "riverside"), vec!["Maya Lindqvist"]);
    assert_eq!(found(&core, "maya@river"), vec!["Maya Lindqvist"]);
    assert_eq!(found(&core, "415 555"), vec!["Maya Lindqvist"]);
    assert_eq!(found(&core, "+1415"), vec!["Maya Lindqvist"]);
    assert_eq!(found(&core, "blue pine"), vec!["Zoë Ångström"]);
}

#[test]
fn accents_and_non_latin_scripts_match() {
    let (_directory, core) = open_core();
    seed(&core);
    assert_eq!(found(&core, "zoe angst"), vec!["Zoë Ångström"]);
    assert_eq!(found(&core, "Ångs"), vec!["Zoë Ångström"]);
    assert_eq!(found(&core, "李伟"), vec!["Li Wei 李伟"]);
}

#[test]
fn quotes_operators_and_empty_text_are_safe() {
    let (_directory, core) = open_core();
    seed(&core);
    for text in [
        "",
        "   ",
        "\"",
        "\"\"\"",
        "*",
        "maya\"",
        "NEAR(maya lind)",
        "maya OR zoe",
        "-maya",
        "maya AND",
        "(",
        "^maya",
        "{display_name}: maya",
        "'",
        "%",
        "\0",
        "🙂",
    ] {
        let result = core.contacts.search(text, 10);
        assert!(result.is_ok(), "{text:?}: {result:?}");
        let list = core
            .contacts
            .list(&omnicrm_core::contacts::ContactListQuery {
                search: Some(text.to_owned()),
                ..Default::default()
            });
        assert!(list.is_ok(), "{text:?}: {list:?}");
    }
    assert!(found(&core, "").is_empty());
    assert_eq!(found(&core, "\"maya\""), vec!["Maya Lindqvist"]);
}

#[test]
fn search_follows_edits() {
    let (_directory, core) = open_core();
    let created = core.contacts.create(person("Old Name")).unwrap();
    core.contacts
        .update(&created.id, person("Fresh Name"))
        .unwrap();
    assert!(found(&core, "old").is_empty());
    assert_eq!(found(&core, "fresh"), vec!["Fresh Name"]);
}

//! `omnicrm ai config|key|ask|usage` against a local server speaking the chat-completions wire
//! format.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/database.rs"]
mod database;

#[path = "../../omnicrm-ai/tests/support/fake_provider.rs"]
mod fake_provider;

use assert_cmd::Command;
use fake_provider::{usage, FakeProvider, Reply};
use omnicrm_core::contacts::ContactInput;
use serde_json::{json, Value};

fn omnicrm(data_dir: &std::path::Path) -> Command {
    let mut command = Command::cargo_bin("omnicrm").unwrap();
    command
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("OMNICRM_DATA_DIR")
        .env("OMNICRM_SECRET_STORAGE", "encrypted_file");
    command
}

async fn run(mut command: Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn success(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A data directory whose assistant talks to `provider` with model `cli-model` and a key.
async fn configured(data_dir: &std::path::Path, provider: &FakeProvider) {
    let mut config = omnicrm(data_dir);
    config.args([
        "ai",
        "config",
        "--base-url",
        &provider.base_url,
        "--model",
        "cli-model",
    ]);
    success(&run(config).await);
    let mut key = omnicrm(data_dir);
    key.args(["ai", "key", "set"]).write_stdin("sk-cli-key\n");
    success(&run(key).await);
}

/// A contact named `name` in `data_dir`.
fn contact_named(data_dir: &std::path::Path, name: &str) -> omnicrm_core::contacts::Contact {
    let core = database::open_core(data_dir);
    core.contacts
        .create(ContactInput {
            display_name: name.to_owned(),
            ..ContactInput::default()
        })
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn configure_store_a_key_ask_with_citations_and_show_usage() {
    let provider = FakeProvider::start().await;
    let data_dir = tempfile::tempdir().unwrap();
    let contact = {
        let core = database::open_core(data_dir.path());
        core.contacts
            .create(ContactInput {
                display_name: "Ann Example".to_owned(),
                ..ContactInput::default()
            })
            .unwrap()
    };

    let mut config = omnicrm(data_dir.path());
    config.args([
        "ai",
        "config",
        "--base-url",
        &provider.base_url,
        "--model",
        "cli-model",
        "--fallback",
        "cli-backup",
        "--requests-per-minute",
        "5",
        "--json",
    ]);
    let settings: Value = serde_json::from_str(&success(&run(config).await)).unwrap();
    assert_eq!(settings["base_url"], json!(provider.base_url));
    assert_eq!(settings["fallback_models"], json!(["cli-backup"]));

    let mut key = omnicrm(data_dir.path());
    key.args(["ai", "key", "set"]).write_stdin("sk-cli-key\n");
    success(&run(key).await);

    provider.push(Reply::tool_call(
        "call_1",
        "search_contacts",
        json!({"query": "Ann"}),
        usage(10, 4, Some(0.001)),
    ));
    provider.push(Reply::streamed_text(
        &["Ann Example ", "is doing well."],
        usage(20, 6, Some(0.002)),
    ));
    let mut ask = omnicrm(data_dir.path());
    ask.args(["ai", "ask", "How is Ann?"]);
    let answer = success(&run(ask).await);

    assert!(answer.contains("Ann Example is doing well."), "{answer}");
    assert!(answer.contains("Sources:"), "{answer}");
    assert!(
        answer.contains(&format!("[contact] Ann Example ({})", contact.id)),
        "{answer}"
    );
    let received = provider.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].model(), "cli-model");
    assert_eq!(
        received[0].authorization.as_deref(),
        Some("Bearer sk-cli-key")
    );

    let mut usage_command = omnicrm(data_dir.path());
    usage_command.args(["ai", "usage", "--json"]);
    let summary: Value = serde_json::from_str(&success(&run(usage_command).await)).unwrap();
    assert_eq!(summary["minute"]["used"], json!(2.0));
    assert_eq!(summary["minute"]["limit"], json!(5.0));
    let month = summary["month"]["used"].as_f64().unwrap();
    assert!((month - 0.003).abs() < 1e-9, "{summary}");

    let mut table = omnicrm(data_dir.path());
    table.args(["ai", "usage"]);
    let text = success(&run(table).await);
    assert!(text.contains("Requests this minute"), "{text}");
    assert!(text.contains("cli-model"), "{text}");

    // Deleting all data takes the chat (it holds client data) and the key with it.
    let mut delete = omnicrm(data_dir.path());
    delete.args(["delete-all-data", "--confirm", "DELETE ALL MY DATA"]);
    success(&run(delete).await);
    let connection = database::open_database(data_dir.path());
    for table in ["ai_threads", "ai_messages", "ai_usage"] {
        let rows: i64 = connection
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(rows, 0, "{table} kept rows after deleting all data");
    }
    let store = omnicrm_ai::SettingsStore::new(
        database::open_core(data_dir.path()).database.clone(),
        data_dir.path(),
    );
    let settings = store.load().unwrap();
    assert!(
        store.api_key(&settings).unwrap().is_none(),
        "the key survived deleting all data"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ask_without_a_key_for_a_cloud_provider_says_why_ai_is_off() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut ask = omnicrm(data_dir.path());
    ask.args(["ai", "ask", "Anything?", "--json"]);
    let output = run(ask).await;

    assert!(!output.status.success());
    let error: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(error["code"], "ai_unavailable");
    // It names the command that fixes it, not the app's Settings.
    assert_eq!(
        error["message"],
        "Add the provider's API key with `omnicrm ai key set` to use the assistant."
    );

    let mut status = omnicrm(data_dir.path());
    status.args(["ai", "status"]);
    let output = run(status).await;
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("`omnicrm ai key set`"), "{text}");
    assert!(!text.contains("Settings"), "{text}");
}

/// Issue 19: after a mid-stream error the streamed answer printed "[retrying]" in the text each
/// time: it is said once, on its own line.
#[tokio::test(flavor = "multi_thread")]
async fn an_answer_broken_off_twice_says_retrying_once_on_its_own_line() {
    let provider = FakeProvider::start().await;
    let data_dir = tempfile::tempdir().unwrap();
    configured(data_dir.path(), &provider).await;

    provider.push(Reply::truncated_stream(&["Ann is ", "do"]));
    provider.push(Reply::truncated_stream(&["Ann is"]));
    provider.push(Reply::streamed_text(
        &["Ann is ", "doing well."],
        usage(20, 6, Some(0.002)),
    ));
    let mut ask = omnicrm(data_dir.path());
    ask.args(["ai", "ask", "How is Ann?"]);
    let answer = success(&run(ask).await);
    assert_eq!(answer.matches("[retrying]").count(), 1, "{answer}");
    assert!(answer.contains("Ann is do\n[retrying]\n"), "{answer}");
    assert!(answer.contains("Ann is doing well."), "{answer}");
}

/// Issue 19: `ai proposals` showed raw JSON with contact ids instead of names.
#[tokio::test(flavor = "multi_thread")]
async fn proposals_name_the_contact_in_words() {
    let provider = FakeProvider::start().await;
    let data_dir = tempfile::tempdir().unwrap();
    let contact = contact_named(data_dir.path(), "Ann Example");
    configured(data_dir.path(), &provider).await;
    provider.push(Reply::tool_call(
        "call_1",
        "create_task",
        json!({"title": "Send the worksheet", "contact_id": contact.id, "due_date": "2027-01-04"}),
        usage(10, 4, Some(0.001)),
    ));
    provider.push(Reply::text("I proposed a task.", usage(10, 4, Some(0.001))));
    let mut ask = omnicrm(data_dir.path());
    ask.args(["ai", "ask", "Remind me to send Ann the worksheet"]);
    let answer = success(&run(ask).await);
    assert!(
        answer.contains(
            "Proposed: Add the task “Send the worksheet” for Ann Example, due 2027-01-04"
        ),
        "{answer}"
    );
    let mut list = omnicrm(data_dir.path());
    list.args(["ai", "proposals"]);
    let listed = success(&run(list).await);
    assert!(listed.contains("for Ann Example"), "{listed}");
    assert!(!listed.contains(&contact.id.to_string()), "{listed}");
}

/// Issue 19: a cloud model with no price, whose provider reports no cost, spent without any
/// cap applying. It is refused before anything is sent, with the command that sets its price;
/// once `--price` sets it, questions go out and are held against the caps at that price.
#[tokio::test(flavor = "multi_thread")]
async fn a_model_without_a_price_is_refused_until_the_price_flag_sets_it() {
    let provider = FakeProvider::start().await;
    let data_dir = tempfile::tempdir().unwrap();
    {
        // The fake provider is on loopback; treat it as the cloud provider it stands for (set
        // before the CLI first opens, and so encrypts, the folder).
        let core = omnicrm_core::Core::open(data_dir.path()).unwrap();
        let assistant = omnicrm_ai::Assistant::new(core);
        let store = assistant.engine.settings();
        let mut settings = store.load().unwrap();
        settings.location = omnicrm_ai::ProviderLocation::Cloud;
        store.save(&settings).unwrap();
    }
    configured(data_dir.path(), &provider).await;
    provider.push(Reply::text("Ann is well.", usage(100, 20, None)));

    let mut ask = omnicrm(data_dir.path());
    ask.args(["ai", "ask", "How is Ann?", "--json"]);
    let output = run(ask).await;
    assert!(!output.status.success());
    let error: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(error["code"], "ai_unavailable");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("`omnicrm ai config --price cli-model=INPUT/OUTPUT`"),
        "{message}"
    );
    assert!(provider.received().is_empty());

    let mut wrong = omnicrm(data_dir.path());
    wrong.args(["ai", "config", "--price", "cli-model=cheap"]);
    assert!(!run(wrong).await.status.success());

    let mut config = omnicrm(data_dir.path());
    config.args(["ai", "config", "--price", "cli-model=1/2"]);
    let text = success(&run(config).await);
    assert!(
        text.contains(
            "Price of cli-model: $1 / $2 per million prompt / completion tokens (set by you)"
        ),
        "{text}"
    );

    let mut ask = omnicrm(data_dir.path());
    ask.args(["ai", "ask", "How is Ann?"]);
    let answer = success(&run(ask).await);
    assert!(answer.contains("Ann is well."), "{answer}");
    assert_eq!(provider.received().len(), 1);
    let mut usage_command = omnicrm(data_dir.path());
    usage_command.args(["ai", "usage", "--json"]);
    let summary: Value = serde_json::from_str(&success(&run(usage_command).await)).unwrap();
    // 100 × $1/M + 20 × $2/M, charged at the price set.
    let today = summary["today"]["used"].as_f64().unwrap();
    assert!((today - 0.000_14).abs() < 1e-9, "{summary}");

    let mut remove = omnicrm(data_dir.path());
    remove.args(["ai", "config", "--price", "cli-model=", "--json"]);
    let settings: Value = serde_json::from_str(&success(&run(remove).await)).unwrap();
    assert_eq!(settings["prices"], json!([]));
}

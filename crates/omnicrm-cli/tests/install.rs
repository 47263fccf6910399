//! What an installed `omnicrm` offers beyond its commands: shell completions, and one version
//! number shared with the desktop app.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;

#[test]
fn completions_are_printed_for_each_shell_and_know_the_commands() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef omnicrm"),
        ("fish", "complete -c omnicrm"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let output = Command::cargo_bin("omnicrm")
            .unwrap()
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(output.status.success(), "{shell}: {output:?}");
        let script = String::from_utf8(output.stdout).unwrap();
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(
            script.contains("encryption"),
            "{shell} completes subcommands"
        );
    }
    let unknown = Command::cargo_bin("omnicrm")
        .unwrap()
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn the_cli_and_the_desktop_app_take_their_version_from_the_workspace_only() {
    let output = Command::cargo_bin("omnicrm")
        .unwrap()
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(output.stdout).unwrap().trim(),
        format!("omnicrm {}", env!("CARGO_PKG_VERSION"))
    );
    // Tauri takes the app's version from its Cargo package (the workspace's) when its
    // configuration names none; a second number there would drift.
    let config: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../src-tauri/tauri.conf.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert!(config.get("version").is_none(), "{config}");
    let desktop = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../src-tauri/Cargo.toml"
    ))
    .unwrap();
    assert!(desktop.contains("version.workspace = true"));
}

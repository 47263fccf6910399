//! The `omnicrm` binary for the command-line tests: a command on a data directory, and its
//! `--json` answer.

use assert_cmd::Command;
use serde_json::Value;

/// `omnicrm --data-dir DATA_DIR`, ignoring any data directory set in the environment.
pub fn omnicrm(data_dir: &std::path::Path) -> Command {
    let mut command = Command::cargo_bin("omnicrm").unwrap();
    command
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("OMNICRM_DATA_DIR");
    command
}

/// Runs `command` with `--json`, requires success and returns the JSON it printed.
pub fn json_output(command: &mut Command) -> Value {
    let output = command.arg("--json").output().unwrap();
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#![allow(clippy::unwrap_used, clippy::expect_used)]
fn main() {
    tauri_build::build();
}

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    omnicrm_desktop::run();
}

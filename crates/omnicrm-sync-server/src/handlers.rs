//! HTTP handlers, grouped by API version (`health` is unversioned operations).

pub mod health;
pub mod v1;

//! The database of a data folder the CLI made, opened the way another OmniCRM process opens
//! it: encrypted at rest, unlocked with the key kept for the folder.
#![allow(dead_code)]

use std::path::Path;

/// A read-write connection to the folder's database, unlocked.
pub fn open_database(data_dir: &Path) -> rusqlite::Connection {
    open_database_with_flags(data_dir, rusqlite::OpenFlags::default())
}

/// A connection to the folder's database with `flags`, unlocked.
pub fn open_database_with_flags(
    data_dir: &Path,
    flags: rusqlite::OpenFlags,
) -> rusqlite::Connection {
    let connection = rusqlite::Connection::open_with_flags(
        data_dir.join(omnicrm_core::store::DATABASE_FILE_NAME),
        flags,
    )
    .unwrap();
    let key = omnicrm_app::encryption_at_rest::stored_key(data_dir).unwrap();
    omnicrm_core::encryption::unlock(&connection, key.as_ref()).unwrap();
    connection
}

/// The core over the folder, as the CLI opens it.
pub fn open_core(data_dir: &Path) -> omnicrm_core::Core {
    omnicrm_app::encryption_at_rest::open_core(data_dir).unwrap()
}

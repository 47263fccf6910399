//! The fallback when no OS keyring answers: each secret in its own file, encrypted with
//! XChaCha20-Poly1305 under a random key kept in a separate file.
//!
//! Layout, inside `<data_dir>/secrets/` (mode 0700 on Unix):
//! - `secrets.key`: 32 random bytes (mode 0600), made on the first store and never rewritten.
//! - `<hex of the account name>.secret` (mode 0600): `MAGIC ‖ 24-byte nonce ‖ ciphertext+tag`.
//!   The associated data is `MAGIC ‖ account name`, so a file copied or renamed to another
//!   account's name fails to decrypt instead of handing out the wrong secret.
//!
//! # Threat model (what this does and does not protect)
//! The key sits on the same disk as the secrets, readable by the same user. So this is *not* as
//! strong as a keyring, which keeps secrets out of the user's files and may lock them:
//! - It keeps tokens out of plain sight: out of the database, its backups and exports (which
//!   never include `secrets/`), out of logs, and out of a grep or a casual look at the data
//!   directory. A copy of the secret files without the key file reveals nothing.
//! - It detects tampering and damage: a changed, truncated or swapped file is refused with a
//!   clear error instead of being used.
//! - It does *not* protect against anyone or anything that can read the user's files (malware
//!   running as the user, an administrator, a stolen disk without full-disk encryption): they can
//!   read the key file as well. Full-disk encryption and a system keyring are the real protection;
//!   the app says plainly when this fallback is in use.
//!
//! Each secret is written to a `.partial` file and renamed into place, so a crash never leaves a
//! half-written secret, and two processes (the app and the CLI) never interleave one file.

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use omnicrm_core::{Error, Result};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

/// The folder inside the data directory that holds the encrypted secrets and their key.
pub const SECRETS_DIR_NAME: &str = "secrets";
/// The key file's name inside [`SECRETS_DIR_NAME`].
pub const KEY_FILE_NAME: &str = "secrets.key";

const MAGIC: &[u8; 8] = b"OMNISEC1";
const KEY_LENGTH: usize = 32;
const NONCE_LENGTH: usize = 24;
const SECRET_EXTENSION: &str = "secret";

/// What reading one secret found.
#[derive(Debug)]
pub enum SecretLookup {
    Found(SecretString),
    Missing,
    /// A secret is there but cannot be used: the key is missing or different, or the file is
    /// damaged. The reason is in plain words; the caller should ask the user to sign in again.
    Unreadable {
        reason: String,
    },
}

/// Secrets in encrypted files under `<data_dir>/secrets/`.
#[derive(Debug, Clone)]
pub struct EncryptedFileStore {
    directory: PathBuf,
}

impl EncryptedFileStore {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            directory: data_dir.join(SECRETS_DIR_NAME),
        }
    }

    pub fn directory(&self) -> &Path {
        &self.directory
    }

    pub fn key_path(&self) -> PathBuf {
        self.directory.join(KEY_FILE_NAME)
    }

    /// The file that holds `account`'s secret.
    pub fn secret_path(&self, account: &str) -> PathBuf {
        let mut name = String::with_capacity(account.len() * 2 + 7);
        for byte in account.as_bytes() {
            name.push_str(&format!("{byte:02x}"));
        }
        name.push('.');
        name.push_str(SECRET_EXTENSION);
        self.directory.join(name)
    }

    /// Encrypts and stores `secret` under `account`, making the folder and key on first use.
    pub fn store(&self, account: &str, secret: &SecretString) -> Result<()> {
        validate_account(account)?;
        self.ensure_directory()?;
        let key = self.load_or_create_key()?;
        let cipher = XChaCha20Poly1305::new_from_slice(key.as_slice())
            .map_err(|_| Error::internal("the secrets key has the wrong length"))?;
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let aad = associated_data(account);
        let ciphertext = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: secret.expose_secret().as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| Error::internal("could not encrypt a secret"))?;
        let mut contents = Vec::with_capacity(MAGIC.len() + NONCE_LENGTH + ciphertext.len());
        contents.extend_from_slice(MAGIC);
        contents.extend_from_slice(nonce.as_slice());
        contents.extend_from_slice(&ciphertext);
        write_private_file_atomically(&self.secret_path(account), &contents)
    }

    /// Reads and decrypts `account`'s secret.
    pub fn load(&self, account: &str) -> Result<SecretLookup> {
        validate_account(account)?;
        let path = self.secret_path(account);
        let contents = match fs::read(&path) {
            Ok(contents) => contents,
            Err(error) if error.kind() == ErrorKind::NotFound => return Ok(SecretLookup::Missing),
            Err(error) => {
                return Err(Error::io(
                    &format!("could not read the secret file {}", path.display()),
                    &error,
                ))
            }
        };
        let Some(key) = self.load_key()? else {
            return Ok(SecretLookup::Unreadable {
                reason: format!(
                    "the encrypted secret {} cannot be read because its key file {} is missing",
                    path.display(),
                    self.key_path().display()
                ),
            });
        };
        Ok(decrypt(&key, account, &contents, &path, &self.key_path()))
    }

    /// Removes `account`'s secret; removing a missing secret is not an error. The key stays, as
    /// other secrets use it.
    pub fn remove(&self, account: &str) -> Result<()> {
        validate_account(account)?;
        let path = self.secret_path(account);
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(()),
            Err(error) => Err(Error::io(
                &format!("could not remove the secret file {}", path.display()),
                &error,
            )),
        }
    }

    fn ensure_directory(&self) -> Result<()> {
        fs::create_dir_all(&self.directory).map_err(|error| {
            Error::io(
                &format!("could not create {}", self.directory.display()),
                &error,
            )
        })?;
        restrict_permissions(&self.directory, 0o700)
    }

    fn load_key(&self) -> Result<Option<Zeroizing<Vec<u8>>>> {
        let path = self.key_path();
        match fs::read(&path) {
            Ok(bytes) => {
                let bytes = Zeroizing::new(bytes);
                if bytes.len() != KEY_LENGTH {
                    return Err(Error::new(
                        omnicrm_core::ErrorCode::Io,
                        format!(
                            "the secrets key file {} is damaged (it holds {} bytes, not {KEY_LENGTH}); \
                             remove it and sign in again",
                            path.display(),
                            bytes.len()
                        ),
                    ));
                }
                restrict_permissions(&path, 0o600)?;
                Ok(Some(bytes))
            }
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
            Err(error) => Err(Error::io(
                &format!("could not read the secrets key file {}", path.display()),
                &error,
            )),
        }
    }

    /// The key, made on first use. A new key is written under a temporary name and hard-linked
    /// into place, which fails if another process made one first; then that one is used.
    fn load_or_create_key(&self) -> Result<Zeroizing<Vec<u8>>> {
        if let Some(key) = self.load_key()? {
            return Ok(key);
        }
        let key = XChaCha20Poly1305::generate_key(&mut OsRng);
        let key_bytes = Zeroizing::new(key.to_vec());
        let path = self.key_path();
        let partial = partial_path(&path);
        write_private_file(&partial, &key_bytes)?;
        let linked = fs::hard_link(&partial, &path);
        remove_quietly(&partial);
        match linked {
            Ok(()) => {}
            Err(error) if error.kind() == ErrorKind::AlreadyExists => {}
            Err(error) => {
                return Err(Error::io(
                    &format!("could not create the secrets key file {}", path.display()),
                    &error,
                ))
            }
        }
        self.load_key()?.ok_or_else(|| {
            Error::internal(format!(
                "the secrets key file {} vanished right after it was made",
                path.display()
            ))
        })
    }
}

fn decrypt(
    key: &[u8],
    account: &str,
    contents: &[u8],
    path: &Path,
    key_path: &Path,
) -> SecretLookup {
    let damaged = || SecretLookup::Unreadable {
        reason: format!(
            "the encrypted secret {} is damaged (it is not an OmniCRM secret file)",
            path.display()
        ),
    };
    let Some(rest) = contents.strip_prefix(MAGIC.as_slice()) else {
        return damaged();
    };
    if rest.len() < NONCE_LENGTH {
        return damaged();
    }
    let (nonce, ciphertext) = rest.split_at(NONCE_LENGTH);
    let Ok(cipher) = XChaCha20Poly1305::new_from_slice(key) else {
        return damaged();
    };
    let aad = associated_data(account);
    let plaintext = match cipher.decrypt(
        XNonce::from_slice(nonce),
        Payload {
            msg: ciphertext,
            aad: &aad,
        },
    ) {
        Ok(plaintext) => Zeroizing::new(plaintext),
        Err(_) => {
            return SecretLookup::Unreadable {
                reason: format!(
                    "the encrypted secret {} could not be decrypted with the key in {}: the key \
                     was replaced, or the file was changed or damaged",
                    path.display(),
                    key_path.display()
                ),
            }
        }
    };
    match String::from_utf8(plaintext.to_vec()) {
        Ok(text) => SecretLookup::Found(SecretString::from(text)),
        Err(_) => damaged(),
    }
}

fn associated_data(account: &str) -> Vec<u8> {
    let mut aad = MAGIC.to_vec();
    aad.extend_from_slice(account.as_bytes());
    aad
}

fn validate_account(account: &str) -> Result<()> {
    if account.is_empty() {
        return Err(Error::invalid_field("account", "must not be empty"));
    }
    // The file name is the hex of the account; keep it well under common name limits (255).
    if account.len() > 100 {
        return Err(Error::invalid_field(
            "account",
            "must be at most 100 bytes long",
        ));
    }
    Ok(())
}

fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.partial", std::process::id()));
    path.with_file_name(name)
}

fn write_private_file_atomically(path: &Path, contents: &[u8]) -> Result<()> {
    let partial = partial_path(path);
    write_private_file(&partial, contents)?;
    fs::rename(&partial, path).map_err(|error| {
        remove_quietly(&partial);
        Error::io(&format!("could not write {}", path.display()), &error)
    })
}

/// Writes a new file readable by the owner only (0600 on Unix), replacing a stale one.
fn write_private_file(path: &Path, contents: &[u8]) -> Result<()> {
    let context = || format!("could not write {}", path.display());
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|error| Error::io(&context(), &error))?;
    // A stale file of the same name may have had wider permissions.
    restrict_permissions(path, 0o600)?;
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(|error| Error::io(&context(), &error))
}

/// Narrows a file's or folder's permissions to `mode` on Unix; elsewhere the user's profile
/// folder permissions apply.
fn restrict_permissions(path: &Path, mode: u32) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let metadata = fs::metadata(path)
            .map_err(|error| Error::io(&format!("could not inspect {}", path.display()), &error))?;
        if metadata.permissions().mode() & 0o777 != mode {
            fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(|error| {
                Error::io(
                    &format!("could not restrict the permissions of {}", path.display()),
                    &error,
                )
            })?;
        }
    }
    #[cfg(not(unix))]
    {
        let _unused = (path, mode);
    }
    Ok(())
}

fn remove_quietly(path: &Path) {
    if let Err(error) = fs::remove_file(path) {
        if error.kind() != ErrorKind::NotFound {
            tracing::warn!(path = %path.display(), %error, "could not remove a temporary secrets file");
        }
    }
}

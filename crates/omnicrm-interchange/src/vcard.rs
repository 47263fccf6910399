//! vCard 2.1, 3.0 and 4.0: a small content-line reader ([`read`]) and a vCard 4.0 writer
//! ([`write`]).
//!
//! The reader follows RFC 2426 (3.0) and RFC 6350 (4.0), plus what real exporters write:
//! lines folded with CRLF + space/tab, quoted-printable values with `=` soft line breaks and
//! `CHARSET` (vCard 2.1 as Android exports it), bare 2.1 parameters (`TEL;CELL;PREF:`),
//! `ENCODING=b`/`BASE64` photos (2.1/3.0), `data:` URI photos (4.0), and Apple's
//! `item1.EMAIL` + `item1.X-ABLabel` groups for custom labels.

mod read;
mod write;

pub use read::parse_vcards;
pub(crate) use read::VcardReader;
pub use write::write_vcards;

/// The label a TYPE token stands for, for EMAIL, TEL and ADR; `None` for tokens that only
/// qualify the value (pref, internet, voice, x400, ...).
fn label_for_type(token: &str) -> Option<String> {
    let lower = token.trim().to_ascii_lowercase();
    match lower.as_str() {
        "" | "pref" | "internet" | "voice" | "x400" | "msg" | "dom" | "intl" | "postal"
        | "parcel" | "bbs" | "modem" | "isdn" | "video" | "pcs" => None,
        "cell" | "mobile" => Some("mobile".to_string()),
        // home, work, fax, pager, other and custom tokens are labels as they are.
        _ => Some(lower),
    }
}

/// The TYPE token the writer uses for a label, when reading that token gives the same label
/// back; `None` means the label is written as an `X-ABLabel` group instead.
fn type_for_label(label: &str) -> Option<&'static str> {
    let token = match label {
        "mobile" => "cell",
        "home" => "home",
        "work" => "work",
        "fax" => "fax",
        "pager" => "pager",
        "text" => "text",
        "main" => "main",
        "other" => "other",
        _ => return None,
    };
    (label_for_type(token).as_deref() == Some(label)).then_some(token)
}

/// Media type for a PHOTO TYPE parameter (`JPEG`, `image/png`, ...).
fn media_type_for(token: &str) -> String {
    let lower = token.trim().to_ascii_lowercase();
    if lower.contains('/') {
        lower
    } else if lower == "jpg" {
        "image/jpeg".to_string()
    } else {
        format!("image/{lower}")
    }
}

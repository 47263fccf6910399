//! Finds secrets in text and replaces them with `[REDACTED]`.

use std::sync::LazyLock;

use regex::Regex;

pub const REDACTED: &str = "[REDACTED]";

/// `name: value`, `name=value` and `"name": "value"` pairs whose name marks a secret.
static NAMED_SECRET: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r#"(?ix)
        (?P<name>
            authorization | proxy-authorization | x-api-key | api[_-]?key | apikey
          | access[_-]?token | refresh[_-]?token | id[_-]?token | client[_-]?secret
          | password | passwd | secret | token | cookie | set-cookie
        )
        (?P<separator> \\?"? \s* [:=] \s* \\?"? \s* )
        (?P<scheme> (?:bearer|basic|token) \s+ )?
        (?P<value> [^\s"\\,;&}]+ )
        "#,
    )
    .ok()
});

/// Well-known token shapes, wherever they appear.
static TOKEN_SHAPE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
          \b(?:bearer)\s+[A-Za-z0-9._~+/=-]{8,}       # a bearer credential
        | \bsk-[A-Za-z0-9_-]{16,}                    # OpenAI / OpenRouter style keys
        | \bya29\.[A-Za-z0-9._-]{10,}                # Google access tokens
        | \b1//[A-Za-z0-9._-]{10,}                   # Google refresh tokens
        | \bgh[pousr]_[A-Za-z0-9]{20,}               # GitHub tokens
        | \beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}   # JWTs
        ",
    )
    .ok()
});

/// `text` with every secret replaced by `[REDACTED]`.
pub fn redact(text: &str) -> String {
    let Some(named) = NAMED_SECRET.as_ref() else {
        return REDACTED.to_owned();
    };
    let Some(shapes) = TOKEN_SHAPE.as_ref() else {
        return REDACTED.to_owned();
    };
    let named_done = named.replace_all(text, |captures: &regex::Captures<'_>| {
        let part = |name: &str| captures.name(name).map_or("", |found| found.as_str());
        format!(
            "{}{}{}{REDACTED}",
            part("name"),
            part("separator"),
            part("scheme")
        )
    });
    shapes.replace_all(&named_done, REDACTED).into_owned()
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn authorization_headers_lose_their_credentials() {
        let line = "request headers: Authorization: Bearer abc.def.ghi123456 host=example";
        let redacted = redact(line);
        assert!(!redacted.contains("abc.def"), "{redacted}");
        assert!(
            redacted.contains("Authorization: Bearer [REDACTED]"),
            "{redacted}"
        );
        assert!(redacted.contains("host=example"));
    }

    #[test]
    fn json_fields_named_like_secrets_are_redacted() {
        let line = r#"{"access_token":"ya29.a0AfH6SMBx","refresh_token":"1//0gAbCdEfGh","expires_in":3599}"#;
        let redacted = redact(line);
        assert!(!redacted.contains("a0AfH6SMBx"), "{redacted}");
        assert!(!redacted.contains("0gAbCdEfGh"), "{redacted}");
        assert!(redacted.contains("3599"));
    }

    #[test]
    fn escaped_json_inside_a_log_message_is_redacted() {
        let line = r#"{"message":"body {\"api_key\":\"sk-or-v1-0123456789abcdef\"}"}"#;
        let redacted = redact(line);
        assert!(!redacted.contains("0123456789abcdef"), "{redacted}");
    }

    #[test]
    fn bare_token_shapes_are_redacted() {
        let redacted = redact("key sk-proj-ABCDEFGHIJKLMNOPqrstu and ya29.abcdefghijklmnop");
        assert_eq!(redacted, "key [REDACTED] and [REDACTED]");
    }

    #[test]
    fn ordinary_text_is_unchanged() {
        let line = "contacts listed total=42 search=\"maya\" took_ms=3";
        assert_eq!(redact(line), line);
    }
}

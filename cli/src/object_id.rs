//! Object IDs and addresses as people paste them: `0x` and up to 64 hex digits.

use sui_sdk_types::Address;

/// Parses an object ID or address, with an error that says what one looks like.
pub fn parse(text: &str) -> Result<Address, String> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    if digits.is_empty() || digits.len() > 64 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(
            "not an object ID or address: expected 0x followed by up to 64 hex digits".to_owned(),
        );
    }
    let padded = format!("0x{digits:0>64}");
    padded.parse().map_err(|_| {
        "not an object ID or address: expected 0x followed by up to 64 hex digits".to_owned()
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn accepts_full_and_short_ids() {
        let full = format!("0x{}", "ab".repeat(32));
        assert_eq!(parse(&full).unwrap().to_string(), full);
        assert_eq!(parse("0x2").unwrap(), Address::TWO);
        assert_eq!(
            parse(&"cd".repeat(32)).unwrap().to_string(),
            format!("0x{}", "cd".repeat(32))
        );
    }

    #[test]
    fn refuses_what_is_not_an_id_and_says_why() {
        for text in ["", "0x", "0xzz", "hello", &format!("0x{}", "a".repeat(65))] {
            let error = parse(text).unwrap_err();
            assert!(error.contains("64 hex digits"), "{error}");
        }
    }
}

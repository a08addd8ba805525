//! Parsing identifiers from paths and query strings into the text form the tables store.

use std::str::FromStr as _;

use base64::Engine as _;
use floe_sdk::move_types::U256;

use super::problem::Problem;

/// A blob ID as Walrus prints it (base64url of the 32 little-endian bytes of the `u256`, no
/// padding) or as the on-chain `u256` in decimal; returns the base64url form.
pub fn blob_id(text: &str) -> Result<String, Problem> {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    if text.len() == 43
        && let Ok(bytes) = b64.decode(text)
        && bytes.len() == 32
    {
        return Ok(b64.encode(bytes));
    }
    if !text.is_empty()
        && text.len() <= 78
        && text.bytes().all(|b| b.is_ascii_digit())
        && let Ok(value) = U256::from_str(text)
    {
        return Ok(b64.encode(value.to_le_bytes()));
    }
    Err(Problem::bad_request(
        "invalid-blob-id",
        format!(
            "{text:?} is not a blob ID: give 43 characters of base64url (as Walrus prints it) or the u256 in decimal"
        ),
    ))
}

/// An object ID or address: `0x` and 1–64 hex digits; returns the full 64-digit lowercase form.
pub fn object_id(text: &str) -> Result<String, Problem> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    if digits.is_empty() || digits.len() > 64 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Problem::bad_request(
            "invalid-id",
            format!("{text:?} is not an object ID or address (0x and up to 64 hex digits)"),
        ));
    }
    Ok(format!("0x{:0>64}", digits.to_ascii_lowercase()))
}

/// A non-negative integer (epoch, challenge ID, version, source…).
pub fn integer(name: &str, text: &str) -> Result<String, Problem> {
    match text.parse::<i64>() {
        Ok(n) if n >= 0 => Ok(n.to_string()),
        _ => Err(Problem::bad_request(
            "invalid-parameter",
            format!("{name} must be a non-negative integer, got {text:?}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_ids_in_both_forms_agree() {
        let mut bytes = [0u8; 32];
        bytes[0] = 5;
        bytes[1] = 1;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        assert_eq!(blob_id(&b64).unwrap(), b64);
        assert_eq!(blob_id("261").unwrap(), b64);
        assert!(blob_id("nope").is_err());
        assert!(blob_id("").is_err());
    }

    #[test]
    fn object_ids_are_normalised() {
        assert_eq!(object_id("0x2").unwrap(), format!("0x{}2", "0".repeat(63)));
        assert!(object_id("0xzz").is_err());
        assert!(object_id(&format!("0x{}", "1".repeat(65))).is_err());
    }
}

//! Keyset pagination: a page continues strictly after the last key of the previous one, so
//! pages stay stable while new rows arrive and cost the same however deep they are. The
//! cursor is opaque to clients: base64url of the JSON array of the last row's key values.

use base64::Engine as _;

use super::problem::Problem;

/// Page size when `limit` is not given.
pub const DEFAULT_LIMIT: i64 = 50;
/// The largest `limit` accepted.
pub const MAX_LIMIT: i64 = 1000;

/// Encodes the key of the last row of a page.
pub fn encode_cursor(key: &[String]) -> String {
    let json = serde_json::to_vec(key).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

/// Decodes a cursor made by [`encode_cursor`] for a key of `len` columns.
pub fn decode_cursor(cursor: &str, len: usize) -> Result<Vec<String>, Problem> {
    let bad = || {
        Problem::bad_request(
            "invalid-cursor",
            format!("cursor {cursor:?} is not one this API issued"),
        )
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| bad())?;
    let key: Vec<String> = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if key.len() != len {
        return Err(bad());
    }
    Ok(key)
}

/// `limit` from the query: 1..=[`MAX_LIMIT`], [`DEFAULT_LIMIT`] when absent.
pub fn parse_limit(limit: Option<&str>) -> Result<i64, Problem> {
    let Some(text) = limit else {
        return Ok(DEFAULT_LIMIT);
    };
    match text.parse::<i64>() {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        _ => Err(Problem::bad_request(
            "invalid-limit",
            format!("limit must be an integer from 1 to {MAX_LIMIT}, got {text:?}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let key = vec!["12".to_owned(), "0x01".to_owned()];
        let cursor = encode_cursor(&key);
        assert_eq!(decode_cursor(&cursor, 2).unwrap(), key);
        assert!(decode_cursor(&cursor, 1).is_err());
        assert!(decode_cursor("not base64!", 2).is_err());
        assert!(decode_cursor("bm90IGpzb24", 2).is_err());
    }

    #[test]
    fn limits_are_bounded() {
        assert_eq!(parse_limit(None).unwrap(), DEFAULT_LIMIT);
        assert_eq!(parse_limit(Some("7")).unwrap(), 7);
        for bad in ["0", "1001", "-1", "x"] {
            assert_eq!(parse_limit(Some(bad)).unwrap_err().status, 400);
        }
    }
}

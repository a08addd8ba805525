//! Keyset pagination: a page continues strictly after the last key of the previous one, so
//! pages stay stable while new rows arrive and cost the same however deep they are. The
//! cursor is opaque to clients: base64url of the JSON array of the last row's key values.

use base64::Engine as _;

use super::problem::Problem;
use super::query::Param;

/// Page size when `limit` is not given.
pub const DEFAULT_LIMIT: i64 = 50;
/// The largest `limit` accepted.
pub const MAX_LIMIT: i64 = 1000;

/// Encodes the key of the last row of a page.
pub fn encode_cursor(key: &[String]) -> String {
    let json = serde_json::to_vec(key).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

/// Decodes a cursor made by [`encode_cursor`] for a list keyed by `key`: base64url of a JSON
/// array with one string per key column, each valid for its column's type. Cursors are
/// client input like any other: a value that would not cast (a word where the key is a
/// number) must be refused here, not by the database.
pub fn decode_cursor(cursor: &str, key: &[(&str, Param)]) -> Result<Vec<String>, Problem> {
    let bad = |why: &str| {
        Problem::bad_request(
            "invalid-cursor",
            format!(
                "cursor {cursor:?} is not one this API issued ({why}); pass a next_cursor of this list"
            ),
        )
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| bad("not base64url"))?;
    let values: Vec<String> =
        serde_json::from_slice(&bytes).map_err(|_| bad("not a list of key values"))?;
    if values.len() != key.len() {
        return Err(bad(&format!(
            "{} key values where this list's key has {}",
            values.len(),
            key.len()
        )));
    }
    values
        .iter()
        .zip(key)
        .map(|(value, (column, param))| {
            param
                .parse(column, value)
                .map_err(|_| bad(&format!("{column} {value:?} is not a valid key value")))
        })
        .collect()
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
        const KEY: &[(&str, Param)] = &[("epoch", Param::Int), ("node_id", Param::Id)];
        let id = format!("0x{}", "ab".repeat(32));
        let key = vec!["12".to_owned(), id.clone()];
        let cursor = encode_cursor(&key);
        assert_eq!(decode_cursor(&cursor, KEY).unwrap(), key);
        assert!(decode_cursor(&cursor, &KEY[..1]).is_err());
        assert!(decode_cursor("not base64!", KEY).is_err());
        assert!(decode_cursor("bm90IGpzb24", KEY).is_err());
        // The right shape with values of the wrong types: refused before any query.
        for values in [
            vec!["x".to_owned(), id.clone()],
            vec!["-1".to_owned(), id.clone()],
            vec!["99999999999999999999".to_owned(), id.clone()],
            vec!["12".to_owned(), "0xnothex".to_owned()],
        ] {
            let problem = decode_cursor(&encode_cursor(&values), KEY).unwrap_err();
            assert_eq!(problem.status, 400);
            assert_eq!(problem.type_, "/problems/invalid-cursor");
        }
        let nul = encode_cursor(&["a\0b".to_owned()]);
        assert!(decode_cursor(&nul, &[("name", Param::Text)]).is_err());
        // `["x"]`, the cursor from the issue, on a one-column integer key.
        assert!(decode_cursor("WyJ4Il0", &[("challenge_id", Param::Int)]).is_err());
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

//! Keyset pagination: a page continues strictly after the last key of the previous one, so
//! pages stay stable while new rows arrive and cost the same however deep they are. A list is
//! read in ascending key order unless `order=desc` asks for the newest (highest key) first;
//! both are one scan of the same btree, forwards or backwards. The cursor is opaque to
//! clients: base64url of `{"order": "asc"|"desc", "key": [the last row's key values]}`. It
//! names its order because "after this key" means greater in one and smaller in the other: a
//! cursor followed under the other order would skip or repeat rows, so it is refused.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::param::Param;
use super::problem::Problem;

/// Page size when `limit` is not given.
pub const DEFAULT_LIMIT: i64 = 50;
/// The largest `limit` accepted.
pub const MAX_LIMIT: i64 = 1000;

/// The values of `order`, the default first: SQL's words, as WorkOS's cursor-paginated API
/// spells the same choice (the README's API section says why not another name).
pub const ORDERS: &[&str] = &["asc", "desc"];
/// How `order` is checked and declared: one of [`ORDERS`].
pub const ORDER_PARAM: Param = Param::OneOf(ORDERS);

/// The direction a list is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    /// Ascending key: oldest first for lists keyed by chain position, epoch or sequence.
    #[default]
    Asc,
    /// Descending key: newest first.
    Desc,
}

impl Order {
    /// `order` from the query: [`Order::Asc`] when absent; 400 naming the values otherwise.
    pub fn parse(text: Option<&str>) -> Result<Self, Problem> {
        match text {
            None => Ok(Order::Asc),
            Some(text) => match ORDER_PARAM.parse("order", text)?.as_str() {
                "desc" => Ok(Order::Desc),
                _ => Ok(Order::Asc),
            },
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Order::Asc => "asc",
            Order::Desc => "desc",
        }
    }

    /// The SQL direction of `ORDER BY`.
    pub fn sql(self) -> &'static str {
        match self {
            Order::Asc => "ASC",
            Order::Desc => "DESC",
        }
    }

    /// The row comparison that keeps the keys after a cursor's in this order.
    pub fn after(self) -> &'static str {
        match self {
            Order::Asc => ">",
            Order::Desc => "<",
        }
    }

    /// The JSON schema of `order` for the OpenAPI document: [`ORDER_PARAM`]'s enum with its
    /// default, so what is declared is what [`Order::parse`] accepts.
    pub fn schema() -> utoipa::openapi::Schema {
        let mut schema = ORDER_PARAM.schema();
        if let utoipa::openapi::Schema::Object(object) = &mut schema {
            object.default = Some(ORDERS[0].into());
        }
        schema
    }
}

/// What a cursor carries.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Cursor {
    order: Order,
    key: Vec<String>,
}

/// Encodes the key of the last row of a page read in `order`.
pub fn encode_cursor(order: Order, key: &[String]) -> String {
    let cursor = Cursor {
        order,
        key: key.to_vec(),
    };
    let json = serde_json::to_vec(&cursor).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

/// Decodes a cursor made by [`encode_cursor`] for a list keyed by `key` and read in `order`:
/// base64url of `{"order", "key"}`, the order the one requested and one string per key
/// column, each valid for its column's type. A bare JSON array of key values (the form
/// cursors had before lists took `order`) is an ascending cursor. Cursors are client input
/// like any other: a value that would not cast (a word where the key is a number) must be
/// refused here, not by the database.
pub fn decode_cursor(
    cursor: &str,
    order: Order,
    key: &[(&str, Param)],
) -> Result<Vec<String>, Problem> {
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
    let decoded = match serde_json::from_slice::<Cursor>(&bytes) {
        Ok(cursor) => cursor,
        Err(_) => Cursor {
            order: Order::Asc,
            key: serde_json::from_slice(&bytes).map_err(|_| bad("not a list of key values"))?,
        },
    };
    if decoded.order != order {
        return Err(Problem::bad_request(
            "invalid-cursor",
            format!(
                "cursor {cursor:?} continues a list read with order={}, this request has order={}; \
                 pass order={} with it, or start again without a cursor",
                decoded.order.word(),
                order.word(),
                decoded.order.word()
            ),
        ));
    }
    let values = decoded.key;
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
        let cursor = encode_cursor(Order::Asc, &key);
        assert_eq!(decode_cursor(&cursor, Order::Asc, KEY).unwrap(), key);
        assert!(decode_cursor(&cursor, Order::Asc, &KEY[..1]).is_err());
        assert!(decode_cursor("not base64!", Order::Asc, KEY).is_err());
        assert!(decode_cursor("bm90IGpzb24", Order::Asc, KEY).is_err());
        // The right shape with values of the wrong types: refused before any query.
        for values in [
            vec!["x".to_owned(), id.clone()],
            vec!["-1".to_owned(), id.clone()],
            vec!["99999999999999999999".to_owned(), id.clone()],
            vec!["12".to_owned(), "0xnothex".to_owned()],
        ] {
            let problem =
                decode_cursor(&encode_cursor(Order::Asc, &values), Order::Asc, KEY).unwrap_err();
            assert_eq!(problem.status, 400);
            assert_eq!(problem.type_, "/problems/invalid-cursor");
        }
        let nul = encode_cursor(Order::Desc, &["a\0b".to_owned()]);
        assert!(decode_cursor(&nul, Order::Desc, &[("name", Param::Text)]).is_err());
        // `["x"]`, the cursor from the issue, on a one-column integer key.
        assert!(decode_cursor("WyJ4Il0", Order::Asc, &[("challenge_id", Param::Int)]).is_err());
    }

    #[test]
    fn cursors_name_their_order_and_refuse_the_other() {
        const KEY: &[(&str, Param)] = &[("challenge_id", Param::Int)];
        let key = vec!["7".to_owned()];
        for order in [Order::Asc, Order::Desc] {
            let cursor = encode_cursor(order, &key);
            assert_eq!(decode_cursor(&cursor, order, KEY).unwrap(), key);
            let other = if order == Order::Asc {
                Order::Desc
            } else {
                Order::Asc
            };
            let problem = decode_cursor(&cursor, other, KEY).unwrap_err();
            assert_eq!(problem.status, 400);
            assert_eq!(problem.type_, "/problems/invalid-cursor");
            assert!(problem.detail.contains(&format!("order={}", order.word())));
        }
        // A bare array, the cursor before `order` existed: ascending.
        let legacy = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"["7"]"#);
        assert_eq!(decode_cursor(&legacy, Order::Asc, KEY).unwrap(), key);
        assert!(decode_cursor(&legacy, Order::Desc, KEY).is_err());
        // An order word that is neither.
        let sideways = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"order":"up","key":["7"]}"#);
        assert!(decode_cursor(&sideways, Order::Asc, KEY).is_err());
    }

    #[test]
    fn order_defaults_to_asc_and_refuses_other_words() {
        assert_eq!(Order::parse(None).unwrap(), Order::Asc);
        assert_eq!(Order::parse(Some("asc")).unwrap(), Order::Asc);
        assert_eq!(Order::parse(Some("desc")).unwrap(), Order::Desc);
        for bad in ["", "DESC", "newest", "asc "] {
            let problem = Order::parse(Some(bad)).unwrap_err();
            assert_eq!(problem.status, 400);
            assert_eq!(problem.type_, "/problems/invalid-parameter");
        }
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

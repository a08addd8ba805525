//! WAL amounts as people write them: `12`, `0.5`, `1.000000001` WAL (9 decimals).

const DECIMALS: u32 = 9;

/// Parses a WAL amount into base units (10^9 per WAL).
pub fn parse_wal(text: &str) -> Result<u64, String> {
    let bad = || format!("{text:?} is not a WAL amount (e.g. 10 or 0.25; at most 9 decimals)");
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && fraction.is_empty()
        || fraction.len() > DECIMALS as usize
        || !whole
            .chars()
            .chain(fraction.chars())
            .all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let scale = 10u64.pow(DECIMALS);
    let fraction: u64 = if fraction.is_empty() {
        0
    } else {
        let digits: u64 = fraction.parse().map_err(|_| bad())?;
        digits * 10u64.pow(DECIMALS - fraction.len() as u32)
    };
    whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(fraction))
        .ok_or_else(|| format!("{text} WAL is more than a u64 of base units holds"))
}

/// Base units shown as WAL, trailing zeros trimmed.
pub fn format_wal(base_units: u64) -> String {
    let scale = 10u64.pow(DECIMALS);
    let (whole, fraction) = (base_units / scale, base_units % scale);
    if fraction == 0 {
        return whole.to_string();
    }
    let digits = format!("{fraction:09}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_whole_and_fractional_amounts() {
        assert_eq!(parse_wal("12"), Ok(12_000_000_000));
        assert_eq!(parse_wal("0.5"), Ok(500_000_000));
        assert_eq!(parse_wal(".25"), Ok(250_000_000));
        assert_eq!(parse_wal("1.000000001"), Ok(1_000_000_001));
        assert_eq!(parse_wal("0"), Ok(0));
    }

    #[test]
    fn rejects_what_is_not_an_amount() {
        for text in [
            "",
            ".",
            "-1",
            "1.0000000001",
            "1e9",
            "abc",
            "1.2.3",
            "99999999999999999999",
        ] {
            assert!(parse_wal(text).is_err(), "{text}");
        }
    }

    #[test]
    fn formats_round_trip() {
        for units in [0, 1, 500_000_000, 12_000_000_000, 1_000_000_001, u64::MAX] {
            assert_eq!(parse_wal(&format_wal(units)), Ok(units));
        }
    }
}

//! The `Range: bytes=…` request header (RFC 9110 §14), for one range.
//!
//! A server may ignore a Range header it does not support, so a header that does not parse, or
//! that asks for several ranges, is answered with the whole blob (200), as RFC 9110 allows;
//! only a well-formed single range that lies wholly past the end is unsatisfiable (416).

use std::ops::Range;

/// What a Range header asks of a representation of `size` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requested {
    /// No usable Range header: send everything with 200.
    Whole,
    /// Send these bytes with 206 and `Content-Range`.
    Part(Range<u64>),
    /// 416 with `Content-Range: bytes */size`.
    Unsatisfiable,
}

/// Resolves the header value `header` against a representation of `size` bytes.
pub fn resolve(header: Option<&str>, size: u64) -> Requested {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Requested::Whole;
    };
    if spec.contains(',') {
        return Requested::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Requested::Whole;
    };
    let (first, last) = (first.trim(), last.trim());
    let number = |text: &str| {
        (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse::<u64>().ok())
            .flatten()
    };
    match (first.is_empty(), last.is_empty()) {
        // `bytes=-n`: the last n bytes.
        (true, false) => match number(last) {
            Some(0) => Requested::Unsatisfiable,
            Some(n) if size == 0 => {
                let _ = n;
                Requested::Unsatisfiable
            }
            Some(n) => Requested::Part(size.saturating_sub(n)..size),
            None => Requested::Whole,
        },
        // `bytes=a-`: from a to the end.
        (false, true) => match number(first) {
            Some(a) if a >= size => Requested::Unsatisfiable,
            Some(a) => Requested::Part(a..size),
            None => Requested::Whole,
        },
        // `bytes=a-b`: a through b inclusive, b clipped to the end.
        (false, false) => match (number(first), number(last)) {
            (Some(a), Some(b)) if a > b => Requested::Whole,
            (Some(a), Some(_)) if a >= size => Requested::Unsatisfiable,
            (Some(a), Some(b)) => Requested::Part(a..b.saturating_add(1).min(size)),
            _ => Requested::Whole,
        },
        (true, true) => Requested::Whole,
    }
}

/// The `Content-Range` value of a 206 for `range` of `size` bytes.
pub fn content_range(range: &Range<u64>, size: u64) -> String {
    format!("bytes {}-{}/{size}", range.start, range.end - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_resolve_as_rfc_9110_says() {
        let size = 1000;
        let r = |h: &str| resolve(Some(h), size);
        assert_eq!(resolve(None, size), Requested::Whole);
        assert_eq!(r("bytes=0-0"), Requested::Part(0..1));
        assert_eq!(r("bytes=999-999"), Requested::Part(999..1000));
        assert_eq!(r("bytes=10-2000"), Requested::Part(10..1000));
        assert_eq!(r("bytes=500-"), Requested::Part(500..1000));
        assert_eq!(r("bytes=-1"), Requested::Part(999..1000));
        assert_eq!(r("bytes=-5000"), Requested::Part(0..1000));
        assert_eq!(r("bytes=1000-"), Requested::Unsatisfiable);
        assert_eq!(r("bytes=1000-1001"), Requested::Unsatisfiable);
        assert_eq!(r("bytes=-0"), Requested::Unsatisfiable);
        // Malformed, multiple or inverted ranges are ignored: the whole representation.
        for ignored in [
            "bytes=5-1",
            "bytes=0-1,5-6",
            "items=0-1",
            "bytes=a-b",
            "bytes=-",
            "bytes=+1-2",
        ] {
            assert_eq!(r(ignored), Requested::Whole, "{ignored}");
        }
        // Nothing of an empty blob can be had.
        assert_eq!(resolve(Some("bytes=0-"), 0), Requested::Unsatisfiable);
        assert_eq!(resolve(Some("bytes=-3"), 0), Requested::Unsatisfiable);
        assert_eq!(content_range(&(0..1), size), "bytes 0-0/1000");
    }
}

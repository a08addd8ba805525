//! PostgreSQL's binary `COPY` format, written by hand for the few types the indexer stores.
//!
//! `COPY … FROM STDIN (FORMAT binary)` is the cheapest way to add rows: the server batches heap
//! insertions (one WAL record per page instead of one per row) and parses nothing (no text to
//! number conversion, no hex decoding of `bytea`). The format is documented in PostgreSQL's
//! `COPY` page ("Binary Format"); each field is its type's `send`/`recv` representation.

/// The fixed header: signature, flags (none), header extension length (none).
const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// `numeric`'s base: each digit of its binary form holds four decimal digits.
const NBASE: u128 = 10_000;

/// One `COPY … (FORMAT binary)` data stream being written.
#[derive(Debug, Clone)]
pub struct CopyData {
    buf: Vec<u8>,
    rows: usize,
}

impl Default for CopyData {
    fn default() -> Self {
        Self::new()
    }
}

impl CopyData {
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// A stream expected to take about `bytes` bytes (avoids regrowing the buffer).
    pub fn with_capacity(bytes: usize) -> Self {
        let mut buf = Vec::with_capacity(bytes + HEADER.len() + 2);
        buf.extend_from_slice(HEADER);
        Self { buf, rows: 0 }
    }

    /// Number of rows started so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Starts a row of `fields` fields; exactly that many field calls must follow.
    pub fn row(&mut self, fields: u16) {
        self.rows += 1;
        // The field count is an int16; tables have far fewer than 32 768 columns.
        self.buf
            .extend_from_slice(&i16::try_from(fields).unwrap_or(i16::MAX).to_be_bytes());
    }

    pub fn null(&mut self) {
        self.buf.extend_from_slice(&(-1i32).to_be_bytes());
    }

    fn len_prefix(&mut self, len: usize) {
        // Field lengths are int32; the indexer's fields (IDs, names, event BCS) are far below
        // 2 GiB, and a COPY message could not carry more anyway.
        let len = i32::try_from(len).unwrap_or(i32::MAX);
        self.buf.extend_from_slice(&len.to_be_bytes());
    }

    /// A `bigint`.
    pub fn int8(&mut self, v: i64) {
        self.len_prefix(8);
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// A `boolean`.
    pub fn bool(&mut self, v: bool) {
        self.len_prefix(1);
        self.buf.push(u8::from(v));
    }

    /// A `text` (the bytes are the UTF-8 text, which the server checks).
    pub fn text(&mut self, v: &str) {
        self.bytea(v.as_bytes());
    }

    /// A `bytea`.
    pub fn bytea(&mut self, v: &[u8]) {
        self.len_prefix(v.len());
        self.buf.extend_from_slice(v);
    }

    /// A `jsonb`: a version byte (1) and the JSON text.
    pub fn jsonb(&mut self, v: &str) {
        self.len_prefix(v.len() + 1);
        self.buf.push(1);
        self.buf.extend_from_slice(v.as_bytes());
    }

    /// A non-negative `numeric` with no fractional part: int16 digit count, int16 weight
    /// (position of the first digit, in base-10 000 digits, counted from the units), uint16
    /// sign (0 = positive), uint16 display scale (0), then the base-10 000 digits, most
    /// significant first, trailing zero digits left out as PostgreSQL stores them.
    pub fn numeric(&mut self, v: u128) {
        // A u128 has at most 39 decimal digits: 10 base-10 000 digits.
        let mut digits = [0i16; 10];
        let mut n = 0;
        let mut rest = v;
        while rest > 0 {
            // Each remainder is below 10 000, so it fits an i16.
            digits[n] = (rest % NBASE) as i16;
            rest /= NBASE;
            n += 1;
        }
        // digits[..n] is least significant first; the weight is that of the top digit.
        let weight = n.saturating_sub(1) as i16;
        let skip = digits[..n].iter().take_while(|&&d| d == 0).count();
        let stored = n - skip;
        self.len_prefix(8 + 2 * stored);
        self.buf.extend_from_slice(&(stored as i16).to_be_bytes());
        self.buf.extend_from_slice(&weight.to_be_bytes());
        self.buf.extend_from_slice(&0u16.to_be_bytes());
        self.buf.extend_from_slice(&0u16.to_be_bytes());
        for d in digits[skip..n].iter().rev() {
            self.buf.extend_from_slice(&d.to_be_bytes());
        }
    }

    /// The complete stream (with its trailer); empty streams are still valid.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.extend_from_slice(&(-1i16).to_be_bytes());
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric_bytes(v: u128) -> Vec<u8> {
        let mut c = CopyData::new();
        c.numeric(v);
        c.finish()[HEADER.len()..].to_vec()
    }

    #[test]
    fn numerics_are_base_10000_digits_without_trailing_zeros() {
        // 0: no digits.
        assert_eq!(
            numeric_bytes(0),
            [0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]
        );
        // 12 345 678 = 1234 5678: two digits, weight 1.
        assert_eq!(
            numeric_bytes(12_345_678),
            [
                0, 0, 0, 12, 0, 2, 0, 1, 0, 0, 0, 0, 0x04, 0xd2, 0x16, 0x2e, 0xff, 0xff
            ]
        );
        // 50 000 000 = 5000 0000: one digit (5000), weight 1.
        assert_eq!(
            numeric_bytes(50_000_000),
            [0, 0, 0, 10, 0, 1, 0, 1, 0, 0, 0, 0, 0x13, 0x88, 0xff, 0xff]
        );
    }
}

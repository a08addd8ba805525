//! The few BCS rules the `EncryptedObject` needs, written out so decoding is strict in exactly
//! the ways Sui's `bcs` is (canonical ULEB128 lengths, no trailing bytes) and every failure
//! becomes [`Error::Encoding`] naming the field.

use crate::Error;

/// BCS caps sequence lengths at 2³¹ − 1.
pub(crate) const MAX_LEN: u64 = (1 << 31) - 1;

pub(crate) fn put_uleb(out: &mut Vec<u8>, mut value: usize) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

pub(crate) fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_uleb(out, bytes.len());
    out.extend_from_slice(bytes);
}

pub(crate) fn put_option_bytes(out: &mut Vec<u8>, bytes: Option<&[u8]>) {
    match bytes {
        None => out.push(0),
        Some(bytes) => {
            out.push(1);
            put_bytes(out, bytes);
        }
    }
}

/// Where BCS input comes from: a slice ([`Reader`]) or, for streaming decryption, an
/// `io::Read` (in `stream`). The field readers are written once here, over `fill`.
pub(crate) trait Source {
    /// The error a read fails with; crate errors (malformed input) convert into it.
    type Error: From<Error>;

    /// Fills `buf` from the input, or fails (truncation names `field`).
    fn fill(&mut self, buf: &mut [u8], field: &str) -> Result<(), Self::Error>;

    /// Refuses a length-prefixed field of `len` bytes before anything is allocated for it
    /// (longer than the input left, or than a streaming reader's bound).
    fn check_len(&self, len: usize, field: &str) -> Result<(), Self::Error>;

    fn u8(&mut self, field: &str) -> Result<u8, Self::Error> {
        let mut byte = [0u8];
        self.fill(&mut byte, field)?;
        Ok(byte[0])
    }

    fn array<const N: usize>(&mut self, field: &str) -> Result<[u8; N], Self::Error> {
        let mut bytes = [0u8; N];
        self.fill(&mut bytes, field)?;
        Ok(bytes)
    }

    /// A ULEB128 length, rejecting overlong encodings and lengths BCS does not allow.
    fn len(&mut self, field: &str) -> Result<usize, Self::Error> {
        let mut value: u64 = 0;
        for shift in (0..35).step_by(7) {
            let byte = self.u8(field)?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                if byte == 0 && shift > 0 {
                    return Err(Error::Encoding(format!("{field}: non-canonical length")).into());
                }
                if value > MAX_LEN {
                    return Err(
                        Error::Encoding(format!("{field}: length {value} too large")).into(),
                    );
                }
                return usize::try_from(value).map_err(|_| {
                    Error::Encoding(format!("{field}: length {value} too large")).into()
                });
            }
        }
        Err(Error::Encoding(format!("{field}: length overflows")).into())
    }

    fn bytes(&mut self, field: &str) -> Result<Vec<u8>, Self::Error> {
        let len = self.len(field)?;
        self.check_len(len, field)?;
        let mut bytes = vec![0u8; len];
        self.fill(&mut bytes, field)?;
        Ok(bytes)
    }

    fn option_bytes(&mut self, field: &str) -> Result<Option<Vec<u8>>, Self::Error> {
        match self.u8(field)? {
            0 => Ok(None),
            1 => Ok(Some(self.bytes(field)?)),
            tag => Err(Error::Encoding(format!("{field}: option tag {tag}")).into()),
        }
    }
}

/// A cursor over BCS input held in memory.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    pub(crate) fn finish(self) -> Result<(), Error> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(Error::Encoding(format!(
                "{} trailing bytes",
                self.rest.len()
            )))
        }
    }
}

impl Source for Reader<'_> {
    type Error = Error;

    fn fill(&mut self, buf: &mut [u8], field: &str) -> Result<(), Error> {
        self.check_len(buf.len(), field)?;
        let (head, tail) = self.rest.split_at(buf.len());
        buf.copy_from_slice(head);
        self.rest = tail;
        Ok(())
    }

    fn check_len(&self, len: usize, field: &str) -> Result<(), Error> {
        if self.rest.len() < len {
            return Err(Error::Encoding(format!("{field}: truncated")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uleb_round_trips_and_rejects_overlong() {
        for value in [0usize, 1, 127, 128, 300, 16_384, MAX_LEN as usize] {
            let mut out = Vec::new();
            put_uleb(&mut out, value);
            let mut reader = Reader::new(&out);
            assert_eq!(reader.len("x").unwrap(), value);
            reader.finish().unwrap();
        }
        // 1 encoded in two bytes.
        assert!(matches!(
            Reader::new(&[0x81, 0x00]).len("x"),
            Err(Error::Encoding(_))
        ));
        // 2^31 is beyond BCS's cap.
        assert!(matches!(
            Reader::new(&[0x80, 0x80, 0x80, 0x80, 0x08]).len("x"),
            Err(Error::Encoding(_))
        ));
        assert!(matches!(
            Reader::new(&[0x80]).len("x"),
            Err(Error::Encoding(_))
        ));
    }

    #[test]
    fn option_tags_other_than_0_and_1_are_rejected() {
        assert_eq!(Reader::new(&[0]).option_bytes("x").unwrap(), None);
        assert_eq!(
            Reader::new(&[1, 1, 7]).option_bytes("x").unwrap(),
            Some(vec![7])
        );
        assert!(matches!(
            Reader::new(&[2]).option_bytes("x"),
            Err(Error::Encoding(_))
        ));
    }
}

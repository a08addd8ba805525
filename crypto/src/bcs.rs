//! The few BCS rules the `EncryptedObject` needs, written out so decoding is strict in exactly
//! the ways Sui's `bcs` is (canonical ULEB128 lengths, no trailing bytes) and every failure
//! becomes [`Error::Encoding`] naming the field.

use crate::Error;

/// BCS caps sequence lengths at 2³¹ − 1.
const MAX_LEN: u64 = (1 << 31) - 1;

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

/// A cursor over BCS input.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    pub(crate) fn u8(&mut self, field: &str) -> Result<u8, Error> {
        Ok(self.take(1, field)?[0])
    }

    pub(crate) fn array<const N: usize>(&mut self, field: &str) -> Result<[u8; N], Error> {
        let bytes = self.take(N, field)?;
        Ok(bytes.try_into().expect("take returned exactly N bytes"))
    }

    /// A ULEB128 length, rejecting overlong encodings and lengths BCS does not allow.
    pub(crate) fn len(&mut self, field: &str) -> Result<usize, Error> {
        let mut value: u64 = 0;
        for shift in (0..35).step_by(7) {
            let byte = self.u8(field)?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                if byte == 0 && shift > 0 {
                    return Err(Error::Encoding(format!("{field}: non-canonical length")));
                }
                if value > MAX_LEN {
                    return Err(Error::Encoding(format!(
                        "{field}: length {value} too large"
                    )));
                }
                return usize::try_from(value)
                    .map_err(|_| Error::Encoding(format!("{field}: length {value} too large")));
            }
        }
        Err(Error::Encoding(format!("{field}: length overflows")))
    }

    pub(crate) fn bytes(&mut self, field: &str) -> Result<Vec<u8>, Error> {
        let len = self.len(field)?;
        Ok(self.take(len, field)?.to_vec())
    }

    pub(crate) fn option_bytes(&mut self, field: &str) -> Result<Option<Vec<u8>>, Error> {
        match self.u8(field)? {
            0 => Ok(None),
            1 => Ok(Some(self.bytes(field)?)),
            tag => Err(Error::Encoding(format!("{field}: option tag {tag}"))),
        }
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

    fn take(&mut self, n: usize, field: &str) -> Result<&'a [u8], Error> {
        if self.rest.len() < n {
            return Err(Error::Encoding(format!("{field}: truncated")));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
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

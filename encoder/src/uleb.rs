//! ULEB128 lengths, the prefix BCS puts before every vector (slivers, challenge answers).

use crate::error::ProofError;

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

pub(crate) fn take_uleb(bytes: &mut &[u8]) -> Result<usize, ProofError> {
    let mut value = 0usize;
    for shift in (0..63).step_by(7) {
        let (&byte, rest) = bytes
            .split_first()
            .ok_or(ProofError::Malformed("truncated length"))?;
        *bytes = rest;
        value |= usize::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(ProofError::Malformed("length overflows"))
}

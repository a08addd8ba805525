//! The byte form of a job's input and output blobs: a flat tensor of little-endian `f32`s
//! (4 bytes each, row-major). The model's declared input shape says how they are arranged.

/// Why bytes are not a tensor.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TensorError {
    #[error("a tensor blob holds whole f32s (4 bytes each); {0} bytes is not a multiple of 4")]
    Length(usize),
}

/// The `f32`s of a tensor blob.
pub fn from_bytes(bytes: &[u8]) -> Result<Vec<f32>, TensorError> {
    if !bytes.len().is_multiple_of(4) {
        return Err(TensorError::Length(bytes.len()));
    }
    Ok(bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

/// The blob bytes of a tensor.
pub fn to_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let values = [0.0, -1.5, f32::MAX, 3.25e-7];
        assert_eq!(from_bytes(&to_bytes(&values)).expect("whole f32s"), values);
    }

    #[test]
    fn a_ragged_blob_is_refused() {
        assert_eq!(from_bytes(&[1, 2, 3]), Err(TensorError::Length(3)));
    }
}

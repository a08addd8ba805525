//! What a compute provider runs for a job (`floe::compute`): the model (an ONNX graph, the
//! decrypted weights blob) on the input blob, with the output written back as bytes whose
//! Blake2b-256 hash the provider submits on-chain.
//!
//! Pure: no I/O, no async. Tensors travel as blobs of little-endian `f32` ([`tensor`]); the
//! engine is tract ([`engine`]); [`mlp`] makes the small ONNX model the tests and examples use
//! (its weights drawn from a seed, so nothing is downloaded) and computes the same network in
//! plain Rust as the reference tract's answer is checked against.

pub mod engine;
pub mod mlp;
pub mod tensor;

pub use engine::{Engine, EngineError, run_model};

/// Blake2b-256 of a job's output bytes: the hash providers submit and agree on.
pub fn output_hash(output: &[u8]) -> [u8; 32] {
    let hash = blake2b_simd::Params::new().hash_length(32).hash(output);
    let mut out = [0u8; 32];
    out.copy_from_slice(hash.as_bytes());
    out
}

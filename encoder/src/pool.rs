//! Reusing buffers: a pool of per-task scratch values shared by the Rayon tasks of one call,
//! and resizing a reused buffer without zeroing what will be overwritten.

use std::sync::Mutex;

/// Scratch values shared by the tasks of one encoding or decoding: a task takes one (or makes
/// one) and puts it back, so buffers and Reed–Solomon work space are allocated about once per
/// thread rather than once per Rayon split or batch, and are freed when the call ends.
pub(crate) struct Pool<T>(Mutex<Vec<T>>);

impl<T> Default for Pool<T> {
    fn default() -> Self {
        Self(Mutex::new(Vec::new()))
    }
}

impl<T: Default> Pool<T> {
    /// Runs `f` with a scratch value taken from the pool, then returns it to the pool.
    ///
    /// A poisoned lock only costs reuse: a fresh value is made and not put back.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let mut scratch = self.take();
        let result = f(&mut scratch);
        self.put(scratch);
        result
    }

    /// A value from the pool, or a fresh one when it is empty.
    pub(crate) fn take(&self) -> T {
        let taken = self.0.lock().ok().and_then(|mut pool| pool.pop());
        taken.unwrap_or_default()
    }

    /// Puts a value back for a later [`take`](Self::take); a poisoned lock drops it.
    pub(crate) fn put(&self, value: T) {
        if let Ok(mut pool) = self.0.lock() {
            pool.push(value);
        }
    }
}

/// Gives `buf` length `len` for content that will be overwritten in full. A buffer too small
/// is replaced by a fresh zeroed allocation, which the allocator maps lazily (the pages are
/// faulted in by the threads that first write them), rather than grown with an explicit
/// zeroing pass on the calling thread.
pub(crate) fn resize_for_overwrite<T: Copy>(buf: &mut Vec<T>, len: usize, zero: T) {
    if buf.capacity() < len {
        *buf = Vec::new();
        *buf = vec![zero; len];
    } else {
        buf.resize(len, zero);
    }
}

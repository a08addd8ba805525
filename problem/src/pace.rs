//! How slowly a request body may arrive, for every service that holds something (memory, a
//! share of a budget, a temporary file, a queue slot) while a body comes in.
//!
//! [`crate::serve`] bounds how long a request's head may take, but once the head is in, hyper
//! waits for the body as long as the client keeps the connection open. A client that declares
//! a large body and then sends nothing, or a byte now and then, holds whatever the service set
//! aside for it at no cost to itself; a few dozen such clients make every real upload wait or
//! be refused. With a pace, holding a share costs a sender the bandwidth to fill it.

use std::time::Duration;

use axum::http::StatusCode;
use tokio::time::Instant;

use crate::Problem;

/// Default head start of a body before it must keep up with [`DEFAULT_MIN_RATE`].
pub const DEFAULT_GRACE: Duration = Duration::from_secs(10);

/// Default slowest rate (bytes per second) a body may arrive at once past its grace: far
/// below any client on a working network, far above what a stalling client would send.
pub const DEFAULT_MIN_RATE: u64 = 256 << 10;

/// The slowest a body may arrive: by `grace + received / min_rate` after it started, the next
/// bytes must be there, else the upload is refused with [`BodyPace::too_slow`] (408).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyPace {
    pub grace: Duration,
    /// Bytes per second (0 counts as 1).
    pub min_rate: u64,
}

impl Default for BodyPace {
    fn default() -> Self {
        Self {
            grace: DEFAULT_GRACE,
            min_rate: DEFAULT_MIN_RATE,
        }
    }
}

impl BodyPace {
    /// When the bytes after the first `received` must have come, for a body started at `start`.
    pub fn deadline(&self, start: Instant, received: u64) -> Instant {
        // A year stands for "no deadline": a configured grace that large must not overflow.
        const FAR: Duration = Duration::from_secs(365 * 86_400);
        let behind = received as f64 / self.min_rate.max(1) as f64;
        let allowed = self
            .grace
            .saturating_add(Duration::from_secs_f64(behind.min(1e9)))
            .min(FAR);
        start + allowed
    }

    /// 408 "Upload too slow" for a body (`what`, e.g. "the blob") of which `received` bytes
    /// (of `declared`, when the request said) came in `elapsed` before it fell behind.
    pub fn too_slow(
        &self,
        received: u64,
        declared: Option<u64>,
        elapsed: Duration,
        what: &str,
    ) -> Problem {
        let of = declared.map_or_else(String::new, |d| format!(" of {}", byte_size(d)));
        tracing::info!(received, ?declared, what, "upload refused: body too slow");
        Problem::new(
            StatusCode::REQUEST_TIMEOUT,
            "Upload too slow",
            format!(
                "{what} arrived too slowly: {}{of} in {:.1} s, but after {} s a body must keep \
                 up with {}/s; send it again without pausing",
                byte_size(received),
                elapsed.as_secs_f64(),
                self.grace.as_secs(),
                byte_size(self.min_rate.max(1))
            ),
        )
    }
}

/// `10 MiB`, `256 KiB` or `1000 bytes`: binary units when they are exact.
pub fn byte_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deadline_grows_with_what_has_come_and_never_overflows() {
        let pace = BodyPace {
            grace: Duration::from_secs(2),
            min_rate: 1000,
        };
        let start = Instant::now();
        assert_eq!(pace.deadline(start, 0), start + Duration::from_secs(2));
        assert_eq!(pace.deadline(start, 3000), start + Duration::from_secs(5));
        let patient = BodyPace {
            grace: Duration::MAX,
            min_rate: 0,
        };
        assert!(patient.deadline(start, u64::MAX) > start + Duration::from_secs(86_400));
    }

    #[test]
    fn a_slow_body_is_a_408_naming_what_came_and_the_pace() {
        let problem = BodyPace::default().too_slow(
            3 << 10,
            Some(10 << 20),
            Duration::from_millis(12_500),
            "the blob",
        );
        assert_eq!(
            (problem.status, problem.title.as_str()),
            (408, "Upload too slow")
        );
        assert!(
            problem
                .detail
                .starts_with("the blob arrived too slowly: 3 KiB of 10 MiB in 12.5 s")
                && problem.detail.contains("after 10 s")
                && problem.detail.contains("256 KiB/s"),
            "{}",
            problem.detail
        );
    }
}

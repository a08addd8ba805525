//! How loudly a long-lived stream's reconnects are logged, and how long to wait before each.
//!
//! A subscription that breaks now and then (a server restart, a connection closed by a
//! proxy) is routine: log its reconnects at DEBUG. A stream that keeps failing is not: after
//! [`Reconnects::WARN_AFTER`] failures in a row, each failure is worth a WARN, and the first
//! sign of life after that is worth an INFO. A stream that delivers something, or stays up
//! for a while, counts as working again, so a quiet but healthy stream that is reconnected
//! once an hour never escalates.
//!
//! ```
//! # use std::time::Duration;
//! use floe_sdk::reconnect::Reconnects;
//! let mut reconnects = Reconnects::default();
//! let first = reconnects.failed(Duration::ZERO);
//! assert!(!first.warn);
//! ```

use std::time::Duration;

/// Consecutive failures of one stream, and what the next reconnect should look like.
#[derive(Debug, Clone)]
pub struct Reconnects {
    consecutive: u32,
    warn_after: u32,
    first_delay: Duration,
    max_delay: Duration,
    healthy_after: Duration,
}

/// What to do about one failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    /// Failures in a row, this one included.
    pub consecutive: u32,
    /// Log it at WARN (the stream keeps failing) rather than DEBUG.
    pub warn: bool,
    /// How long to wait before reconnecting.
    pub delay: Duration,
}

impl Default for Reconnects {
    fn default() -> Self {
        Self::new(Self::WARN_AFTER)
    }
}

impl Reconnects {
    /// Failures in a row after which reconnects are logged at WARN.
    pub const WARN_AFTER: u32 = 3;
    /// The wait before the first reconnect; it doubles with every failure in a row.
    pub const FIRST_DELAY: Duration = Duration::from_millis(500);
    /// The longest wait between reconnects.
    pub const MAX_DELAY: Duration = Duration::from_secs(10);
    /// A stream that stayed up this long before failing was working: its failure starts a
    /// new count.
    pub const HEALTHY_AFTER: Duration = Duration::from_secs(60);

    /// Escalates to WARN from the `warn_after`-th failure in a row on (at least the first).
    pub fn new(warn_after: u32) -> Self {
        Self {
            consecutive: 0,
            warn_after: warn_after.max(1),
            first_delay: Self::FIRST_DELAY,
            max_delay: Self::MAX_DELAY,
            healthy_after: Self::HEALTHY_AFTER,
        }
    }

    /// Waits `first` before the first reconnect, doubling up to `max`.
    pub fn with_delays(mut self, first: Duration, max: Duration) -> Self {
        self.first_delay = first;
        self.max_delay = max.max(first);
        self
    }

    /// Failures in a row so far.
    pub fn consecutive(&self) -> u32 {
        self.consecutive
    }

    /// The stream delivered something: it works. `Some(failures)` when it had been failing
    /// long enough to be warned about, so the caller can say that it recovered.
    pub fn succeeded(&mut self) -> Option<u32> {
        let failures = std::mem::take(&mut self.consecutive);
        (failures >= self.warn_after).then_some(failures)
    }

    /// The stream failed after being connected for `lived`: how loudly to say so and how long
    /// to wait before reconnecting.
    pub fn failed(&mut self, lived: Duration) -> Failure {
        if lived >= self.healthy_after {
            self.consecutive = 0;
        }
        self.consecutive = self.consecutive.saturating_add(1);
        let doublings = (self.consecutive - 1).min(16);
        let delay = self
            .first_delay
            .saturating_mul(1 << doublings)
            .min(self.max_delay);
        Failure {
            consecutive: self.consecutive,
            warn: self.consecutive >= self.warn_after,
            delay,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUICK: Duration = Duration::from_millis(10);

    #[test]
    fn occasional_failures_stay_quiet_repeated_ones_warn() {
        let mut reconnects = Reconnects::default();
        let levels: Vec<bool> = (0..5).map(|_| reconnects.failed(QUICK).warn).collect();
        assert_eq!(levels, [false, false, true, true, true]);
        assert_eq!(reconnects.consecutive(), 5);
        // The recovery after warnings is reported, with the count it ends.
        assert_eq!(reconnects.succeeded(), Some(5));
        // And the next failure is routine again.
        let next = reconnects.failed(QUICK);
        assert_eq!(next.consecutive, 1);
        assert!(!next.warn);
    }

    #[test]
    fn a_recovery_before_any_warning_is_not_announced() {
        let mut reconnects = Reconnects::default();
        reconnects.failed(QUICK);
        reconnects.failed(QUICK);
        assert_eq!(reconnects.succeeded(), None);
        assert_eq!(reconnects.consecutive(), 0);
        assert_eq!(reconnects.succeeded(), None);
        assert!(!reconnects.failed(QUICK).warn);
    }

    #[test]
    fn a_stream_that_stayed_up_starts_a_new_count() {
        let mut reconnects = Reconnects::default();
        for _ in 0..10 {
            reconnects.failed(QUICK);
        }
        // A quiet stream closed after an hour (a proxy's idle limit) is not "still failing".
        let after_an_hour = reconnects.failed(Duration::from_secs(3600));
        assert_eq!(after_an_hour.consecutive, 1);
        assert!(!after_an_hour.warn);
        assert_eq!(after_an_hour.delay, Reconnects::FIRST_DELAY);
    }

    #[test]
    fn delays_double_up_to_the_cap() {
        let mut reconnects = Reconnects::default()
            .with_delays(Duration::from_millis(100), Duration::from_millis(1000));
        let delays: Vec<u64> = (0..7)
            .map(|_| reconnects.failed(QUICK).delay.as_millis() as u64)
            .collect();
        assert_eq!(delays, [100, 200, 400, 800, 1000, 1000, 1000]);
        // Thousands of failures neither overflow nor exceed the cap.
        for _ in 0..10_000 {
            assert_eq!(reconnects.failed(QUICK).delay, Duration::from_millis(1000));
        }
        reconnects.succeeded();
        assert_eq!(reconnects.failed(QUICK).delay, Duration::from_millis(100));
    }

    #[test]
    fn the_threshold_is_configurable_and_at_least_one() {
        let mut eager = Reconnects::new(1);
        assert!(eager.failed(QUICK).warn);
        assert_eq!(eager.succeeded(), Some(1));
        let mut zero = Reconnects::new(0);
        assert!(zero.failed(QUICK).warn);
        let mut patient = Reconnects::new(10);
        assert!((0..9).all(|_| !patient.failed(QUICK).warn));
        assert!(patient.failed(QUICK).warn);
    }
}

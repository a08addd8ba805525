//! Prometheus metrics, written by hand in the text exposition format: a few counters and two
//! histograms do not justify a metrics framework, and atomics keep the hot paths lock-free.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// Upper bounds (seconds) of the latency histograms' buckets.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
struct Histogram {
    counts: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    fn observe(&self, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            self.counts[i].fetch_add(1, Relaxed);
        }
        self.count.fetch_add(1, Relaxed);
        self.sum_micros
            .fetch_add(elapsed.as_micros() as u64, Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let mut cumulative = 0;
        let sep = if labels.is_empty() { "" } else { "," };
        for (bound, count) in BUCKETS.iter().zip(&self.counts) {
            cumulative += count.load(Relaxed);
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {cumulative}"
            );
        }
        let total = self.count.load(Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {total}");
        let sum = self.sum_micros.load(Relaxed) as f64 / 1e6;
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {sum}");
        let _ = writeln!(out, "{name}_count{braces} {total}");
    }
}

/// Ingestion and HTTP metrics, shared by the pipeline and the API.
#[derive(Default)]
pub struct Metrics {
    checkpoints: AtomicU64,
    events: AtomicU64,
    batches: AtomicU64,
    /// Batches whose COPY hit stored keys and were merged instead (replays).
    copy_fallbacks: AtomicU64,
    batch_latency: Histogram,
    /// Highest checkpoint the source is known to have (u64::MAX-free: 0 = unknown + 1 offset).
    tip_plus_one: AtomicU64,
    watermark_plus_one: AtomicU64,
    http: Mutex<BTreeMap<(String, u16), u64>>,
    http_latency: Histogram,
}

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    /// A batch of `checkpoints` checkpoints with `events` floe events was committed.
    pub fn batch_committed(&self, checkpoints: u64, events: u64, last: u64, elapsed: Duration) {
        self.checkpoints.fetch_add(checkpoints, Relaxed);
        self.events.fetch_add(events, Relaxed);
        self.batches.fetch_add(1, Relaxed);
        self.batch_latency.observe(elapsed);
        self.watermark_plus_one.fetch_max(last + 1, Relaxed);
        self.tip_plus_one.fetch_max(last + 1, Relaxed);
    }

    /// The source has (at least) checkpoint `seq`.
    pub fn observe_tip(&self, seq: u64) {
        self.tip_plus_one.fetch_max(seq + 1, Relaxed);
    }

    /// The highest checkpoint the source is known to have.
    pub fn tip(&self) -> Option<u64> {
        self.tip_plus_one.load(Relaxed).checked_sub(1)
    }

    pub fn events_ingested(&self) -> u64 {
        self.events.load(Relaxed)
    }

    /// A batch's COPY hit stored keys; its rows were merged instead.
    pub fn copy_fell_back(&self) {
        self.copy_fallbacks.fetch_add(1, Relaxed);
    }

    pub fn copy_fallbacks(&self) -> u64 {
        self.copy_fallbacks.load(Relaxed)
    }

    pub fn http_request(&self, route: &str, status: u16, elapsed: Duration) {
        self.http_latency.observe(elapsed);
        let mut http = self.http.lock().unwrap_or_else(|p| p.into_inner());
        *http.entry((route.to_owned(), status)).or_default() += 1;
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self, watermark: Option<u64>) -> String {
        let mut out = String::new();
        let counters = [
            (
                "floe_indexer_checkpoints_ingested_total",
                "Checkpoints committed to the database.",
                self.checkpoints.load(Relaxed),
            ),
            (
                "floe_indexer_events_ingested_total",
                "Floe events committed to the database.",
                self.events.load(Relaxed),
            ),
            (
                "floe_indexer_batches_total",
                "Batches committed (one database transaction each).",
                self.batches.load(Relaxed),
            ),
            (
                "floe_indexer_copy_fallbacks_total",
                "Batches whose COPY hit stored keys (a replay) and were merged row by row instead.",
                self.copy_fallbacks.load(Relaxed),
            ),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
            );
        }
        if let Some(w) = watermark {
            let _ = writeln!(
                out,
                "# HELP floe_indexer_watermark_checkpoint Last checkpoint fully written.\n\
                 # TYPE floe_indexer_watermark_checkpoint gauge\nfloe_indexer_watermark_checkpoint {w}"
            );
        }
        if let Some(t) = self.tip() {
            let _ = writeln!(
                out,
                "# HELP floe_indexer_source_checkpoint Highest checkpoint the source has.\n\
                 # TYPE floe_indexer_source_checkpoint gauge\nfloe_indexer_source_checkpoint {t}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP floe_indexer_batch_seconds Time to write and commit one batch.\n\
             # TYPE floe_indexer_batch_seconds histogram"
        );
        self.batch_latency
            .render(&mut out, "floe_indexer_batch_seconds", "");
        let _ = writeln!(
            out,
            "# HELP floe_indexer_http_requests_total HTTP requests by route and status.\n\
             # TYPE floe_indexer_http_requests_total counter"
        );
        let http = self.http.lock().unwrap_or_else(|p| p.into_inner());
        for ((route, status), count) in http.iter() {
            let _ = writeln!(
                out,
                "floe_indexer_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {count}"
            );
        }
        drop(http);
        let _ = writeln!(
            out,
            "# HELP floe_indexer_http_request_seconds HTTP request latency.\n\
             # TYPE floe_indexer_http_request_seconds histogram"
        );
        self.http_latency
            .render(&mut out, "floe_indexer_http_request_seconds", "");
        out
    }
}

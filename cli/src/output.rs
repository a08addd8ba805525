//! Printing results on stdout. Rust ignores SIGPIPE, so `println!` panics when the reader is
//! gone (`floe status | head -3`); Unix tools end quietly instead, and so does `floe`.

use std::io::Write as _;

/// Writes one line; ends the process when stdout is closed or broken.
pub fn line(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{args}").and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to stdout: {e}");
        std::process::exit(1);
    }
}

/// `println!` through [`line`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::line(format_args!($($arg)*))
    };
}
pub(crate) use out;

/// A progress bar on stderr for long stores and reads, drawn only when stderr is a terminal
/// (tests, pipes and logs see nothing).
pub struct Bar(indicatif::ProgressBar);

impl Bar {
    /// A bar for the phases of a store or read, as an [`floe_sdk::stream::Progress`].
    pub fn new() -> std::sync::Arc<Self> {
        use std::io::IsTerminal as _;
        let target = if std::io::stderr().is_terminal() {
            indicatif::ProgressDrawTarget::stderr()
        } else {
            indicatif::ProgressDrawTarget::hidden()
        };
        let bar = indicatif::ProgressBar::with_draw_target(None, target);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{msg:>9} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        std::sync::Arc::new(Self(bar))
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl floe_sdk::stream::Progress for Bar {
    fn phase(&self, phase: floe_sdk::stream::Phase, total: u64) {
        self.0.set_length(total);
        self.0.set_position(0);
        self.0.set_message(phase.label());
    }

    fn advance(&self, bytes: u64) {
        self.0.inc(bytes);
    }
}

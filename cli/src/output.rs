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

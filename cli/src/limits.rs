//! The operator's knobs for the HTTP services a `floe` process runs (`floe up`, `floe
//! aggregator`, `floe publisher`, `floe daemon`): how many connections they hold open at once,
//! how many uploads the publisher takes at once and how slowly an upload body may arrive.
//!
//! Each is checked before anything starts, so a bad value is a two-line error (what is wrong,
//! then what to pass) instead of a service that refuses everything or a panic deep in a server.

use anyhow::{Context as _, bail};
use floe_gateway::{BodyPace, PublisherLimits};
use floe_problem::serve::{self, ConnectionBudget};

/// Connections the process's services hold open at once.
#[derive(clap::Args, Debug, Clone)]
pub struct ConnectionArgs {
    /// Connections this process's HTTP services may hold open at once, all of them together
    /// (one service takes at most 3/4 of them); beyond, new connections wait in the listen
    /// backlog until one closes. Default: half the soft open-file limit (`ulimit -n`), between
    /// 64 and 16384.
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,
}

impl ConnectionArgs {
    /// Checks the value against the process's open-file limit and sizes the process's
    /// connection budget with it; to be called before any service starts.
    pub fn apply(&self) -> anyhow::Result<()> {
        let Some(wanted) = self.max_connections else {
            return Ok(());
        };
        check_max_connections(wanted, serve::soft_open_file_limit())?;
        ConnectionBudget::set_process(wanted).context("setting --max-connections")?;
        Ok(())
    }
}

/// Refuses 0 and a budget that leaves the process less than a quarter of its `soft` limit of
/// open files: the one check every binary's `--max-connections` goes through
/// ([`serve::check_budget`]), whose two lines are the cause and what to pass.
fn check_max_connections(wanted: usize, soft: Option<u64>) -> anyhow::Result<()> {
    serve::check_budget(wanted, soft)?;
    Ok(())
}

/// The publisher's upload queue and body pace (in `floe up`, the pace is the storage nodes'
/// too).
#[derive(clap::Args, Debug, Clone)]
pub struct UploadArgs {
    /// Uploads the publisher takes at once (receiving, waiting or being stored); beyond, it
    /// answers 503 with Retry-After. Each may hold a temporary file of up to the body limit.
    #[arg(long, value_name = "N", default_value_t = floe_gateway::publisher::DEFAULT_QUEUE)]
    pub upload_queue: usize,
    /// Seconds an upload body may take to get going before it must keep up with
    /// --upload-min-rate.
    #[arg(long, value_name = "SECS", default_value_t = floe_problem::pace::DEFAULT_GRACE.as_secs())]
    pub upload_grace_secs: u64,
    /// Slowest rate, per second, an upload body may arrive at past its grace (e.g. 256KiB,
    /// 1MiB, or bytes); a slower one is refused with 408 and frees its place.
    #[arg(long, value_name = "SIZE", default_value = "256KiB", value_parser = floe_gateway::parse_size)]
    pub upload_min_rate: u64,
}

impl UploadArgs {
    /// The body pace, or why these values cannot be one.
    pub fn pace(&self) -> anyhow::Result<BodyPace> {
        if self.upload_grace_secs == 0 {
            bail!(
                "--upload-grace-secs 0 gives an upload body no time to get going: every upload would be refused with 408\n\
                 pass --upload-grace-secs 1 or more (the default is {})",
                floe_problem::pace::DEFAULT_GRACE.as_secs()
            );
        }
        if self.upload_min_rate == 0 {
            bail!(
                "--upload-min-rate 0 lets a stalled upload keep its place for as long as it holds the connection\n\
                 pass a rate above 0, e.g. --upload-min-rate 256KiB (the default)"
            );
        }
        Ok(BodyPace {
            grace: std::time::Duration::from_secs(self.upload_grace_secs),
            min_rate: self.upload_min_rate,
        })
    }

    /// The publisher's limits, or why these values cannot be them.
    pub fn limits(&self) -> anyhow::Result<PublisherLimits> {
        if self.upload_queue == 0 {
            bail!(
                "--upload-queue 0 would refuse every upload with 503\n\
                 pass --upload-queue 1 or more (the default is {})",
                floe_gateway::publisher::DEFAULT_QUEUE
            );
        }
        Ok(PublisherLimits {
            queue: self.upload_queue,
            pace: self.pace()?,
            ..PublisherLimits::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connection_budget_keeps_a_quarter_of_the_open_files() {
        assert!(check_max_connections(768, Some(1024)).is_ok());
        let error = check_max_connections(769, Some(1024))
            .expect_err("769 of 1024 open files is more than three quarters");
        let text = error.to_string();
        let (cause, todo) = text.split_once('\n').expect("two lines");
        assert!(cause.contains("1024 open files"), "{cause}");
        assert!(
            todo.contains("--max-connections 768 or less") && todo.contains("ulimit -n 1538"),
            "{todo}"
        );
        assert!(check_max_connections(1 << 40, None).is_ok());
        assert!(check_max_connections(1 << 40, Some(u64::MAX)).is_ok());
        assert!(check_max_connections(0, None).is_err());
    }
}

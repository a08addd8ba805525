//! Two jobs:
//! - `sqlx::migrate!` embeds `../migrations` at compile time, but cargo does not know the files
//!   are inputs: without the rerun line, a new or edited migration is missed until db.rs changes.
//! - Facts about the Move package the indexer needs but no event carries (the names of every
//!   event, the burn sources, the defaults `create_system` and `register_node` start from) are
//!   read from
//!   `move/floe/sources` here, so they are generated from the package, not hand-copied, and a
//!   change there rebuilds the indexer.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The `System` parameters `create_system` sets from a `DEFAULT_…` constant of `system.move`
/// (the others are `SystemCreated` fields or computed there), as `(parameter, constant)`.
const SYSTEM_DEFAULTS: &[(&str, &str)] = &[
    ("fee_burn_bps", "DEFAULT_FEE_BURN_BPS"),
    ("license_fee_bps", "DEFAULT_LICENSE_FEE_BPS"),
    ("slash_bps", "DEFAULT_SLASH_BPS"),
    ("slash_burn_bps", "DEFAULT_SLASH_BURN_BPS"),
    ("min_stake_epochs", "DEFAULT_MIN_STAKE_EPOCHS"),
    ("early_unstake_fee_bps", "DEFAULT_EARLY_UNSTAKE_FEE_BPS"),
    ("max_epochs_ahead", "DEFAULT_MAX_EPOCHS_AHEAD"),
];

#[derive(Debug)]
struct BuildError(String);

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BuildError {}

fn main() -> Result<(), BuildError> {
    println!("cargo:rerun-if-changed=../migrations");
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("../move/floe/sources");
    let events = read(&sources.join("events.move"))?;
    let system = read(&sources.join("system.move"))?;
    let staking = read(&sources.join("staking.move"))?;
    let wal = read(&sources.join("wal.move"))?;

    let mut names: Vec<&str> = events
        .lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("public struct ")?;
            let (name, abilities) = rest.split_once(' ')?;
            abilities.contains("copy").then_some(name)
        })
        .collect();
    names.sort_unstable();
    if names.is_empty() {
        return Err(BuildError(
            "events.move declares no event struct".to_owned(),
        ));
    }

    let mut out = String::new();
    out.push_str(
        "/// Every event struct of `floe::events`, sorted (the values `event_type` takes).\n",
    );
    out.push_str("pub const EVENT_TYPES: &[&str] = &[\n");
    for name in &names {
        let _ = writeln!(out, "    {name:?},");
    }
    out.push_str("];\n\n");
    out.push_str(
        "/// `(parameter, value)` that `create_system` sets from `system.move`'s defaults.\n",
    );
    out.push_str("pub const SYSTEM_DEFAULTS: &[(&str, u64)] = &[\n");
    for (parameter, constant) in SYSTEM_DEFAULTS {
        let value = constant_u64(&system, constant)?;
        let _ = writeln!(out, "    ({parameter:?}, {value}),");
    }
    out.push_str("];\n\n");
    let _ = writeln!(
        out,
        "/// `system.move`'s `DEFAULT_MAX_COMMITTEE_SIZE` (`create_system` caps it at n_shards).\n\
         pub const DEFAULT_MAX_COMMITTEE_SIZE: u64 = {};\n",
        constant_u64(&system, "DEFAULT_MAX_COMMITTEE_SIZE")?
    );
    let _ = writeln!(
        out,
        "/// `staking.move`'s `DEFAULT_CAPACITY_VOTE`: a new node's capacity vote.\n\
         pub const DEFAULT_CAPACITY_VOTE: u64 = {};",
        constant_u64(&staking, "DEFAULT_CAPACITY_VOTE")?
    );

    // `const SOURCE_STORAGE_FEE: u8 = 0;` → (0, "storage_fee"), by code.
    let mut burn_sources: Vec<(u64, String)> = wal
        .lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("const SOURCE_")?;
            let (name, rest) = rest.split_once(':')?;
            let value = rest.split_once('=')?.1.trim().trim_end_matches(';').trim();
            Some((value.parse().ok()?, name.trim().to_ascii_lowercase()))
        })
        .collect();
    burn_sources.sort();
    if burn_sources.is_empty()
        || burn_sources
            .iter()
            .enumerate()
            .any(|(i, s)| s.0 != i as u64)
    {
        return Err(BuildError(format!(
            "wal.move's burn sources are not 0, 1, 2…: {burn_sources:?}"
        )));
    }
    out.push_str(
        "\n/// `wal.move`'s burn sources (`SOURCE_…`), as `(code, name)` by code: codes are 0, 1, 2….\n",
    );
    out.push_str("pub const BURN_SOURCES: &[(u64, &str)] = &[\n");
    for (code, name) in &burn_sources {
        let _ = writeln!(out, "    ({code}, {name:?}),");
    }
    out.push_str("];\n");
    let last = burn_sources.len() - 1;
    let _ = writeln!(
        out,
        "/// The highest burn source code.\npub const LAST_BURN_SOURCE: u64 = {last};"
    );
    let listed: Vec<String> = burn_sources
        .iter()
        .map(|(code, name)| format!("{code} {name}"))
        .collect();
    let _ = writeln!(
        out,
        "/// The burn sources as documentation text.\npub const BURN_SOURCES_TEXT: &str = {:?};",
        listed.join(", ")
    );

    let out_dir = std::env::var_os("OUT_DIR")
        .map(PathBuf::from)
        .ok_or_else(|| BuildError("OUT_DIR is not set".to_owned()))?;
    let path = out_dir.join("move_facts.rs");
    std::fs::write(&path, out)
        .map_err(|e| BuildError(format!("cannot write {}: {e}", path.display())))
}

fn read(path: &Path) -> Result<String, BuildError> {
    println!("cargo:rerun-if-changed={}", path.display());
    std::fs::read_to_string(path)
        .map_err(|e| BuildError(format!("cannot read {}: {e}", path.display())))
}

/// The value of `const NAME: u64 = N;` (underscores allowed in N).
fn constant_u64(source: &str, name: &str) -> Result<u64, BuildError> {
    source
        .lines()
        .find_map(|line| {
            let rest = line.trim().strip_prefix("const ")?.strip_prefix(name)?;
            let value = rest.trim_start().strip_prefix(':')?.split_once('=')?.1;
            value
                .trim()
                .trim_end_matches(';')
                .trim()
                .replace('_', "")
                .parse()
                .ok()
        })
        .ok_or_else(|| BuildError(format!("no `const {name}: u64 = …;` in the Move sources")))
}

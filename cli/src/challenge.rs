//! `floe challenge list|slash`: the availability challenges still open on the board, and the
//! slash anyone may call on one left unanswered past its deadline. Slashing pays the caller
//! nothing (`challenge::slash_missed` burns part of the stake and gives the rest to the other
//! committee members' pools), and the output says so: it is how an operator who skips its own
//! node's challenge finds that slashing itself gains it nothing.

use anyhow::bail;
use clap::Subcommand;
use floe_sdk::keeper;
use floe_sdk::move_types;

use crate::amount::format_wal;
use crate::commands::explain;
use crate::output::out;
use crate::session::Session;

/// Basis points as a percentage: 1000 → "10", 1250 → "12.5".
fn percent(bps: u64) -> String {
    let whole = bps / 100;
    match bps % 100 {
        0 => whole.to_string(),
        cents => format!("{whole}.{}", format!("{cents:02}").trim_end_matches('0')),
    }
}

#[derive(Subcommand)]
pub enum ChallengeCommand {
    /// Open challenges: ID, node, epoch, deadline and the stake at risk; `missed` ones can be
    /// slashed by anyone with `floe challenge slash ID`.
    List {
        /// Only this node's challenges.
        #[arg(long, value_parser = crate::object_id::parse)]
        node: Option<sui_sdk_types::Address>,
        /// One JSON array, for scripts (amounts in base units, 1 WAL = 10^9).
        #[arg(long)]
        json: bool,
    },
    /// Slash a challenge left unanswered past its deadline (anyone may). The node's pool loses
    /// slash_bps of the stake it had at risk; part is burned, the rest goes to the other
    /// committee members' pools; the caller gets nothing.
    Slash {
        id: u64,
        /// One JSON object, for scripts (amounts in base units, 1 WAL = 10^9).
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(session: &Session, command: ChallengeCommand) -> anyhow::Result<()> {
    match command {
        ChallengeCommand::List { node, json } => list(session, node, json).await,
        ChallengeCommand::Slash { id, json } => slash(session, id, json).await,
    }
}

async fn list(
    session: &Session,
    node: Option<sui_sdk_types::Address>,
    json: bool,
) -> anyhow::Result<()> {
    let mut floe = session.reader().await?;
    let now = floe.chain_now_ms().await.map_err(explain)?;
    let open = keeper::open_challenges(&mut floe).await.map_err(explain)?;
    let open: Vec<_> = open
        .into_iter()
        .filter(|(_, c)| node.is_none_or(|n| move_types::address_of(&c.node_id) == n))
        .collect();
    if json {
        let items: Vec<_> = open
            .iter()
            .map(|(id, c)| {
                serde_json::json!({
                    "id": id,
                    "node_id": move_types::address_of(&c.node_id).to_string(),
                    "epoch": c.epoch,
                    "shard": c.shard,
                    "deadline_ms": c.deadline_ms,
                    "stake_at_risk": c.stake_at_risk,
                    "missed": now > c.deadline_ms,
                })
            })
            .collect();
        out!("{}", serde_json::Value::Array(items));
        return Ok(());
    }
    if open.is_empty() {
        eprintln!("no open challenges: every one issued was answered or slashed");
        return Ok(());
    }
    out!(
        "{:>6} {:<68} {:>6} {:>6} {:>20}  state",
        "id",
        "node",
        "epoch",
        "shard",
        "WAL at risk"
    );
    for (id, c) in &open {
        let state = if now > c.deadline_ms {
            "missed: `floe challenge slash` it".to_owned()
        } else {
            format!("open for {} ms", c.deadline_ms - now)
        };
        out!(
            "{id:>6} {:<68} {:>6} {:>6} {:>20}  {state}",
            move_types::address_of(&c.node_id),
            c.epoch,
            c.shard,
            format_wal(c.stake_at_risk)
        );
    }
    Ok(())
}

async fn slash(session: &Session, id: u64, json: bool) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    let Some(challenge) = keeper::open_challenge(&mut floe, id)
        .await
        .map_err(explain)?
    else {
        bail!(
            "challenge {id} is not open: it was answered, already slashed, or never issued\n\
             list the open ones with `floe challenge list`"
        );
    };
    let now = floe.chain_now_ms().await.map_err(explain)?;
    if now <= challenge.deadline_ms {
        bail!(
            "challenge {id} is still open for {} ms: its node may still answer\n\
             slash it after its deadline ({} ms on the chain's clock)",
            challenge.deadline_ms - now,
            challenge.deadline_ms
        );
    }
    let system = floe.system().await.map_err(explain)?;
    let slash = keeper::slash_missed(&mut floe, id).await.map_err(explain)?;
    let to_pools: u64 = slash.rewarded.iter().map(|(_, wal)| wal).sum();
    if json {
        out!(
            "{}",
            serde_json::json!({
                "challenge_id": slash.challenge_id,
                "digest": slash.digest.to_string(),
                "node_id": slash.node_id.to_string(),
                "epoch": slash.epoch,
                "stake_at_risk": challenge.stake_at_risk,
                "slashed": slash.slashed,
                "burned": slash.burned,
                "to_other_pools": to_pools,
                "rewarded": slash
                    .rewarded
                    .iter()
                    .map(|(node, wal)| serde_json::json!({"node_id": node.to_string(), "wal": wal}))
                    .collect::<Vec<_>>(),
                "caller_reward": slash.caller_reward,
                "pool_stake_after": slash.pool_stake_after,
            })
        );
        return Ok(());
    }
    out!("challenge {id} slashed (transaction {})", slash.digest);
    out!(
        "node      {} lost {} WAL: {} % (slash_bps) of the {} WAL it had at risk when challenged in epoch {}; its pool now holds {} WAL",
        slash.node_id,
        format_wal(slash.slashed),
        percent(system.slash_bps),
        format_wal(challenge.stake_at_risk),
        slash.epoch,
        format_wal(slash.pool_stake_after)
    );
    out!(
        "burned    {} WAL ({} % of it, slash_burn_bps, and the rounding dust)",
        format_wal(slash.burned),
        percent(system.slash_burn_bps)
    );
    out!(
        "to pools  {} WAL to the other committee members' pools, by shards held",
        format_wal(to_pools)
    );
    for (node, wal) in &slash.rewarded {
        out!("  {node}  {} WAL", format_wal(*wal));
    }
    out!(
        "you       {} WAL: challenge::slash_missed pays its caller nothing, so nobody profits from a slash they can cause",
        format_wal(slash.caller_reward)
    );
    Ok(())
}

//! What the devnet tests share: WAL from the faucet, the floe events of the devnet's checkpoint
//! files decoded with the sdk (not the indexer), and walking a list through its cursors.

use std::net::SocketAddr;
use std::path::Path;

use serde_json::Value;
use sui_sdk_types::Address;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::get_json;

/// Asks the devnet faucet for `amount` WAL for `recipient`.
pub async fn request_wal(faucet: &str, recipient: Address, amount: u64) {
    let host = faucet.strip_prefix("http://").unwrap();
    let body = serde_json::json!({ "FixedAmountRequest": {
        "recipient": recipient.to_string(), "amount": amount } })
    .to_string();
    let request = format!(
        "POST /v2/wal HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.unwrap();
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
}

/// One floe event as the checkpoint files hold it, decoded with the sdk's types (not the
/// indexer's code).
pub struct ChainEvent {
    pub checkpoint: u64,
    pub tx_index: u64,
    pub event_index: u64,
    pub tx_digest: String,
    pub timestamp_ms: u64,
    pub sender: Address,
    pub module: String,
    pub name: String,
    pub contents: Vec<u8>,
}

impl ChainEvent {
    pub fn decode<T: serde::de::DeserializeOwned>(&self) -> T {
        bcs::from_bytes(&self.contents).unwrap()
    }
}

/// Every event of `package` in checkpoints 0..=last of `dir`, in chain order.
pub fn chain_events(dir: &Path, last: u64, package: Address) -> Vec<ChainEvent> {
    let mut out = Vec::new();
    for seq in 0..=last {
        let checkpoint =
            floe_devnet::checkpoint_files::read(&dir.join(format!("{seq}.binpb.zst"))).unwrap();
        let timestamp_ms = sui_rpc::proto::proto_to_timestamp_ms(
            checkpoint.summary.as_ref().unwrap().timestamp.unwrap(),
        )
        .unwrap();
        for (tx_index, tx) in checkpoint.transactions.iter().enumerate() {
            let Some(events) = &tx.events else { continue };
            for (event_index, event) in events.events.iter().enumerate() {
                let event = sui_sdk_types::Event::try_from(event).unwrap();
                if *event.type_.address() != package {
                    continue;
                }
                out.push(ChainEvent {
                    checkpoint: seq,
                    tx_index: tx_index as u64,
                    event_index: event_index as u64,
                    tx_digest: tx.digest.clone().unwrap(),
                    timestamp_ms,
                    sender: event.sender,
                    module: event.type_.module().to_string(),
                    name: event.type_.name().to_string(),
                    contents: event.contents,
                });
            }
        }
    }
    out
}

/// The events named `name`, decoded.
pub fn events_named<'a, T: serde::de::DeserializeOwned>(
    events: &'a [ChainEvent],
    name: &str,
) -> Vec<(&'a ChainEvent, T)> {
    events
        .iter()
        .filter(|e| e.name == name)
        .map(|e| (e, e.decode()))
        .collect()
}

/// Every item of a list, following `next_cursor` with pages of `size` (small, so cursors are
/// exercised).
pub async fn all(addr: SocketAddr, path: &str, last: u64, size: usize) -> Vec<Value> {
    let separator = if path.contains('?') { '&' } else { '?' };
    let mut items = Vec::new();
    let mut url = format!("{path}{separator}limit={size}");
    loop {
        let page = get_json(addr, &url).await;
        assert_eq!(page["checkpoint"], last, "{url}");
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(cursor) => url = format!("{path}{separator}limit={size}&cursor={cursor}"),
            None => return items,
        }
    }
}

/// `item[field]` as u64, failing with the field's name.
pub fn n(item: &Value, field: &str) -> u64 {
    item[field]
        .as_u64()
        .unwrap_or_else(|| panic!("{field} of {item}"))
}

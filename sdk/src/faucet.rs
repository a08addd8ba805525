//! A minimal client for a Sui-style faucet (`POST {url}/v2/gas`), and a Floe devnet's WAL
//! faucet (`POST {url}/v2/wal`).
//!
//! The devnet serves the same JSON API as Sui's faucets; this client speaks plain
//! HTTP/1.1 over TCP so the sdk needs no HTTP client stack for one local call.

use serde::Deserialize;
use sui_sdk_types::{Address, Digest};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

#[derive(Debug, thiserror::Error)]
pub enum FaucetError {
    #[error("faucet URL {0} is not of the form http://host:port")]
    Url(String),
    #[error("cannot reach the faucet at {url}: {source}")]
    Io { url: String, source: std::io::Error },
    #[error("the faucet refused: {0}")]
    Refused(String),
}

/// One coin the faucet sent.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaucetCoin {
    pub amount: u64,
    pub id: Address,
    pub transfer_tx_digest: Digest,
}

#[derive(Deserialize)]
struct Response {
    status: serde_json::Value,
    coins_sent: Option<Vec<FaucetCoin>>,
}

/// Asks the faucet at `url` (e.g. `http://127.0.0.1:9123`) for gas coins.
pub async fn request_gas(url: &str, recipient: Address) -> Result<Vec<FaucetCoin>, FaucetError> {
    let body = serde_json::json!({ "FixedAmountRequest": { "recipient": recipient.to_string() } });
    post(url, "/v2/gas", &body).await
}

/// Asks a Floe devnet's faucet at `url` for WAL: `amount` base units (10^9 per WAL), or the
/// faucet's default with `None`. The faucet caps the amount; asking for more is refused.
pub async fn request_wal(
    url: &str,
    recipient: Address,
    amount: Option<u64>,
) -> Result<Vec<FaucetCoin>, FaucetError> {
    let mut request = serde_json::json!({ "recipient": recipient.to_string() });
    if let Some(amount) = amount {
        request["amount"] = amount.into();
    }
    let body = serde_json::json!({ "FixedAmountRequest": request });
    post(url, "/v2/wal", &body).await
}

async fn post(
    url: &str,
    path: &str,
    body: &serde_json::Value,
) -> Result<Vec<FaucetCoin>, FaucetError> {
    let host = url
        .strip_prefix("http://")
        .map(|rest| rest.trim_end_matches('/'))
        .filter(|h| !h.is_empty() && !h.contains('/'))
        .ok_or_else(|| FaucetError::Url(url.to_owned()))?;
    let io = |source| FaucetError::Io {
        url: url.to_owned(),
        source,
    };
    let body = body.to_string();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(host).await.map_err(io)?;
    stream.write_all(request.as_bytes()).await.map_err(io)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.map_err(io)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| FaucetError::Refused("malformed HTTP response".to_owned()))?;
    let status_line = head.lines().next().unwrap_or_default();
    if !status_line.contains(" 200")
        && !status_line.contains(" 201")
        && !status_line.contains(" 202")
    {
        return Err(FaucetError::Refused(format!("{status_line}: {body}")));
    }
    let response: Response = serde_json::from_str(body)
        .map_err(|e| FaucetError::Refused(format!("unexpected answer {body:?}: {e}")))?;
    if response.status != serde_json::Value::String("Success".to_owned()) {
        return Err(FaucetError::Refused(response.status.to_string()));
    }
    Ok(response.coins_sent.unwrap_or_default())
}

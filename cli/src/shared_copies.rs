//! The shared blobs wrapping Blob objects of a blob ID (`floe blob-status`), or one Blob object
//! (`floe delete` / `share` / `extend` of a blob object shared already): named by the indexer
//! `floe up` runs, their funds and end epoch read from the chain. Its own module, below
//! the commands, so `commands` (blob-status) and `shared_blob` (share, fund, extend) do not
//! import each other.

use anyhow::{Context as _, bail};
use sui_sdk_types::Address;

use crate::home::UpFile;
use crate::report::explain;
use crate::session::Session;

/// A shared blob wrapping a Blob object of some blob ID, as the chain holds it now.
pub struct SharedCopy {
    pub shared_blob: Address,
    /// WAL base units in its funds.
    pub funds: u64,
    pub end_epoch: u64,
}

/// The shared blobs wrapping Blob objects of `blob_id`, or `None` when no indexer is known or
/// the one known does not answer (a warning on stderr says so: the rest of `blob-status` is
/// chain state, which must not depend on a stopped `floe up`).
///
/// The chain keeps no index from a blob ID to the `SharedBlob` wrapping it (the `Blob` is
/// inside the shared object, where no owner query finds it), so the indexer `floe up` runs
/// (up.toml's `api`) names them; their funds and end epoch are then read from the chain, so
/// an indexer a little behind can miss a new shared blob but never misstates one.
pub async fn shared_copies(
    session: &Session,
    floe: &mut floe_sdk::Floe,
    blob_id: &floe_encoder::BlobId,
) -> anyhow::Result<Option<Vec<SharedCopy>>> {
    let Some(api) = UpFile::load(&session.home.up_file())?.and_then(|up| up.api) else {
        return Ok(None);
    };
    let ids = match indexed_shared_blobs(&api, blob_id).await {
        Ok(ids) => ids,
        Err(cause) => {
            eprintln!(
                "warning: shared copies unknown: the indexer at {api} (up.toml) did not answer \
                 ({cause:#})"
            );
            return Ok(None);
        }
    };
    let mut copies = Vec::new();
    for id in ids {
        let view = floe.shared_blob(id).await.map_err(explain)?;
        copies.push(SharedCopy {
            shared_blob: id,
            funds: view.funds(),
            end_epoch: view.end_epoch(),
        });
    }
    Ok(Some(copies))
}

/// The shared blob wrapping `blob_object`, if the indexer `floe up` runs names one. A wrapped
/// object is simply missing to the chain's object lookup, like a deleted one; this tells the
/// two apart, for whoever asks (the API filters shared blobs by the Blob object they wrap,
/// `/v1/shared-blobs?blob_object_id=`). No indexer, or one that does not answer, is `None`:
/// the caller's message then says both possibilities.
pub async fn shared_blob_wrapping(session: &Session, blob_object: Address) -> Option<Address> {
    let api = UpFile::load(&session.home.up_file()).ok()??.api?;
    let url = format!(
        "{}/v1/shared-blobs?blob_object_id={blob_object}",
        api.trim_end_matches('/')
    );
    let (status, body) = tokio::time::timeout(INDEXER_TIMEOUT, http_get(&url))
        .await
        .ok()?
        .ok()?;
    if status != 200 {
        return None;
    }
    let page: serde_json::Value = serde_json::from_slice(&body).ok()?;
    // Checked rather than trusted: an indexer that ignored the filter would list others.
    let item = page["items"].as_array()?.iter().find(|item| {
        item["blob_object_id"]
            .as_str()
            .and_then(|id| id.parse::<Address>().ok())
            == Some(blob_object)
    })?;
    item["shared_blob_id"].as_str()?.parse().ok()
}

/// How long `blob-status` waits for the indexer before going on without it.
const INDEXER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The IDs of the shared blobs the indexer at `api` names for `blob_id`.
async fn indexed_shared_blobs(
    api: &str,
    blob_id: &floe_encoder::BlobId,
) -> anyhow::Result<Vec<Address>> {
    let url = format!("{}/v1/blobs/{blob_id}", api.trim_end_matches('/'));
    let (status, body) = tokio::time::timeout(INDEXER_TIMEOUT, http_get(&url))
        .await
        .map_err(|_| anyhow::anyhow!("no answer to GET {url} in {INDEXER_TIMEOUT:?}"))??;
    if status == 404 {
        // The indexer has no such blob ID (yet): nothing of it is shared that it knows of.
        return Ok(Vec::new());
    }
    if status != 200 {
        bail!(
            "it answered {status} for {url}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    let page: serde_json::Value =
        serde_json::from_slice(&body).with_context(|| format!("it answered {url} with no JSON"))?;
    page["item"]["shared_blobs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|item| {
            item["shared_blob_id"]
                .as_str()
                .and_then(|id| id.parse::<Address>().ok())
                .with_context(|| format!("it named a shared blob without an ID: {item}"))
        })
        .collect()
}

/// `GET url` (plain HTTP, as `floe up` serves its indexer): status and body.
async fn http_get(url: &str) -> anyhow::Result<(u16, Vec<u8>)> {
    use http_body_util::{BodyExt as _, Empty};
    use hyper::body::Bytes;
    let client: hyper_util::client::legacy::Client<_, Empty<Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build_http();
    let uri: hyper::Uri = url.parse().with_context(|| format!("{url} is not a URL"))?;
    let response = client
        .get(uri)
        .await
        .with_context(|| format!("GET {url}"))?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .with_context(|| format!("reading the answer to GET {url}"))?
        .to_bytes();
    Ok((status, body.to_vec()))
}

//! `floe store-quilt`, `floe read-quilt` and `floe list-quilt`: many small files as one blob
//! (see [`floe_sdk::quilt`] for the layout), each read back alone by its identifier.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, bail};
use clap::Args;
use floe_encoder::{BlobId, BlobSource as _, EncodingConfig};
use floe_node::http_client::HttpNodeClient;
use floe_sdk::quilt::{self, QuiltFile, QuiltLayout, QuiltReader};
use floe_sdk::stream::SpilledPairs;

use crate::output::out;

/// The clients `node_directory` gives.
type Nodes = std::collections::HashMap<sui_sdk_types::Address, HttpNodeClient>;
use crate::session::{Session, node_directory};

#[derive(Args)]
pub struct StoreQuiltArgs {
    /// The files; each one's identifier is its file name.
    #[arg(required_unless_present = "dir", conflicts_with = "dir")]
    files: Vec<PathBuf>,
    /// Store every regular file directly in this directory instead (not its subdirectories).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Epochs to keep the quilt, from the current one.
    #[arg(long, default_value_t = 5)]
    epochs: u64,
    /// A tag for every file, `key=value` (keys: a-z, 0-9, '.', '_', '-'); repeatable.
    #[arg(long = "tag", value_parser = parse_tag)]
    tags: Vec<(String, String)>,
    /// Allow deleting the quilt before it expires.
    #[arg(long)]
    deletable: bool,
}

#[derive(Args)]
pub struct ReadQuiltArgs {
    /// The quilt ID (`floe store-quilt` prints it); it may start with `-`.
    #[arg(allow_hyphen_values = true)]
    quilt_id: String,
    /// The files to read.
    #[arg(required = true)]
    identifiers: Vec<String>,
    /// Where to write them, each under its identifier.
    #[arg(long, short, default_value = ".")]
    out: PathBuf,
}

#[derive(Args)]
pub struct ListQuiltArgs {
    /// The quilt ID; it may start with `-`.
    #[arg(allow_hyphen_values = true)]
    quilt_id: String,
    /// One JSON document: `{"quiltId", "patches": [{identifier, tags, offset, length}]}`.
    #[arg(long)]
    json: bool,
}

fn parse_tag(text: &str) -> Result<(String, String), String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?} is not a tag: write key=value"))?;
    if !quilt::is_valid_tag_key(key) {
        return Err(format!(
            "tag key {key:?} must be 1 to {} bytes of a-z, 0-9, '.', '_' and '-'",
            quilt::MAX_TAG_KEY_LEN
        ));
    }
    Ok((key.to_owned(), value.to_owned()))
}

fn parse_quilt_id(text: &str) -> anyhow::Result<BlobId> {
    text.parse().map_err(|_| {
        anyhow::anyhow!(
            "{text:?} is not a quilt ID\na quilt ID is a blob ID, 43 characters of base64url, as `floe store-quilt` prints it"
        )
    })
}

/// The files to store: those named, or the regular files of `dir` sorted by name.
fn paths(args: &StoreQuiltArgs) -> anyhow::Result<Vec<PathBuf>> {
    let Some(dir) = &args.dir else {
        return Ok(args.files.clone());
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        if entry.file_type()?.is_file() {
            paths.push(entry.path());
        }
    }
    if paths.is_empty() {
        bail!(
            "{} holds no regular files to store\n\
             put the files directly in it (subdirectories are not read), or name the files instead of --dir",
            dir.display()
        );
    }
    paths.sort();
    Ok(paths)
}

/// Stores the files as one quilt with memory bounded like `floe store`'s: the quilt is laid
/// out from the files' lengths, then encoded into a spill on disk reading the files as the
/// encoder asks ([`quilt::QuiltLayout`]), and each sliver pair is read back as it is sent.
/// Only the index (tens of bytes per file) is held, whatever the files weigh together.
pub async fn store(session: &Session, args: StoreQuiltArgs) -> anyhow::Result<()> {
    let tags: BTreeMap<String, String> = args.tags.iter().cloned().collect();
    let mut files = Vec::new();
    for path in paths(&args)? {
        let identifier = path
            .file_name()
            .and_then(|name| name.to_str())
            .with_context(|| {
                format!(
                    "{} has no UTF-8 file name to use as its identifier",
                    path.display()
                )
            })?
            .to_owned();
        let file = QuiltFile::at(identifier, tags.clone(), path.clone())
            .with_context(|| format!("reading {}", path.display()))?;
        files.push(file);
    }
    let layout = QuiltLayout::new(files).context("building the quilt")?;
    let count = layout.files().len();
    let size = layout.len();
    let mut floe = session.floe().await?;
    let system = floe.system().await.context("reading the system object")?;
    if args.epochs == 0 || args.epochs > system.max_epochs_ahead {
        bail!(
            "--epochs {} is out of range: this network stores blobs for 1 to {} epochs ahead\n\
             pass --epochs between 1 and {}",
            args.epochs,
            system.max_epochs_ahead,
            system.max_epochs_ahead
        );
    }
    let config =
        EncodingConfig::new(usize::from(system.n_shards)).context("the network's shard count")?;
    if size > config.max_blob_size() {
        bail!(
            "the quilt of {count} files is {size} bytes; this network stores blobs of at most {} bytes\n\
             store the files as several quilts",
            config.max_blob_size()
        );
    }
    let nodes = node_directory(&mut floe, None).await?;
    let (metadata, pairs) = SpilledPairs::encode_source(config, Arc::new(layout), Arc::new(()))
        .await
        .context("encoding the quilt")?;
    let stored = floe
        .store_spilled(&nodes, &metadata, &pairs, args.epochs, args.deletable)
        .await
        .context("storing the quilt")?;
    out!("{}", stored.blob_id);
    eprintln!(
        "stored a quilt of {count} files ({size} bytes) for {} epochs; blob object {}",
        args.epochs, stored.blob_object
    );
    Ok(())
}

async fn open(session: &Session, quilt_id: &str) -> anyhow::Result<QuiltReader<Nodes>> {
    let quilt_id = parse_quilt_id(quilt_id)?;
    let mut floe = session.floe().await?;
    let committee = floe.committee().await.context("reading the committee")?;
    let nodes = node_directory(&mut floe, None).await?;
    QuiltReader::open(Arc::new(nodes), committee, quilt_id)
        .await
        .with_context(|| format!("opening quilt {quilt_id}"))
}

/// Whether `identifier` can be written as one file under the output directory (no separators,
/// not `.` or `..`), so a quilt cannot write outside it.
fn file_name_of(identifier: &str) -> Option<&Path> {
    let path = Path::new(identifier);
    (path.file_name() == Some(path.as_os_str()) && identifier != "." && identifier != "..")
        .then_some(path)
}

pub async fn read(session: &Session, args: ReadQuiltArgs) -> anyhow::Result<()> {
    for identifier in &args.identifiers {
        if file_name_of(identifier).is_none() {
            bail!(
                "{identifier:?} is not a plain file name, so it cannot be written under {}\n\
                 read it through the aggregator (GET /v1/blobs/by-quilt-id/QUILT_ID/IDENTIFIER)",
                args.out.display()
            );
        }
    }
    let reader = open(session, &args.quilt_id).await?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    for identifier in &args.identifiers {
        let (_, data) = reader.read(identifier).await?;
        let path = args.out.join(identifier);
        std::fs::write(&path, &data).with_context(|| format!("writing {}", path.display()))?;
        out!("{}", path.display());
    }
    let stats = reader.stats();
    eprintln!(
        "read {} file(s) of quilt {}: {} sliver bytes fetched",
        args.identifiers.len(),
        reader.quilt_id(),
        stats.sliver_bytes()
    );
    Ok(())
}

pub async fn list(session: &Session, args: ListQuiltArgs) -> anyhow::Result<()> {
    let reader = open(session, &args.quilt_id).await?;
    let patches = reader.index().patches();
    if args.json {
        let doc = serde_json::json!({
            "quiltId": reader.quilt_id().to_string(),
            "patches": patches,
        });
        out!("{doc}");
        return Ok(());
    }
    for patch in patches {
        let tags: Vec<String> = patch.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
        out!("{}\t{}\t{}", patch.identifier, patch.length, tags.join(","));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_file_names_are_checked() {
        assert_eq!(parse_tag("k=v=w"), Ok(("k".into(), "v=w".into())));
        assert!(parse_tag("novalue").is_err());
        assert!(parse_tag("Key=v").is_err());
        assert!(file_name_of("a.txt").is_some());
        assert!(file_name_of("../a").is_none());
        assert!(file_name_of("a/b").is_none());
        assert!(file_name_of("..").is_none());
    }
}

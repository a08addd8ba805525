//! `floe set-attribute`, `floe get-attribute`, `floe remove-attribute`: key-value attributes
//! of a blob object (content type, file name, …). The aggregator serves a blob read by its
//! object ID with its `content-type`, `content-disposition`, `content-encoding`,
//! `content-language` and `cache-control` attributes as response headers.

use anyhow::bail;
use clap::Args;
use floe_sdk::Floe;
use floe_sdk::attributes::{self, AttributeChange};
use serde_json::json;
use sui_sdk_types::Address;

use crate::commands::{explain, my_blob};
use crate::object_id;
use crate::output::out;
use crate::session::Session;

#[derive(Debug, Args)]
pub struct SetArgs {
    /// One of your blob objects (`floe list-blobs`).
    #[arg(value_parser = object_id::parse)]
    blob_object_id: Address,
    /// KEY=VALUE pairs, set in one transaction (the value may contain `=`; an existing key's
    /// value is replaced).
    #[arg(required = true, value_parser = parse_pair)]
    pairs: Vec<(String, String)>,
}

#[derive(Debug, Args)]
pub struct GetArgs {
    /// Any blob object.
    #[arg(value_parser = object_id::parse)]
    blob_object_id: Address,
    /// Print only this key's value (exit with an error if the blob has no such key).
    key: Option<String>,
    /// One JSON object of all attributes, for scripts.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// One of your blob objects (`floe list-blobs`).
    #[arg(value_parser = object_id::parse)]
    blob_object_id: Address,
    /// Keys to remove, in one transaction.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    keys: Vec<String>,
    /// Remove every attribute.
    #[arg(long)]
    all: bool,
}

fn parse_pair(text: &str) -> Result<(String, String), String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| format!("expected KEY=VALUE, got {text:?}"))?;
    let change = AttributeChange::Set {
        key: key.to_owned(),
        value: value.to_owned(),
    };
    attributes::check_change(&change)?;
    Ok((key.to_owned(), value.to_owned()))
}

pub async fn set(session: &Session, args: SetArgs) -> anyhow::Result<()> {
    if args.pairs.len() > attributes::MAX_ATTRIBUTES {
        bail!(
            "{} attributes given; a blob holds at most {}\nset fewer at once",
            args.pairs.len(),
            attributes::MAX_ATTRIBUTES
        );
    }
    let mut floe = session.floe().await?;
    my_blob(session, &mut floe, args.blob_object_id).await?;
    let changes: Vec<AttributeChange> = args
        .pairs
        .into_iter()
        .map(|(key, value)| AttributeChange::Set { key, value })
        .collect();
    let digest = floe
        .change_blob_attributes(args.blob_object_id, &changes)
        .await
        .map_err(explain)?;
    eprintln!(
        "set {} attribute(s) of blob object {} (transaction {digest})",
        changes.len(),
        args.blob_object_id
    );
    print_all(&mut floe, args.blob_object_id, false).await
}

pub async fn remove(session: &Session, args: RemoveArgs) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    my_blob(session, &mut floe, args.blob_object_id).await?;
    let changes: Vec<AttributeChange> = if args.all {
        vec![AttributeChange::Clear]
    } else {
        let present = floe
            .blob_attributes(args.blob_object_id)
            .await
            .map_err(explain)?;
        if let Some(missing) = args
            .keys
            .iter()
            .find(|key| !present.iter().any(|(k, _)| k == *key))
        {
            bail!(
                "blob object {} has no attribute {missing:?}\n`floe get-attribute {}` lists its attributes",
                args.blob_object_id,
                args.blob_object_id
            );
        }
        args.keys
            .into_iter()
            .map(|key| AttributeChange::Remove { key })
            .collect()
    };
    let digest = floe
        .change_blob_attributes(args.blob_object_id, &changes)
        .await
        .map_err(explain)?;
    eprintln!(
        "removed attributes of blob object {} (transaction {digest})",
        args.blob_object_id
    );
    print_all(&mut floe, args.blob_object_id, false).await
}

pub async fn get(session: &Session, args: GetArgs) -> anyhow::Result<()> {
    let mut floe = session.reader().await?;
    if let Some(key) = &args.key {
        let pairs = floe
            .blob_attributes(args.blob_object_id)
            .await
            .map_err(explain)?;
        let Some((_, value)) = pairs.into_iter().find(|(k, _)| k == key) else {
            bail!(
                "blob object {} has no attribute {key:?}\n`floe get-attribute {}` lists its attributes",
                args.blob_object_id,
                args.blob_object_id
            );
        };
        if args.json {
            out!("{}", json!({ key.as_str(): value }));
        } else {
            out!("{value}");
        }
        return Ok(());
    }
    print_all(&mut floe, args.blob_object_id, args.json).await
}

/// Prints every attribute, `key: value` a line (or one JSON object).
async fn print_all(floe: &mut Floe, blob_object: Address, as_json: bool) -> anyhow::Result<()> {
    let pairs = floe.blob_attributes(blob_object).await.map_err(explain)?;
    if as_json {
        let object: serde_json::Map<String, serde_json::Value> = pairs
            .into_iter()
            .map(|(k, v)| (k, serde_json::Value::String(v)))
            .collect();
        out!("{}", serde_json::Value::Object(object));
    } else if pairs.is_empty() {
        eprintln!("blob object {blob_object} has no attributes");
    } else {
        for (key, value) in pairs {
            out!("{key}: {value}");
        }
    }
    Ok(())
}

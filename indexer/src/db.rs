//! Connecting to PostgreSQL and bringing the schema up to date.

use std::str::FromStr as _;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// The migrations in the repository's `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("invalid database URL: {0}")]
    Url(sqlx::Error),
    #[error("cannot connect to the database: {0}")]
    Connect(sqlx::Error),
    #[error("migrations failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// A pool of `max_connections` connections to `url`.
pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, DbError> {
    let options = PgConnectOptions::from_str(url).map_err(DbError::Url)?;
    PgPoolOptions::new()
        .max_connections(max_connections)
        .connect_with(options)
        .await
        .map_err(DbError::Connect)
}

/// How long an API request waits for one of the API's connections before it is refused
/// (503 with `Retry-After`): under a flood, a request is told to come back instead of queueing
/// behind sqlx's 30 s default while its client times out anyway.
pub const API_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// The longest one API statement may run by default (PostgreSQL's `statement_timeout` on the
/// API's connections). The slowest route measured at 1 M blobs (`bench-api`) takes tens of
/// milliseconds; a statement still running after this long is a request to refuse, not to
/// wait for while it holds a connection others need.
pub const DEFAULT_QUERY_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections ingestion holds for its whole run (the raw events' writer and the
/// projections'), in a pool of their own.
pub const INGEST_CONNECTIONS: u32 = 2;

/// The pool the REST API reads through: `max_connections` connections of its own, apart
/// from ingestion's, so that however many requests arrive, ingestion never waits behind
/// them; each statement is cut off after `query_timeout` by the server, and a request that
/// finds every connection busy for [`API_ACQUIRE_TIMEOUT`] is refused.
pub async fn connect_api(
    url: &str,
    max_connections: u32,
    query_timeout: Duration,
) -> Result<PgPool, DbError> {
    let millis = query_timeout.as_millis().clamp(1, i32::MAX as u128);
    let options = PgConnectOptions::from_str(url)
        .map_err(DbError::Url)?
        .options([("statement_timeout", millis.to_string())]);
    PgPoolOptions::new()
        .max_connections(max_connections.max(1))
        .acquire_timeout(API_ACQUIRE_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(DbError::Connect)
}

/// Applies every migration not yet applied (idempotent).
pub async fn migrate(pool: &PgPool) -> Result<(), DbError> {
    MIGRATOR.run(pool).await?;
    Ok(())
}

/// Creates the database `url` names if it does not exist yet, connecting to the server's
/// `postgres` database to do so; a fresh machine's `floe up` then needs no manual `createdb`.
pub async fn ensure_database(url: &str) -> Result<(), DbError> {
    use sqlx::ConnectOptions as _;
    let options = PgConnectOptions::from_str(url).map_err(DbError::Url)?;
    let Some(name) = options.get_database().map(str::to_owned) else {
        return Ok(());
    };
    if options.clone().connect().await.is_ok() {
        return Ok(());
    }
    let mut admin = options
        .database("postgres")
        .connect()
        .await
        .map_err(DbError::Connect)?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut admin)
            .await
            .map_err(DbError::Connect)?;
    if !exists {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        sqlx::query(&format!("CREATE DATABASE {quoted}"))
            .execute(&mut admin)
            .await
            .map_err(DbError::Connect)?;
    }
    Ok(())
}

/// `url` with its password masked (`user:***@host`), for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => match url[scheme + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redact_masks_only_the_password() {
        assert_eq!(
            redact("postgres://floe:s3cr:et@db.example:5432/floe"),
            "postgres://floe:***@db.example:5432/floe"
        );
        assert_eq!(
            redact("postgres://postgres@127.0.0.1:5432/floe"),
            "postgres://postgres@127.0.0.1:5432/floe"
        );
        assert_eq!(redact("postgres:///floe"), "postgres:///floe");
    }
}

//! The HTTP service: `GET /v1/service` and `POST /v1/fetch_key` as Seal's key servers serve
//! them, with per-client rate limits and a request size limit.
//!
//! A fetch-key request is charged to its client's rate before any of its body is read, and
//! its body must then arrive at a pace ([`BodyPace`], as the publisher's and the storage
//! nodes' uploads): the connection cap of [`floe_problem::serve`] bounds how many connections
//! a client holds, and the head deadline how long a head may take, but hyper waits for a body
//! as long as the connection stays open. Without the pace a few hundred connections that
//! declare a body and send nothing would hold every connection slot of the key server (and of
//! its process's budget) for as long as they liked, unmetered by the rate limit, which only
//! ran once the body was in.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use floe_crypto::{MasterSecret, elgamal, full_id};
use floe_problem::pace::BodyPace;
use http_body_util::BodyExt as _;
use sui_sdk_types::Address;
use tokio::net::TcpListener;

use crate::error::KeyServerError;
use crate::policy::PolicyChecker;
use crate::protocol::{
    Base64, DecryptionKey, FetchKeyRequest, FetchKeyResponse, KEY_SERVER_VERSION, ServiceResponse,
    VERSION_HEADER,
};
use crate::ptb::KeyRequestPtb;
use crate::rate_limit::{RateLimit, RateLimiter};
use crate::session;

/// Largest request body read (bytes): a 128 KiB transaction in base64 and the rest, as
/// Seal's servers allow.
pub const MAX_REQUEST_SIZE: usize = 180 * 1024;

/// What one key server serves.
pub struct KeyServer {
    master: MasterSecret,
    /// The object ID that names this server in encrypted objects (`services`).
    service_id: Address,
    /// The package whose identities this server holds keys for (its original ID: identities
    /// keep their namespace across upgrades, as in Seal).
    package: Address,
    /// The package IDs a request may call: the original and its upgrades.
    callable: Vec<Address>,
    pop: [u8; 48],
    policy: PolicyChecker,
    limiter: RateLimiter,
    /// How slowly a request body may arrive before it is refused with 408.
    body_pace: BodyPace,
}

impl std::fmt::Debug for KeyServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyServer")
            .field("service_id", &self.service_id)
            .field("package", &self.package)
            .finish_non_exhaustive()
    }
}

impl KeyServer {
    pub fn new(
        master: MasterSecret,
        service_id: Address,
        package: Address,
        policy: PolicyChecker,
        rate: RateLimit,
    ) -> Self {
        let pop = master.proof_of_possession(&service_id.into_inner());
        Self {
            master,
            service_id,
            package,
            callable: vec![package],
            pop,
            policy,
            limiter: RateLimiter::new(rate),
            body_pace: BodyPace::default(),
        }
    }

    /// The same server refusing request bodies that arrive slower than `pace` (the default,
    /// [`BodyPace::default`], gives a body 10 s, far more than 180 KiB takes on any network).
    #[must_use]
    pub fn with_body_pace(mut self, pace: BodyPace) -> Self {
        self.body_pace = pace;
        self
    }

    /// Also accepts requests calling `upgrades` (later versions of the package); their
    /// identities stay under the original package ID.
    pub fn with_package_versions(mut self, upgrades: impl IntoIterator<Item = Address>) -> Self {
        for id in upgrades {
            if !self.callable.contains(&id) {
                self.callable.push(id);
            }
        }
        self
    }

    pub fn service_id(&self) -> Address {
        self.service_id
    }

    /// The public key encryptors use for this server (96 bytes, G2).
    pub fn public_key(&self) -> floe_crypto::PublicKey {
        self.master.public_key()
    }

    /// Checks a request in Seal's order (form, package, keys, session, signatures, policy)
    /// and returns the keys it asks for, each encrypted to the request's `enc_key`.
    pub async fn fetch_key(
        &self,
        request: &FetchKeyRequest,
        now_ms: u64,
    ) -> Result<FetchKeyResponse, KeyServerError> {
        let ptb = KeyRequestPtb::parse(&request.ptb.0)?;
        if !self.callable.contains(&ptb.package) {
            return Err(KeyServerError::UnsupportedPackageId {
                served: self.package.to_string(),
                requested: ptb.package.to_string(),
            });
        }
        let enc_key = request.enc_key.array::<48>().ok_or_else(|| {
            KeyServerError::InvalidParameter("enc_key is not 48 bytes".to_owned())
        })?;
        elgamal::check_public_key(&enc_key)
            .map_err(|e| KeyServerError::InvalidParameter(format!("enc_key: {e}")))?;
        let verification = request.enc_verification_key.array::<96>().ok_or_else(|| {
            KeyServerError::InvalidParameter("enc_verification_key is not 96 bytes".to_owned())
        })?;
        elgamal::check_verification_key(&verification)
            .map_err(|e| KeyServerError::InvalidParameter(format!("enc_verification_key: {e}")))?;
        let certificate = &request.certificate;
        session::check_lifetime(certificate, now_ms)?;
        session::check_user_signature(certificate, &self.package)?;
        session::check_request_signature(certificate, &request.ptb.0, request)?;
        let user = session::user_address(certificate)?;
        self.policy.check(user, &ptb).await?;

        let package = self.package.into_inner();
        let ids: Vec<Vec<u8>> = ptb
            .inner_ids
            .iter()
            .map(|inner| full_id(&package, inner))
            .collect();
        // The pairing-group work (a hash to G1 and scalar multiplications per key) runs off
        // the async workers, so a request for many keys cannot stall the server's other
        // requests; an identity asked for again in the same request is derived once.
        let master = self.master.clone();
        let decryption_keys =
            tokio::task::spawn_blocking(move || derive_keys(&master, ids, &enc_key))
                .await
                .map_err(|e| KeyServerError::Failure(format!("deriving keys: {e}")))??;
        tracing::info!(
            %user,
            keys = decryption_keys.len(),
            service = %self.service_id,
            "released keys"
        );
        Ok(FetchKeyResponse { decryption_keys })
    }

    fn service(&self, requested: Option<&str>) -> Result<ServiceResponse, KeyServerError> {
        let refused = || KeyServerError::InvalidServiceId {
            served: self.service_id.to_string(),
            requested: requested.unwrap_or_default().to_owned(),
        };
        let id: Address = requested
            .ok_or_else(refused)?
            .parse()
            .map_err(|_| refused())?;
        if id != self.service_id {
            return Err(refused());
        }
        Ok(ServiceResponse {
            service_id: self.service_id.to_string(),
            pop: Base64(self.pop.to_vec()),
        })
    }
}

/// One [`DecryptionKey`] per identity in `ids`, in order, each encrypted to `enc_key`; an
/// identity repeated in `ids` is derived and encrypted once and its answer repeated.
fn derive_keys(
    master: &MasterSecret,
    ids: Vec<Vec<u8>>,
    enc_key: &[u8; 48],
) -> Result<Vec<DecryptionKey>, KeyServerError> {
    let mut rng = rand::rngs::OsRng;
    let mut done: HashMap<Vec<u8>, [Base64; 2]> = HashMap::new();
    ids.into_iter()
        .map(|id| {
            let encrypted_key = match done.get(&id) {
                Some(answer) => answer.clone(),
                None => {
                    let key = floe_crypto::derive_user_key(master, &id);
                    let encrypted = elgamal::encrypt(&mut rng, &key, enc_key)
                        .map_err(|e| KeyServerError::InvalidParameter(format!("enc_key: {e}")))?;
                    let answer = [Base64(encrypted.c0.to_vec()), Base64(encrypted.c1.to_vec())];
                    done.insert(id.clone(), answer.clone());
                    answer
                }
            };
            Ok(DecryptionKey { id, encrypted_key })
        })
        .collect()
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

async fn get_service(
    State(server): State<Arc<KeyServer>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    match server.service(query.get("service_id").map(String::as_str)) {
        Ok(answer) => axum::Json(answer).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn post_fetch_key(
    State(server): State<Arc<KeyServer>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    // Charged when the request arrives, answered once its body is in (at the pace, at most
    // MAX_REQUEST_SIZE): a refusal sent over a body still coming could be lost to the reset
    // that closing a socket with unread data sends.
    let allowed = server.limiter.take(peer.ip(), Instant::now());
    let body = read_body(body, &headers, &server.body_pace).await;
    if let Err(seconds) = allowed {
        return KeyServerError::TooManyRequests(seconds).into_response();
    }
    let body = match body {
        Ok(body) => body,
        Err(e) => return e.into_response(),
    };
    let request: FetchKeyRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => return KeyServerError::InvalidRequest(e.to_string()).into_response(),
    };
    match server.fetch_key(&request, now_ms()).await {
        Ok(answer) => axum::Json(answer).into_response(),
        Err(e) => {
            tracing::debug!(error = %e, user = %request.certificate.user, "refused a key request");
            e.into_response()
        }
    }
}

/// The request body, at most [`MAX_REQUEST_SIZE`] bytes, arriving no slower than `pace`.
async fn read_body(
    mut body: Body,
    headers: &HeaderMap,
    pace: &BodyPace,
) -> Result<Vec<u8>, KeyServerError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let start = tokio::time::Instant::now();
    let mut data =
        Vec::with_capacity(declared.map_or(0, |len| len.min(MAX_REQUEST_SIZE as u64) as usize));
    loop {
        let deadline = pace.deadline(start, data.len() as u64);
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => {
                let problem =
                    pace.too_slow(data.len() as u64, declared, start.elapsed(), "the request");
                return Err(KeyServerError::RequestTimeout(problem.detail));
            }
            Ok(None) => return Ok(data),
            Ok(Some(Err(e))) => {
                return Err(KeyServerError::InvalidRequest(format!(
                    "the body could not be read: {e}"
                )));
            }
            Ok(Some(Ok(frame))) => frame,
        };
        if let Ok(chunk) = frame.into_data() {
            if data.len() + chunk.len() > MAX_REQUEST_SIZE {
                return Err(KeyServerError::RequestTooLarge(MAX_REQUEST_SIZE));
            }
            data.extend_from_slice(&chunk);
        }
    }
}

async fn health() -> &'static str {
    "ok"
}

/// The routes, every response stamped with the Seal protocol version Seal's clients check.
pub fn router(server: Arc<KeyServer>) -> Router {
    Router::new()
        .route("/v1/service", get(get_service))
        .route("/v1/fetch_key", post(post_fetch_key))
        .route("/health", get(health))
        .layer(DefaultBodyLimit::max(MAX_REQUEST_SIZE))
        .layer(axum::middleware::map_response(
            |mut response: Response| async move {
                response
                    .headers_mut()
                    .insert(VERSION_HEADER, HeaderValue::from_static(KEY_SERVER_VERSION));
                response
            },
        ))
        .with_state(server)
}

/// Serves `server` on `listener` until `shutdown` resolves; requests carry their peer's
/// address (the rate limit is per client IP). A request head must arrive within
/// [`floe_problem::serve::HEADER_READ_TIMEOUT`] (an idle connection is closed after as long),
/// so slow or silent connections cannot pile up (slowloris).
pub async fn serve(
    listener: TcpListener,
    server: Arc<KeyServer>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    floe_problem::serve::serve(
        listener,
        router(server),
        floe_problem::serve::HEADER_READ_TIMEOUT,
        shutdown,
    )
    .await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::TcpStream;

    use super::*;
    use crate::rate_limit::RateLimit;

    #[test]
    fn a_repeated_identity_is_derived_once_and_answered_in_place() {
        let master = MasterSecret::from_bytes(&[1; 32]).unwrap();
        let recipient = elgamal::ElGamalSecretKey::generate(&mut rand::rngs::OsRng);
        let (a, b) = (b"identity a".to_vec(), b"identity b".to_vec());
        let keys = derive_keys(
            &master,
            vec![a.clone(), b.clone(), a.clone()],
            &recipient.public_key(),
        )
        .unwrap();
        assert_eq!(
            keys.iter().map(|k| k.id.clone()).collect::<Vec<_>>(),
            [a.clone(), b.clone(), a.clone()]
        );
        // Encrypted once: the repeat carries the same ciphertext (a second encryption would
        // draw fresh randomness), and every answer decrypts to its identity's key.
        assert!(keys[0].encrypted_key == keys[2].encrypted_key);
        assert!(keys[0].encrypted_key != keys[1].encrypted_key);
        for key in &keys {
            let ciphertext = elgamal::ElGamalCiphertext {
                c0: key.encrypted_key[0].0.clone().try_into().unwrap(),
                c1: key.encrypted_key[1].0.clone().try_into().unwrap(),
            };
            assert_eq!(
                recipient.decrypt(&ciphertext).unwrap(),
                floe_crypto::derive_user_key(&master, &key.id)
            );
        }
    }

    /// A key server on 127.0.0.1 whose chain endpoint is a closed port (nothing here gets as
    /// far as the policy), with `rate` and `pace`.
    async fn start(rate: RateLimit, pace: BodyPace) -> SocketAddr {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let chain = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        let policy = PolicyChecker::new(floe_sdk::FloeClient::connect(&chain).unwrap());
        let master = MasterSecret::from_bytes(&[1; 32]).unwrap();
        let server = KeyServer::new(master, Address::from([3; 32]), Address::ZERO, policy, rate)
            .with_body_pace(pace);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(serve(listener, Arc::new(server), std::future::pending()));
        address
    }

    /// Sends a fetch-key head declaring `declared` bytes and then `sent` of them.
    async fn post(address: SocketAddr, declared: usize, sent: &[u8]) -> TcpStream {
        let mut stream = TcpStream::connect(address).await.unwrap();
        let head = format!(
            "POST /v1/fetch_key HTTP/1.1\r\nHost: k\r\nContent-Type: application/json\r\n\
             Content-Length: {declared}\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(sent).await.unwrap();
        stream
    }

    /// The status and problem body answered on `stream` within `within`, or `None`.
    async fn answer(stream: &mut TcpStream, within: Duration) -> Option<(u16, serde_json::Value)> {
        let mut raw = Vec::new();
        let mut buf = [0u8; 4096];
        let read = tokio::time::timeout(within, async {
            loop {
                let n = stream.read(&mut buf).await.unwrap_or(0);
                raw.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&raw);
                if n == 0 || text.ends_with('}') {
                    return;
                }
            }
        })
        .await;
        read.ok()?;
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text.split_once("\r\n\r\n")?;
        let status = head.split(' ').nth(1)?.parse().ok()?;
        Some((status, serde_json::from_str(body).ok()?))
    }

    /// A client that declares a body and sends none of it held its connection (a slot of the
    /// server's connection cap) for as long as it liked: hyper's head deadline does not cover
    /// bodies. Now it is answered 408 once behind the pace.
    #[tokio::test]
    async fn a_stalled_body_is_cut_off_with_408() {
        let pace = BodyPace {
            grace: Duration::from_millis(500),
            min_rate: 1 << 20,
        };
        let address = start(RateLimit::default(), pace).await;
        let started = std::time::Instant::now();
        let mut stalled = post(address, 1000, b"{\"ptb\":").await;
        let (status, problem) = answer(&mut stalled, Duration::from_secs(5))
            .await
            .expect("a stalled body was never answered");
        assert_eq!(
            (status, problem["error"].as_str()),
            (408, Some("RequestTimeout"))
        );
        let detail = problem["detail"].as_str().unwrap();
        assert!(
            detail.contains("7 bytes of 1000 bytes") && detail.contains("1 MiB/s"),
            "{detail}"
        );
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    /// A request over its client's rate used to be charged only once its body was in, so a
    /// stalled body was waited for, unmetered, for ever. Now it is charged on arrival and
    /// answered 429 once its body is in or behind the pace, whichever comes first.
    #[tokio::test]
    async fn a_request_over_the_rate_is_charged_on_arrival() {
        let rate = RateLimit {
            per_second: 0.01,
            burst: 2.0,
        };
        let pace = BodyPace {
            grace: Duration::from_millis(500),
            min_rate: 1 << 20,
        };
        let address = start(rate, pace).await;
        // The first two pass the rate (and are malformed).
        for _ in 0..2 {
            let mut malformed = post(address, 2, b"{}").await;
            let (status, problem) = answer(&mut malformed, Duration::from_secs(2))
                .await
                .unwrap();
            assert_eq!(
                (status, problem["error"].as_str()),
                (400, Some("InvalidRequest"))
            );
        }
        let started = std::time::Instant::now();
        let mut over = post(address, 1000, b"").await;
        let (status, problem) = answer(&mut over, Duration::from_secs(5))
            .await
            .expect("a stalled request over the rate was never answered");
        assert_eq!(
            (status, problem["error"].as_str()),
            (429, Some("TooManyRequests"))
        );
        assert!(started.elapsed() < Duration::from_secs(3));
        // A body over the limit is refused once the limit is passed.
        let rate = RateLimit::default();
        let address = start(rate, BodyPace::default()).await;
        let mut big = post(
            address,
            MAX_REQUEST_SIZE + 1,
            &vec![b' '; MAX_REQUEST_SIZE + 1],
        )
        .await;
        let (status, problem) = answer(&mut big, Duration::from_secs(5)).await.unwrap();
        assert_eq!(
            (status, problem["error"].as_str()),
            (413, Some("RequestTooLarge"))
        );
    }
}

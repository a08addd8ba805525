//! Session keys: what the user signs once per session, what the session key signs per request,
//! and the checks a key server makes on both.
//!
//! A user signs, with their Sui key and Sui's personal-message intent, the sentence
//! `Accessing keys of package {0x…package} for {ttl} mins from {YYYY-MM-DD HH:MM:SS} UTC,
//! session key {base64 ed25519 key}` (Seal's wording, which wallets show the user). Each request
//! is then signed by that session key over BCS `(ptb, enc_key, enc_verification_key)`, each a
//! byte vector, so a request cannot be replayed with another ElGamal key (which would let a
//! key server or an observer read the released keys).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::{CryptoRng, RngCore};
use serde::Serialize;
use sui_crypto::ed25519::{Ed25519PrivateKey, Ed25519Verifier, Ed25519VerifyingKey};
use sui_crypto::{SuiSigner, SuiVerifier};
use sui_sdk_types::{
    Address, Ed25519PublicKey, Ed25519Signature, PersonalMessage, ProgrammableTransaction,
    SimpleSignature, UserSignature,
};

use crate::error::KeyServerError;
use crate::protocol::{Base64, Certificate, FetchKeyRequest};
use floe_crypto::elgamal::ElGamalSecretKey;

/// Longest session a key server accepts, in minutes (Seal's default and its client's limit).
pub const MAX_TTL_MIN: u16 = 30;

/// The personal message a user signs to open a session.
pub fn signed_message(
    package: &Address,
    session_vk: &[u8],
    creation_time_ms: u64,
    ttl_min: u16,
) -> String {
    format!(
        "Accessing keys of package {package} for {ttl_min} mins from {}, session key {}",
        utc_time(creation_time_ms / 1000),
        STANDARD.encode(session_vk)
    )
}

/// `YYYY-MM-DD HH:MM:SS UTC` for seconds since the Unix epoch (proleptic Gregorian calendar).
fn utc_time(seconds: u64) -> String {
    let days = seconds / 86_400;
    let rem = seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// The calendar date `days` after 1970-01-01: count 400-year eras of 146 097 days from
/// 0000-03-01, so that leap days fall at the end of each counted year.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[derive(Serialize)]
struct RequestFormat<'a> {
    ptb: &'a [u8],
    enc_key: &'a [u8],
    enc_verification_key: &'a [u8],
}

/// What the session key signs for one request.
pub fn request_message(ptb: &[u8], enc_key: &[u8], enc_verification_key: &[u8]) -> Vec<u8> {
    bcs::to_bytes(&RequestFormat {
        ptb,
        enc_key,
        enc_verification_key,
    })
    .expect("byte vectors always serialize")
}

/// Checks a certificate's lifetime against `now_ms`: at most [`MAX_TTL_MIN`] minutes, begun
/// no later than now and not yet over.
pub fn check_lifetime(certificate: &Certificate, now_ms: u64) -> Result<(), KeyServerError> {
    if certificate.ttl_min == 0 || certificate.ttl_min > MAX_TTL_MIN {
        return Err(KeyServerError::InvalidCertificate(format!(
            "the session lasts {} minutes; 1 to {MAX_TTL_MIN} are accepted",
            certificate.ttl_min
        )));
    }
    if certificate.creation_time > now_ms {
        return Err(KeyServerError::InvalidCertificate(
            "the session begins in the future".to_owned(),
        ));
    }
    let ttl_ms = u64::from(certificate.ttl_min) * 60_000;
    if now_ms - certificate.creation_time > ttl_ms {
        return Err(KeyServerError::InvalidCertificate(format!(
            "the session expired {} s ago; sign a new session key",
            (now_ms - certificate.creation_time - ttl_ms) / 1000
        )));
    }
    Ok(())
}

/// The user's address named by a certificate.
pub fn user_address(certificate: &Certificate) -> Result<Address, KeyServerError> {
    certificate.user.parse().map_err(|_| {
        KeyServerError::InvalidParameter(format!(
            "certificate.user {:?} is not a Sui address",
            certificate.user
        ))
    })
}

/// Checks the user's signature on the session for `package`: an ed25519 Sui signature by the
/// key of `certificate.user` on [`signed_message`] under the personal-message intent.
/// (Seal also accepts secp256k1/r1, multisig and zkLogin signatures; this server, the
/// ed25519 keys Floe's keystores hold.)
pub fn check_user_signature(
    certificate: &Certificate,
    package: &Address,
) -> Result<(), KeyServerError> {
    if certificate.mvr_name.is_some() {
        return Err(KeyServerError::InvalidMvrName);
    }
    let user = user_address(certificate)?;
    let message = signed_message(
        package,
        &certificate.session_vk.0,
        certificate.creation_time,
        certificate.ttl_min,
    );
    let signature = bcs_user_signature(&certificate.signature.0)?;
    let UserSignature::Simple(SimpleSignature::Ed25519 { public_key, .. }) = &signature else {
        return Err(KeyServerError::InvalidSignature(
            "only ed25519 user signatures are accepted".to_owned(),
        ));
    };
    if public_key.derive_address() != user {
        return Err(KeyServerError::InvalidSignature(
            "the signing key is not the certificate's user".to_owned(),
        ));
    }
    Ed25519Verifier::new()
        .verify_personal_message(&PersonalMessage(message.as_bytes().into()), &signature)
        .map_err(|_| {
            KeyServerError::InvalidSignature(
                "the signature on the session does not verify".to_owned(),
            )
        })
}

fn bcs_user_signature(bytes: &[u8]) -> Result<UserSignature, KeyServerError> {
    UserSignature::from_bytes(bytes).map_err(|e| {
        KeyServerError::InvalidSignature(format!("certificate.signature does not decode: {e}"))
    })
}

/// Checks the session key's signature on a request.
pub fn check_request_signature(
    certificate: &Certificate,
    ptb: &[u8],
    request: &FetchKeyRequest,
) -> Result<(), KeyServerError> {
    let bad = |what: &str| KeyServerError::InvalidSessionSignature(what.to_owned());
    let vk = certificate
        .session_vk
        .array::<32>()
        .ok_or_else(|| bad("session_vk is not 32 bytes"))?;
    let signature = request
        .request_signature
        .array::<64>()
        .ok_or_else(|| bad("request_signature is not 64 bytes"))?;
    let verifier = Ed25519VerifyingKey::new(&Ed25519PublicKey::new(vk))
        .map_err(|_| bad("session_vk is not an ed25519 public key"))?;
    let message = request_message(ptb, &request.enc_key.0, &request.enc_verification_key.0);
    sui_crypto::Verifier::verify(&verifier, &message, &Ed25519Signature::new(signature))
        .map_err(|_| bad("the session key's signature on the request does not verify"))
}

/// The client's side: a session key the user has signed for one package.
pub struct SessionKey {
    package: Address,
    user: Address,
    creation_time_ms: u64,
    ttl_min: u16,
    session: Ed25519PrivateKey,
    certificate: Certificate,
}

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionKey")
            .field("package", &self.package)
            .field("user", &self.user)
            .field("creation_time_ms", &self.creation_time_ms)
            .field("ttl_min", &self.ttl_min)
            .finish_non_exhaustive()
    }
}

impl SessionKey {
    /// Opens a session of `ttl_min` minutes from `now_ms`, signed by `user_key`.
    pub fn new<R: RngCore + CryptoRng>(
        user_key: &Ed25519PrivateKey,
        package: Address,
        now_ms: u64,
        ttl_min: u16,
        rng: &mut R,
    ) -> Result<Self, KeyServerError> {
        let session = Ed25519PrivateKey::generate(&mut *rng);
        let vk = session.public_key();
        let message = signed_message(&package, vk.inner(), now_ms, ttl_min);
        let signature = user_key
            .sign_personal_message(&PersonalMessage(message.as_bytes().into()))
            .map_err(|e| KeyServerError::Failure(format!("signing the session: {e}")))?;
        let user = user_key.public_key().derive_address();
        let certificate = Certificate {
            user: user.to_string(),
            session_vk: Base64(vk.inner().to_vec()),
            creation_time: now_ms,
            ttl_min,
            signature: Base64(signature.to_bytes()),
            mvr_name: None,
        };
        Ok(Self {
            package,
            user,
            creation_time_ms: now_ms,
            ttl_min,
            session,
            certificate,
        })
    }

    pub fn package(&self) -> Address {
        self.package
    }

    pub fn user(&self) -> Address {
        self.user
    }

    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// A signed request for the keys `ptb` asks for, with a fresh ElGamal key; the secret
    /// key opens the answers.
    pub fn request<R: RngCore + CryptoRng>(
        &self,
        ptb: &ProgrammableTransaction,
        rng: &mut R,
    ) -> (ElGamalSecretKey, FetchKeyRequest) {
        let secret = ElGamalSecretKey::generate(rng);
        let ptb = bcs::to_bytes(ptb).expect("a transaction always serializes");
        let enc_key = secret.public_key().to_vec();
        let enc_verification_key = secret.verification_key().to_vec();
        let message = request_message(&ptb, &enc_key, &enc_verification_key);
        let signature = sui_crypto::Signer::<Ed25519Signature>::sign(&self.session, &message);
        let request = FetchKeyRequest {
            ptb: Base64(ptb),
            enc_key: Base64(enc_key),
            enc_verification_key: Base64(enc_verification_key),
            request_signature: Base64(signature.inner().to_vec()),
            certificate: self.certificate.clone(),
        };
        (secret, request)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn dates_match_seals_rendering() {
        // Seal's key-server regression test: 1 622 548 800 ms.
        assert_eq!(utc_time(1_622_548_800 / 1000), "1970-01-19 18:42:28 UTC");
        assert_eq!(utc_time(1_700_000_000), "2023-11-14 22:13:20 UTC");
        assert_eq!(utc_time(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc_time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc_time(4_102_444_799), "2099-12-31 23:59:59 UTC");
    }

    #[test]
    fn message_matches_seals_regression_vector() {
        // From Seal's signed_message test: package 0x0000c457…f6d5, ttl 30, that session key.
        let package: Address = "0x0000c457b42d48924087ea3f22d35fd2fe9afdf5bdfe38cc51c0f14f3282f6d5"
            .parse()
            .unwrap();
        let vk = STANDARD
            .decode("DX2rNYyNrapO+gBJp1sHQ2VVsQo2ghm7aA9wVxNJ13U=")
            .unwrap();
        assert_eq!(
            signed_message(&package, &vk, 1_622_548_800, 30),
            "Accessing keys of package 0x0000c457b42d48924087ea3f22d35fd2fe9afdf5bdfe38cc51c0f14f3282f6d5 for 30 mins from 1970-01-19 18:42:28 UTC, session key DX2rNYyNrapO+gBJp1sHQ2VVsQo2ghm7aA9wVxNJ13U="
        );
    }

    #[test]
    fn request_message_is_bcs_of_three_byte_vectors() {
        assert_eq!(request_message(&[1], &[2, 3], &[]), vec![1, 1, 2, 2, 3, 0]);
    }

    fn certificate(creation_time: u64, ttl_min: u16) -> Certificate {
        Certificate {
            user: Address::ZERO.to_string(),
            session_vk: Base64(vec![0; 32]),
            creation_time,
            ttl_min,
            signature: Base64(vec![]),
            mvr_name: None,
        }
    }

    #[test]
    fn lifetimes_are_checked() {
        let now = 1_700_000_000_000;
        assert!(check_lifetime(&certificate(now - 60_000, 1), now).is_ok());
        let expired = check_lifetime(&certificate(now - 60_001, 1), now).unwrap_err();
        assert_eq!(expired.name(), "InvalidCertificate");
        assert!(check_lifetime(&certificate(now + 1, 1), now).is_err());
        assert!(check_lifetime(&certificate(now, 0), now).is_err());
        assert!(check_lifetime(&certificate(now, 31), now).is_err());
    }

    #[test]
    fn a_session_signs_what_the_checks_accept() {
        let mut rng = rand::thread_rng();
        let user = Ed25519PrivateKey::generate(&mut rng);
        let package = Address::from([9; 32]);
        let session = SessionKey::new(&user, package, 1_700_000_000_000, 10, &mut rng).unwrap();
        check_user_signature(session.certificate(), &package).unwrap();
        // The same certificate for another package does not verify.
        let other = check_user_signature(session.certificate(), &Address::from([8; 32]));
        assert_eq!(other.unwrap_err().name(), "InvalidSignature");
        // Another user named in it does not either.
        let mut forged = session.certificate().clone();
        forged.user = Address::from([7; 32]).to_string();
        assert_eq!(
            check_user_signature(&forged, &package).unwrap_err().name(),
            "InvalidSignature"
        );

        let ptb = ProgrammableTransaction {
            inputs: vec![],
            commands: vec![],
        };
        let (_, request) = session.request(&ptb, &mut rng);
        check_request_signature(session.certificate(), &request.ptb.0, &request).unwrap();
        // Swapping in another ElGamal key breaks the request signature.
        let (_, other_request) = session.request(&ptb, &mut rng);
        let mut swapped = request.clone();
        swapped.enc_key = other_request.enc_key;
        let error = check_request_signature(session.certificate(), &swapped.ptb.0, &swapped);
        assert_eq!(error.unwrap_err().name(), "InvalidSessionSignature");
    }
}

//! Bearer-token authentication of the publisher: HS256 JWTs signed with a secret shared with
//! whoever hands tokens out (the publisher issues none itself), as Walrus's authenticated
//! publisher does. A token may narrow what it allows with `max_epochs` and `max_size`.

use axum::http::{HeaderMap, StatusCode, header};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use floe_problem::Problem;

/// The claims a token carries; `exp` is required.
#[derive(Debug, Clone, Deserialize)]
pub struct Claims {
    pub exp: u64,
    /// The most epochs a store with this token may ask for.
    #[serde(default)]
    pub max_epochs: Option<u64>,
    /// The largest body (bytes) a store with this token may send.
    #[serde(default)]
    pub max_size: Option<u64>,
}

/// Checks bearer tokens against an HS256 secret.
#[derive(Clone)]
pub struct TokenCheck {
    key: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for TokenCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCheck").finish_non_exhaustive()
    }
}

impl TokenCheck {
    pub fn hs256(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp"]);
        Self {
            key: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// The request's claims, or 401 saying what is wrong with its `Authorization` header.
    pub fn check(&self, headers: &HeaderMap) -> Result<Claims, Problem> {
        let unauthorized =
            |detail: String| Problem::new(StatusCode::UNAUTHORIZED, "Unauthorized", detail);
        let value = headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| {
                unauthorized(
                    "this publisher requires a bearer token: send `Authorization: Bearer TOKEN` \
                     (an HS256 JWT from the publisher's operator)"
                        .to_owned(),
                )
            })?
            .to_str()
            .map_err(|_| unauthorized("the Authorization header is not text".to_owned()))?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .ok_or_else(|| {
                unauthorized("the Authorization header is not `Bearer TOKEN`".to_owned())
            })?;
        jsonwebtoken::decode::<Claims>(token.trim(), &self.key, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| unauthorized(format!("the bearer token is not accepted: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{EncodingKey, Header};

    use super::*;

    fn token(secret: &[u8], exp: u64) -> String {
        let claims = serde_json::json!({ "exp": exp, "max_epochs": 3 });
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret),
        )
        .unwrap()
    }

    fn with(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, value.parse().unwrap());
        headers
    }

    #[test]
    fn only_unexpired_tokens_signed_with_the_secret_pass() {
        let check = TokenCheck::hs256(b"secret");
        let later = 4_000_000_000;
        let claims = check
            .check(&with(&format!("Bearer {}", token(b"secret", later))))
            .unwrap();
        assert_eq!(claims.max_epochs, Some(3));
        for refused in [
            HeaderMap::new(),
            with(&format!("Bearer {}", token(b"other", later))),
            with(&format!("Bearer {}", token(b"secret", 1))),
            with(&format!("Basic {}", token(b"secret", later))),
            with("Bearer not-a-jwt"),
        ] {
            let problem = check.check(&refused).unwrap_err();
            assert_eq!(problem.status, 401);
        }
    }
}

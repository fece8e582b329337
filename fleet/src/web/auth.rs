//! Who is asking, and may they. People log in with a name and password checked against an
//! argon2 hash from the configuration; they get a random session token in a cookie (`HttpOnly`,
//! `SameSite=Strict`, `Secure` unless configured off for a plain-HTTP test), of which only the
//! SHA-256 is stored, so that a copy of the database opens no session. Each session has its own
//! CSRF token, which every form and every cookie-authenticated `POST` must echo. Failed logins
//! are limited per client address and per name. Tools use `Authorization: Bearer TOKEN`.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::AppState;
use crate::config::Role;

/// The session cookie's name.
pub const COOKIE: &str = "borne_fleet_session";

/// The CSRF header for cookie-authenticated JSON `POST`s.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A login session (cookie): `POST`s need the CSRF token.
    Session,
    /// A bearer token.
    Token,
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// User or token name.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// The session's CSRF token (sessions only).
    pub csrf: Option<String>,
    /// How they authenticated.
    pub via: Via,
}

impl Caller {
    /// Refuses a viewer.
    pub fn require_operator(&self) -> Result<(), AuthError> {
        if self.role == Role::Operator { Ok(()) } else { Err(AuthError::Forbidden) }
    }

    /// Checks the CSRF token a session-authenticated change carries.
    pub fn check_csrf(&self, given: Option<&str>) -> Result<(), AuthError> {
        match (self.via, &self.csrf) {
            (Via::Token, _) => Ok(()),
            (Via::Session, Some(expected))
                if given.is_some_and(|g| constant_time_eq(g.as_bytes(), expected.as_bytes())) =>
            {
                Ok(())
            }
            _ => Err(AuthError::Csrf),
        }
    }
}

/// Why a request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No or bad credentials (pages redirect to the login page).
    #[error("authentication required")]
    Unauthenticated,
    /// Authenticated, but a viewer.
    #[error("operator role required")]
    Forbidden,
    /// A change without its CSRF token.
    #[error("missing or wrong CSRF token")]
    Csrf,
    /// The database failed.
    #[error("database unavailable")]
    Store,
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let status = match self {
            AuthError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AuthError::Forbidden | AuthError::Csrf => StatusCode::FORBIDDEN,
            AuthError::Store => StatusCode::SERVICE_UNAVAILABLE,
        };
        let mut response =
            (status, axum::Json(serde_json::json!({"error": self.to_string()}))).into_response();
        if self == AuthError::Unauthenticated {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// A page's caller: like [`Caller`], but an anonymous visitor is sent to the login page.
#[derive(Debug, Clone)]
pub struct PageCaller(pub Caller);

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// SHA-256 of a token, hex (what the database keeps).
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A random token (32 bytes, URL-safe base64).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// An argon2id PHC string for a password (`borne-fleet hash-password`).
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt)?;
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt)?.to_string())
}

/// Whether `password` matches the PHC string.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

fn cookie_value(parts: &Parts, name: &str) -> Option<String> {
    parts.headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|cookies| {
        cookies.split(';').find_map(|c| {
            let (k, v) = c.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
    })
}

async fn authenticate(parts: &Parts, state: &AppState) -> Result<Caller, AuthError> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let token = value.strip_prefix("Bearer ").ok_or(AuthError::Unauthenticated)?.trim();
        let found = state
            .config
            .api_tokens
            .iter()
            .find(|t| constant_time_eq(t.token.as_bytes(), token.as_bytes()))
            .ok_or(AuthError::Unauthenticated)?;
        return Ok(Caller {
            name: format!("token:{}", found.name),
            role: found.role,
            csrf: None,
            via: Via::Token,
        });
    }
    let token = cookie_value(parts, COOKIE).ok_or(AuthError::Unauthenticated)?;
    let (user, role, csrf) = state
        .store
        .session(&token_hash(&token))
        .await
        .map_err(|_| AuthError::Store)?
        .ok_or(AuthError::Unauthenticated)?;
    // A user removed from the configuration, or whose role changed, loses the old rights.
    let configured = state.config.users.iter().find(|u| u.name == user).ok_or(AuthError::Unauthenticated)?;
    let role = Role::parse(&role).map_or(Role::Viewer, |r| r.min(configured.role));
    Ok(Caller { name: user, role, csrf: Some(csrf), via: Via::Session })
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        authenticate(parts, state).await
    }
}

impl FromRequestParts<AppState> for PageCaller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match authenticate(parts, state).await {
            Ok(caller) => Ok(PageCaller(caller)),
            Err(AuthError::Unauthenticated) => {
                let back = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                let back = if back.starts_with('/') && !back.starts_with("//") { back } else { "/" };
                Err(Redirect::to(&format!("/login?next={}", urlencode(back))).into_response())
            }
            Err(e) => Err(e.into_response()),
        }
    }
}

/// Percent-encodes a query value.
pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Failed-login counters per key (client address, user name) over a sliding window.
#[derive(Debug)]
pub struct LoginLimiter {
    attempts: u32,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginLimiter {
    /// At most `attempts` failures per key in `window`.
    pub fn new(attempts: u32, window: Duration) -> Self {
        Self { attempts: attempts.max(1), window, failures: Mutex::new(HashMap::new()) }
    }

    /// Whether any of `keys` has used up its failures.
    pub fn blocked(&self, keys: &[&str]) -> bool {
        let Ok(mut failures) = self.failures.lock() else { return true };
        let now = Instant::now();
        keys.iter().any(|key| {
            failures.get_mut(*key).is_some_and(|times| {
                while times.front().is_some_and(|t| now.duration_since(*t) > self.window) {
                    times.pop_front();
                }
                times.len() >= self.attempts as usize
            })
        })
    }

    /// Counts a failure against every key.
    pub fn failed(&self, keys: &[&str]) {
        if let Ok(mut failures) = self.failures.lock() {
            if failures.len() > 100_000 {
                failures.clear();
            }
            for key in keys {
                failures.entry((*key).to_string()).or_default().push_back(Instant::now());
            }
        }
    }

    /// Forgets a name's failures after a successful login (the address's stay).
    pub fn succeeded(&self, key: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(key);
        }
    }
}

/// Checks a login; on success opens a session and returns the `Set-Cookie` value.
pub async fn login(state: &AppState, client: &str, user: &str, password: &str) -> Result<String, LoginError> {
    let client_key = format!("ip:{client}");
    let user_key = format!("user:{user}");
    if state.limiter.blocked(&[&client_key, &user_key]) {
        tracing::warn!(client, "login refused: too many failures");
        return Err(LoginError::TooMany);
    }
    let configured = state.config.users.iter().find(|u| u.name == user).cloned();
    let password = password.to_string();
    // Verify even for an unknown name, so that timing does not tell which names exist.
    let phc = configured.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| DUMMY_HASH.to_string());
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &phc)).await.unwrap_or(false);
    let Some(configured) = configured.filter(|_| ok) else {
        state.limiter.failed(&[&client_key, &user_key]);
        tracing::warn!(client, "login failed");
        return Err(LoginError::Wrong);
    };
    state.limiter.succeeded(&user_key);
    let token = random_token();
    let hours = state.config.web.session_hours.max(1);
    let expires = Utc::now() + chrono::Duration::hours(i64::try_from(hours).unwrap_or(12));
    state
        .store
        .session_saved(
            &token_hash(&token),
            &configured.name,
            configured.role.name(),
            &random_token(),
            expires,
        )
        .await
        .map_err(|_| LoginError::Store)?;
    tracing::info!(user = %configured.name, role = configured.role.name(), "logged in");
    Ok(session_cookie(&token, hours * 3600, state.config.web.secure_cookies))
}

/// The `Set-Cookie` value for a session (max-age 0 ends it).
pub fn session_cookie(token: &str, max_age_secs: u64, secure: bool) -> String {
    format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Ends the session of this request, if any.
pub async fn logout(state: &AppState, parts: &Parts) {
    if let Some(token) = cookie_value(parts, COOKIE) {
        let _ = state.store.session_ended(&token_hash(&token)).await;
    }
}

/// Why a login failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    /// Wrong name or password.
    #[error("wrong name or password")]
    Wrong,
    /// Too many failures: wait.
    #[error("too many failed attempts; wait a few minutes")]
    TooMany,
    /// The database failed.
    #[error("database unavailable")]
    Store,
}

/// A valid argon2 hash of a random password nobody knows, checked for unknown names.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3Xz4M1b5Tt0c8Y0ZJwq7Vb8kQ3gGQq8p3bJ8yqS8m1E";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let hash = hash_password("correct horse").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("Correct horse", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn the_limiter_blocks_after_the_allowed_failures_and_forgets_a_name_on_success() {
        let limiter = LoginLimiter::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(!limiter.blocked(&["ip:1", "user:a"]));
            limiter.failed(&["ip:1", "user:a"]);
        }
        assert!(limiter.blocked(&["ip:2", "user:a"]), "the name is blocked from anywhere");
        assert!(limiter.blocked(&["ip:1", "user:b"]), "the address is blocked for any name");
        limiter.succeeded("user:a");
        assert!(!limiter.blocked(&["ip:2", "user:a"]));
    }

    #[test]
    fn the_session_cookie_is_http_only_and_strict() {
        let cookie = session_cookie("abc", 60, true);
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.ends_with("; Secure")
        );
        assert!(!session_cookie("abc", 60, false).contains("Secure"));
    }

    #[test]
    fn the_dummy_hash_parses() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }
}

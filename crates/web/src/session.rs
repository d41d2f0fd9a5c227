//! Sign-in with a one-time token or the console password, sessions kept in
//! memory behind an HttpOnly, SameSite=Strict cookie that expires, a CSRF
//! token per session, and a limit on failed sign-ins (of either kind).

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::WebError;
use crate::password::ConsolePassword;

/// The cookie that carries the session id.
pub const SESSION_COOKIE: &str = "rs_session";
/// How long a session lasts.
pub(crate) const SESSION_LIFETIME: Duration = Duration::from_secs(8 * 60 * 60);
/// Failed sign-ins allowed within [`FAILURE_WINDOW`].
const MAX_FAILURES: usize = 5;
/// The window the failures are counted in.
const FAILURE_WINDOW: Duration = Duration::from_secs(60);

/// The token that signs in (printed when the console starts). Its `Debug`
/// never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct SignInToken(String);

impl SignInToken {
    /// A new random token (32 random bytes, in hex).
    ///
    /// # Errors
    ///
    /// When the system has no randomness to give.
    pub fn random() -> Result<Self, WebError> {
        random_hex().map(SignInToken)
    }

    /// A token given in full (tests, or one the administrator chose).
    pub fn new(token: impl Into<String>) -> Self {
        SignInToken(token.into())
    }

    /// The token, to print where the administrator sees it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SignInToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SignInToken(…)")
    }
}

/// 32 random bytes in hex.
fn random_hex() -> Result<String, WebError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| WebError::Random(error.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Compares without stopping at the first difference.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// One signed-in browser.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    /// The token every state-changing form carries.
    pub(crate) csrf: String,
    expires: Instant,
}

/// What a sign-in attempt came to.
#[derive(Debug)]
pub(crate) enum SignIn {
    /// Signed in: the new session's id.
    Accepted(String),
    /// Neither the token nor the password.
    Refused,
    /// Too many failures lately: try again later.
    Limited,
}

/// The sessions of one console.
pub(crate) struct Sessions {
    token: SignInToken,
    password: Option<ConsolePassword>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    sessions: HashMap<String, Session>,
    failures: VecDeque<Instant>,
}

impl State {
    /// A new session from `now`; its id.
    fn open(&mut self, now: Instant) -> Result<SignIn, WebError> {
        let id = random_hex()?;
        let csrf = random_hex()?;
        self.sessions.retain(|_, s| s.expires > now);
        self.sessions.insert(
            id.clone(),
            Session {
                csrf,
                expires: now + SESSION_LIFETIME,
            },
        );
        Ok(SignIn::Accepted(id))
    }
}

impl Sessions {
    pub(crate) fn new(token: SignInToken) -> Self {
        Sessions {
            token,
            password: None,
            state: Mutex::new(State::default()),
        }
    }

    /// Takes the console password too.
    pub(crate) fn set_password(&mut self, password: ConsolePassword) {
        self.password = Some(password);
    }

    /// Whether a console password signs in too.
    pub(crate) fn has_password(&self) -> bool {
        self.password.is_some()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Signs in at `now` with `given`: the token, or the console password.
    /// A try that is not the token counts as a failure before the password
    /// is checked (slowly, off the runtime), so that tries made meanwhile are
    /// held by the limit too; a right password takes its failure back.
    pub(crate) async fn sign_in(&self, given: &str, now: Instant) -> Result<SignIn, WebError> {
        {
            let mut state = self.state();
            while state
                .failures
                .front()
                .is_some_and(|at| now.saturating_duration_since(*at) >= FAILURE_WINDOW)
            {
                state.failures.pop_front();
            }
            if state.failures.len() >= MAX_FAILURES {
                return Ok(SignIn::Limited);
            }
            if same(given.trim(), self.token.expose()) {
                return state.open(now);
            }
            state.failures.push_back(now);
        }
        let verified = match &self.password {
            Some(password) => password.verifies(given).await,
            None => false,
        };
        let mut state = self.state();
        if !verified {
            return Ok(SignIn::Refused);
        }
        if let Some(at) = state.failures.iter().rposition(|at| *at == now) {
            state.failures.remove(at);
        }
        state.open(now)
    }

    /// The session of `id`, if it is signed in and not expired at `now`.
    pub(crate) fn session(&self, id: &str, now: Instant) -> Option<Session> {
        let state = self.state();
        state.sessions.get(id).filter(|s| s.expires > now).cloned()
    }

    /// Ends the session of `id`.
    pub(crate) fn sign_out(&self, id: &str) {
        self.state().sessions.remove(id);
    }
}

/// The session id the request's cookies carry.
pub(crate) fn session_id(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// The `Set-Cookie` value of a new session.
pub(crate) fn cookie(id: &str) -> String {
    format!(
        "{SESSION_COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        SESSION_LIFETIME.as_secs()
    )
}

/// The `Set-Cookie` value that ends a session in the browser.
pub(crate) fn cleared_cookie() -> String {
    format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
}

/// Whether `given` is the session's CSRF token.
pub(crate) fn csrf_matches(session: &Session, given: &str) -> bool {
    same(&session.csrf, given)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What signing in with `given` at `at` came to, in a word.
    async fn outcome(sessions: &Sessions, given: &str, at: Instant) -> &'static str {
        match sessions.sign_in(given, at).await.unwrap() {
            SignIn::Accepted(_) => "accepted",
            SignIn::Refused => "refused",
            SignIn::Limited => "limited",
        }
    }

    #[tokio::test]
    async fn five_failures_within_a_minute_hold_the_sixth_even_with_the_right_token() {
        let sessions = Sessions::new(SignInToken::new("right"));
        let t0 = Instant::now();
        for _ in 0..MAX_FAILURES {
            assert_eq!(outcome(&sessions, "wrong", t0).await, "refused");
        }
        assert_eq!(outcome(&sessions, "right", t0).await, "limited");
        let later = t0 + FAILURE_WINDOW;
        assert_eq!(outcome(&sessions, "right", later).await, "accepted");
    }

    #[tokio::test]
    async fn the_password_signs_in_without_counting_as_a_failure() {
        let phc = crate::password::hash_password("open sesame").unwrap();
        let mut sessions = Sessions::new(SignInToken::new("right"));
        sessions.set_password(ConsolePassword::parse(&phc).unwrap());
        let t0 = Instant::now();
        for _ in 0..MAX_FAILURES - 1 {
            assert_eq!(outcome(&sessions, "open sesame", t0).await, "accepted");
        }
        for _ in 0..MAX_FAILURES {
            assert_eq!(outcome(&sessions, "open sesam", t0).await, "refused");
        }
        assert_eq!(outcome(&sessions, "open sesame", t0).await, "limited");
    }

    #[tokio::test]
    async fn password_tries_made_at_once_are_held_by_the_limit_too() {
        let phc = crate::password::hash_password("open sesame").unwrap();
        let mut sessions = Sessions::new(SignInToken::new("right"));
        sessions.set_password(ConsolePassword::parse(&phc).unwrap());
        let sessions = std::sync::Arc::new(sessions);
        let t0 = Instant::now();
        let mut tries = tokio::task::JoinSet::new();
        for _ in 0..MAX_FAILURES + 3 {
            let sessions = std::sync::Arc::clone(&sessions);
            tries.spawn(async move { outcome(&sessions, "guess", t0).await });
        }
        let outcomes = tries.join_all().await;
        let count = |word: &str| outcomes.iter().filter(|o| **o == word).count();
        assert_eq!((count("refused"), count("limited")), (MAX_FAILURES, 3));
    }

    #[tokio::test]
    async fn a_session_expires_and_signing_out_ends_it() {
        let sessions = Sessions::new(SignInToken::new("right"));
        let t0 = Instant::now();
        let SignIn::Accepted(id) = sessions.sign_in("right", t0).await.unwrap() else {
            panic!("refused");
        };
        assert!(sessions.session(&id, t0).is_some());
        assert!(sessions.session(&id, t0 + SESSION_LIFETIME).is_none());
        sessions.sign_out(&id);
        assert!(sessions.session(&id, t0).is_none());
    }

    #[test]
    fn the_token_never_shows_in_debug() {
        let token = SignInToken::new("s3cret");
        assert!(!format!("{token:?}").contains("s3cret"));
    }
}

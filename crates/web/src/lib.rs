//! The local web console of rostersync: a browser view over the same store,
//! configuration file and engine the CLI uses, signed in with a one-time
//! token printed at start or the console password, whose argon2 hash is in
//! the configuration.
//!
//! Every tab (Configuration, Acting user, Schools, Terms, Data prep, Users,
//! Courses, Sections, Logs, Grades) acts through [`Actions`], which the
//! binary implements with the CLI's own code; a sync started here is
//! watched live on the Progress page. Around them: sessions in HttpOnly,
//! SameSite=Strict cookies that expire, a CSRF token on every
//! state-changing request, failed sign-ins rate-limited, security headers
//! on every answer (a CSP without inline script, `frame-ancestors 'none'`),
//! and HTTPS from a PEM certificate and key ([`serve_tls`], which also
//! marks cookies `Secure`). The engine and the CLI's commands know nothing
//! of HTTP; the binary wires this crate.

mod actions;
mod live;
mod pages;
mod password;
mod security;
mod session;
mod tls;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use chrono_tz::Tz;
use rostersync_ports::StateStore;

pub use actions::{
    ActingUserView, ActionError, Actions, ConfigurationView, EndCheck, GradesRequest, GradesView,
    Named, PlanView, PrepView, Problem, Revision, Saved, SchoolRow, SchoolsView, SelectionChange,
    SelectionView, Setting, SettingValue, SyncEnd, TermRow, TermsView, Timing,
};
pub use live::Snapshot;
pub use password::{ConsolePassword, PasswordError, hash_password};
pub use session::{SESSION_COOKIE, SignInToken};
pub use tls::{Tls, TlsError, TlsFiles, serve_tls};

/// What the console serves from.
pub struct Console {
    store: Arc<dyn StateStore>,
    actions: Arc<dyn Actions>,
    zone: Tz,
    sessions: session::Sessions,
    live: Arc<live::LiveSync>,
}

impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console")
            .field("zone", &self.zone)
            .finish_non_exhaustive()
    }
}

impl Console {
    /// A console over `store` whose tabs act through `actions`, showing
    /// times in `zone`, whose sign-in takes `token` (print it where the
    /// administrator sees it).
    pub fn new(
        store: Arc<dyn StateStore>,
        actions: Arc<dyn Actions>,
        zone: Tz,
        token: SignInToken,
    ) -> Self {
        Console {
            store,
            actions,
            zone,
            sessions: session::Sessions::new(token),
            live: Arc::default(),
        }
    }

    /// Signs in with the password `password` is the hash of, too.
    #[must_use]
    pub fn with_password(mut self, password: ConsolePassword) -> Self {
        self.sessions.set_password(password);
        self
    }

    /// The console's routes, with the security headers on every answer.
    pub fn router(self) -> Router {
        let state = Arc::new(self);
        Router::new()
            .route("/", get(pages::home))
            .route("/sign-in", get(pages::sign_in_form).post(pages::sign_in))
            .route("/sign-out", post(pages::sign_out))
            .route("/configuration", get(pages::configuration))
            .route("/configuration/check", post(pages::check))
            .route("/configuration/timing", post(pages::save_timing))
            .route("/configuration/connection", post(pages::save_connection))
            .route(
                "/acting-user",
                get(pages::acting_user).post(pages::take_acting_user),
            )
            .route("/schools", get(pages::schools).post(pages::save_schools))
            .route("/schools/suggested", post(pages::suggested_school))
            .route("/terms", get(pages::terms).post(pages::save_terms))
            .route("/terms/suggested", post(pages::save_terms))
            .route("/terms/add", post(pages::add_period))
            .route("/prep", get(pages::prep))
            .route("/prep/apply", post(pages::prep_apply))
            .route("/prep.csv", get(pages::prep_csv))
            .route("/users", get(pages::users))
            .route("/courses", get(pages::courses))
            .route("/sections", get(pages::sections))
            .route("/users/selection", post(pages::save_selection))
            .route("/courses/selection", post(pages::save_selection))
            .route("/sections/selection", post(pages::save_selection))
            .route("/dry-run", post(pages::dry_run))
            .route("/sync", post(pages::start_sync))
            .route("/progress", get(pages::progress))
            .route("/grades", get(pages::grades))
            .route("/grades/check", post(pages::check_grades))
            .route("/grades/sync", post(pages::pass_back))
            .route("/logs", get(pages::runs))
            .route("/logs/export", get(pages::run_export))
            .route("/logs/{run}", get(pages::run))
            .route("/assets/console.css", get(pages::stylesheet))
            .with_state(state)
            .layer(axum::middleware::from_fn(security::headers))
    }
}

/// Errors of serving the console.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The address could not be bound or served.
    #[error("the console could not serve on {address}: {source}")]
    Serve {
        /// The address.
        address: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// No randomness for a token.
    #[error("no random bytes for a sign-in token: {0}")]
    Random(String),
}

/// Serves `router` on `listener` until the process ends.
///
/// # Errors
///
/// When serving fails.
pub async fn serve(listener: tokio::net::TcpListener, router: Router) -> Result<(), WebError> {
    let address = listener
        .local_addr()
        .map_or_else(|_| "?".to_owned(), |a| a.to_string());
    axum::serve(listener, router)
        .await
        .map_err(|source| WebError::Serve { address, source })
}

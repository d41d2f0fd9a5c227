//! The console's pages, one module per tab, rendered with compile-time
//! checked maud templates; this module holds the frame every page shares,
//! the signed-in extractor, the posted-form extractor that checks CSRF, and
//! sign-in itself.

mod grades;
mod logs;
mod mapping;
mod prep;
mod settings;
mod sync;

use std::sync::Arc;
use std::time::Instant;

use axum::Form;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::header::{CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;

pub(crate) use grades::{check_grades, grades, pass_back};
pub(crate) use logs::{run, run_export, runs};
pub(crate) use mapping::{add_period, save_schools, save_terms, schools, suggested_school, terms};
pub(crate) use prep::{prep, prep_apply, prep_csv};
pub(crate) use settings::{
    acting_user, check, configuration, save_connection, save_timing, take_acting_user,
};
pub(crate) use sync::{courses, dry_run, progress, save_selection, sections, start_sync, users};

use crate::Console;
use crate::actions::{ActionError, Problem, Revision, Saved};
use crate::session::{self, Session, SignIn};

type Shared = State<Arc<Console>>;

/// The tabs, in the order the navigation lists them: (path, name).
const TABS: [(&str, &str); 10] = [
    ("/configuration", "Configuration"),
    ("/acting-user", "Acting user"),
    ("/schools", "Schools"),
    ("/terms", "Terms"),
    ("/prep", "Data prep"),
    ("/users", "Users"),
    ("/courses", "Courses"),
    ("/sections", "Sections"),
    ("/logs", "Logs"),
    ("/grades", "Grades"),
];

/// A page with the console's frame; `csrf` is the signed-in session's.
fn page(title: &str, csrf: Option<&str>, body: Markup) -> Markup {
    framed(title, csrf, None, body)
}

/// A page with the console's frame that reloads itself every `refresh`
/// seconds (the progress of a running sync, without script).
fn framed(title: &str, csrf: Option<&str>, refresh: Option<u32>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if let Some(seconds) = refresh { meta http-equiv="refresh" content=(seconds); }
                title { (title) " · rostersync" }
                link rel="stylesheet" href="/assets/console.css";
            }
            body {
                header {
                    strong { "rostersync" }
                    @if let Some(csrf) = csrf {
                        nav {
                            @for (path, name) in TABS {
                                a href=(path) aria-current=[(name == title).then_some("page")] { (name) }
                            }
                            a href="/progress" { "Progress" }
                        }
                        form method="post" action="/sign-out" {
                            input type="hidden" name="csrf" value=(csrf);
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    }
}

fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_owned())]).into_response()
}

/// The signed-in session of the request, if any.
fn signed_in(console: &Console, headers: &HeaderMap) -> Option<(String, Session)> {
    let id = session::session_id(headers)?;
    let session = console.sessions.session(&id, Instant::now())?;
    Some((id, session))
}

/// A request from a signed-in browser; anyone else is sent to sign in.
pub(crate) struct SignedIn {
    /// The session's id, as its cookie carries it.
    id: String,
    session: Session,
}

impl FromRequestParts<Arc<Console>> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        console: &Arc<Console>,
    ) -> Result<Self, Self::Rejection> {
        signed_in(console, &parts.headers)
            .map(|(id, session)| SignedIn { id, session })
            .ok_or_else(|| redirect("/sign-in"))
    }
}

impl SignedIn {
    /// The session's CSRF token, for the page's forms.
    fn csrf(&self) -> &str {
        &self.session.csrf
    }
}

/// A state-changing form from a signed-in browser that carries the
/// session's CSRF token: anyone signed out is sent to sign in, and a form
/// without the token is refused (403) before the handler runs.
pub(crate) struct Posted {
    signed: SignedIn,
    form: Fields,
}

impl FromRequest<Arc<Console>> for Posted {
    type Rejection = Response;

    async fn from_request(request: Request, console: &Arc<Console>) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let signed = SignedIn::from_request_parts(&mut parts, console).await?;
        let Form(form) = Form::<Fields>::from_request(Request::from_parts(parts, body), console)
            .await
            .map_err(IntoResponse::into_response)?;
        if !session::csrf_matches(&signed.session, form.get("csrf").unwrap_or_default()) {
            return Err(forbidden());
        }
        Ok(Posted { signed, form })
    }
}

fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        "the form was not the console's own (its CSRF token is missing or wrong); reload the page",
    )
        .into_response()
}

/// A form of name-value pairs, where a name may repeat (checkboxes, one
/// select per record).
#[derive(Debug, Default)]
pub(crate) struct Fields(Vec<(String, String)>);

impl Fields {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn revision(&self) -> Revision {
        Revision(self.get("revision").unwrap_or_default().to_owned())
    }

    /// The values of the fields named `prefix` + something, with that something.
    fn prefixed<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.0
            .iter()
            .filter_map(move |(n, v)| n.strip_prefix(prefix).map(|rest| (rest, v.as_str())))
    }
}

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<(String, String)>::deserialize(deserializer).map(Fields)
    }
}

/// What a page says after an action: a notice, warnings, or problems.
#[derive(Debug, Default)]
pub(crate) struct Said {
    notice: Option<String>,
    warnings: Vec<String>,
    problems: Vec<Problem>,
}

impl Said {
    fn saved(saved: Saved) -> Self {
        Said {
            notice: Some(saved.message),
            warnings: saved.warnings,
            problems: Vec::new(),
        }
    }

    fn failed(error: ActionError) -> Self {
        let problems = match error {
            ActionError::Refused(problems) => problems,
            other => vec![Problem::whole(other.to_string())],
        };
        Said {
            problems,
            ..Said::default()
        }
    }

    fn of(result: Result<Saved, ActionError>) -> Self {
        result.map_or_else(Said::failed, Said::saved)
    }

    /// The status a page answering an action has: 422 when refused.
    fn status(&self) -> StatusCode {
        if self.problems.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        }
    }

    /// The notice, warnings and problems of the change as a whole.
    fn render(&self) -> Markup {
        html! {
            @if let Some(notice) = &self.notice { p.notice role="status" { (notice) } }
            @for warning in &self.warnings { p.warning { "warning: " (warning) } }
            @for problem in self.problems.iter().filter(|p| p.field.is_none()) {
                p.problem role="alert" { (problem.message) }
            }
        }
    }

    /// The problems of one field, to show beside it.
    fn beside(&self, field: &str) -> Markup {
        html! {
            @for problem in self.problems.iter().filter(|p| p.field.as_deref() == Some(field)) {
                span.problem role="alert" { (problem.message) }
            }
        }
    }
}

/// A page that could not be made because an end or the store failed.
fn unavailable(title: &str, csrf: &str, error: &ActionError) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        page(
            title,
            Some(csrf),
            html! { p.problem role="alert" { (error.to_string()) } },
        ),
    )
        .into_response()
}

fn local(at: DateTime<Utc>, console: &Console) -> String {
    at.with_timezone(&console.zone)
        .format("%a %Y-%m-%d %H:%M %Z")
        .to_string()
}

/// `/`: the configuration when signed in, else the sign-in.
pub(crate) async fn home(State(console): Shared, headers: HeaderMap) -> Response {
    match signed_in(&console, &headers) {
        Some(_) => redirect("/configuration"),
        None => redirect("/sign-in"),
    }
}

fn sign_in_page(console: &Console, message: Option<&str>) -> Markup {
    let what = if console.sessions.has_password() {
        "The sign-in token printed at start, or the console password"
    } else {
        "The sign-in token the console printed when it started"
    };
    page(
        "Sign in",
        None,
        html! {
            @if let Some(message) = message { p.problem { (message) } }
            form method="post" action="/sign-in" {
                label for="token" { (what) }
                br;
                input id="token" name="token" type="password" autocomplete="off" required;
                button type="submit" { "Sign in" }
            }
        },
    )
}

/// `GET /sign-in`.
pub(crate) async fn sign_in_form(State(console): Shared) -> Markup {
    sign_in_page(&console, None)
}

#[derive(Deserialize)]
pub(crate) struct SignInForm {
    token: String,
}

/// `POST /sign-in`: the one field takes the token or the password.
pub(crate) async fn sign_in(State(console): Shared, Form(form): Form<SignInForm>) -> Response {
    match console.sessions.sign_in(&form.token, Instant::now()).await {
        Ok(SignIn::Accepted(id)) => (
            StatusCode::SEE_OTHER,
            [
                (LOCATION, "/configuration".to_owned()),
                (SET_COOKIE, session::cookie(&id)),
            ],
        )
            .into_response(),
        Ok(SignIn::Refused) => {
            tracing::warn!("a sign-in to the console was refused");
            let message = if console.sessions.has_password() {
                "That is neither the token the console printed when it started nor the console password."
            } else {
                "That is not the token the console printed when it started."
            };
            (
                StatusCode::UNAUTHORIZED,
                sign_in_page(&console, Some(message)),
            )
                .into_response()
        }
        Ok(SignIn::Limited) => (
            StatusCode::TOO_MANY_REQUESTS,
            sign_in_page(
                &console,
                Some("Too many wrong tries in the last minute: wait a minute and try again."),
            ),
        )
            .into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}

/// `POST /sign-out`: needs the session's CSRF token.
pub(crate) async fn sign_out(State(console): Shared, Posted { signed, .. }: Posted) -> Response {
    console.sessions.sign_out(&signed.id);
    (
        StatusCode::SEE_OTHER,
        [
            (LOCATION, "/sign-in".to_owned()),
            (SET_COOKIE, session::cleared_cookie()),
        ],
    )
        .into_response()
}

/// `GET /assets/console.css`, embedded in the binary.
pub(crate) async fn stylesheet() -> Response {
    (
        [(CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../assets/console.css"),
    )
        .into_response()
}

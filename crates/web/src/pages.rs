//! The console's pages: sign-in, and the Logs tab (the runs, and one run's
//! records with their reasons), rendered with compile-time checked maud
//! templates.

use std::sync::Arc;
use std::time::Instant;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, html};
use rostersync_ports::{OutcomeFilter, OutcomeStatus, RunId};
use serde::Deserialize;

use crate::Console;
use crate::session::{self, Session, SignIn};

type Shared = State<Arc<Console>>;

/// A page with the console's frame; `csrf` is the signed-in session's.
fn page(title: &str, csrf: Option<&str>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · rostersync" }
                link rel="stylesheet" href="/assets/console.css";
            }
            body {
                header {
                    strong { "rostersync" }
                    @if let Some(csrf) = csrf {
                        nav { a href="/logs" { "Logs" } }
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

fn local(at: DateTime<Utc>, console: &Console) -> String {
    at.with_timezone(&console.zone)
        .format("%a %Y-%m-%d %H:%M %Z")
        .to_string()
}

/// `/`: the logs when signed in, else the sign-in.
pub(crate) async fn home(State(console): Shared, headers: HeaderMap) -> Response {
    match signed_in(&console, &headers) {
        Some(_) => redirect("/logs"),
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
                (LOCATION, "/logs".to_owned()),
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

#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /sign-out`: needs the session's CSRF token.
pub(crate) async fn sign_out(
    State(console): Shared,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let Some((id, session)) = signed_in(&console, &headers) else {
        return redirect("/sign-in");
    };
    if !session::csrf_matches(&session, &form.csrf) {
        return (
            StatusCode::FORBIDDEN,
            "the form was not the console's own (its CSRF token is missing or wrong); reload the page",
        )
            .into_response();
    }
    console.sessions.sign_out(&id);
    (
        StatusCode::SEE_OTHER,
        [
            (LOCATION, "/sign-in".to_owned()),
            (SET_COOKIE, session::cleared_cookie()),
        ],
    )
        .into_response()
}

fn store_failed(error: &rostersync_ports::PortError) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        format!("the state store could not be read: {error}"),
    )
        .into_response()
}

/// `GET /logs`: the runs, newest first.
pub(crate) async fn runs(State(console): Shared, headers: HeaderMap) -> Response {
    let Some((_, session)) = signed_in(&console, &headers) else {
        return redirect("/sign-in");
    };
    let runs = match console.store.runs(200).await {
        Ok(runs) => runs,
        Err(error) => return store_failed(&error),
    };
    page(
        "Logs",
        Some(&session.csrf),
        html! {
            @if runs.is_empty() { p { "No sync has run yet." } }
            @else {
                table {
                    thead { tr { th { "run" } th { "started" } th { "trigger" } th { "scope" } th { "status" } th { "planned writes" } th { "warnings" } th { "acting user" } } }
                    tbody {
                        @for run in &runs {
                            @let counts = run.summary.0.values();
                            @let writes: u64 = counts.clone().map(|c| c.create + c.update + c.link + c.remove).sum();
                            @let warnings: u64 = counts.map(|c| c.warnings).sum();
                            tr {
                                td { a href={ "/logs/" (run.id) } { (run.id) } }
                                td { (local(run.started_at, &console)) }
                                td { (run.trigger.as_str()) }
                                td { (run.scope.to_string()) }
                                td { (run.status.as_str()) }
                                td { (writes) }
                                td { (warnings) }
                                td { (run.acting_user) }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

/// `GET /logs/{run}`: one run, and each record that is not plainly done.
pub(crate) async fn run(
    State(console): Shared,
    headers: HeaderMap,
    Path(run): Path<RunId>,
) -> Response {
    let Some((_, session)) = signed_in(&console, &headers) else {
        return redirect("/sign-in");
    };
    let record = match console.store.runs(usize::MAX).await {
        Ok(runs) => runs.into_iter().find(|r| r.id == run),
        Err(error) => return store_failed(&error),
    };
    let Some(record) = record else {
        return (
            StatusCode::NOT_FOUND,
            page(
                "No such run",
                Some(&session.csrf),
                html! { p { "There is no run " (run) ". " a href="/logs" { "The runs" } } },
            ),
        )
            .into_response();
    };
    let filter = OutcomeFilter {
        run: Some(run),
        ..OutcomeFilter::default()
    };
    let outcomes = match console.store.outcomes(&filter).await {
        Ok(outcomes) => outcomes,
        Err(error) => return store_failed(&error),
    };
    let shown: Vec<_> = outcomes
        .iter()
        .filter(|o| o.status != OutcomeStatus::Done)
        .collect();
    page(
        &format!("Run {run}"),
        Some(&session.csrf),
        html! {
            p {
                (record.trigger.as_str()) " " (record.scope.to_string()) " sync as " (record.acting_user)
                ": " strong { (record.status.as_str()) } ", started " (local(record.started_at, &console))
            }
            @if let Some(message) = &record.message { p.problem { (message) } }
            @if shown.is_empty() { p { "Every record of this run was done." } }
            @else {
                table {
                    thead { tr { th { "status" } th { "object" } th { "key" } th { "reason" } } }
                    tbody {
                        @for o in &shown {
                            tr {
                                td { (o.status.as_str()) }
                                td { (o.entity.to_string()) }
                                td { (o.key) }
                                td { (o.reason.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

/// `GET /assets/console.css`, embedded in the binary.
pub(crate) async fn stylesheet() -> Response {
    (
        [(CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../assets/console.css"),
    )
        .into_response()
}

//! The Users, Courses and Sections tabs (the buildings selected, the role
//! map on Users, a dry run of the plan, the Sync button) and the progress of
//! the sync the console started, which reloads itself until it ends.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use rostersync_core::SyncScope;
use rostersync_ports::RunStatus;

use super::{Fields, Posted, Said, Shared, SignedIn, framed, page, redirect, unavailable};
use crate::Console;
use crate::actions::{PlanView, SelectionChange};
use crate::live::Reporter;

/// The field of one school's selection checkbox.
const SELECTED: &str = "selected";
/// The field of a role target: `role.SCHOOL.ROLE`.
const ROLE: &str = "role.";

/// A tab's scope, title, path and button.
fn tab(scope: SyncScope) -> (&'static str, &'static str, &'static str) {
    match scope {
        SyncScope::Users => ("Users", "/users", "Sync users"),
        SyncScope::Courses => ("Courses", "/courses", "Sync courses"),
        SyncScope::Sections => ("Sections", "/sections", "Sync sections and enrollments"),
        SyncScope::All | SyncScope::Grades => ("Everything", "/progress", "Sync everything"),
    }
}

/// The roster scope a form names (grades are passed back, not synced here).
fn scope_of(form: &Fields) -> Option<SyncScope> {
    let name = form.get("scope")?;
    [
        SyncScope::Users,
        SyncScope::Courses,
        SyncScope::Sections,
        SyncScope::All,
    ]
    .into_iter()
    .find(|scope| scope.as_str() == name)
}

fn plan_markup(plan: &PlanView) -> Markup {
    html! {
        section.plan {
            h2 { "Dry run: what a sync would do" }
            pre.summary { (plan.summary) }
            details {
                summary { "Every planned change, field by field" }
                pre { (plan.changes) }
            }
        }
    }
}

async fn objects_page(
    console: &Console,
    csrf: &str,
    scope: SyncScope,
    said: &Said,
    plan: Option<&PlanView>,
) -> Response {
    let (title, path, button) = tab(scope);
    let view = match console.actions.selection(scope).await {
        Ok(view) => view,
        Err(error) => return unavailable(title, csrf, &error),
    };
    let markup = page(
        title,
        Some(csrf),
        html! {
            (said.render())
            form.selection method="post" action={ (path) "/selection" } {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="revision" value=(view.revision.0);
                input type="hidden" name="scope" value=(scope.as_str());
                fieldset {
                    legend { "Buildings whose " (title.to_lowercase()) " are synced" }
                    @if view.schools.is_empty() { p { "No SIS school is mapped yet: map schools on the " a href="/schools" { "Schools" } " tab." } }
                    @for (school, building, selected) in &view.schools {
                        label.building {
                            input type="checkbox" name=(SELECTED) value=(school.id) checked[*selected];
                            " " (school.name) " (" code { (school.id) } ") → " (building.name) " (" code { (building.id) } ")"
                        }
                    }
                    (said.beside(SELECTED))
                }
                @if !view.roles.is_empty() {
                    h2 { "Role map" }
                    table.roles {
                        thead { tr { th { "SIS school" } th { "students" } th { "teachers" } th { "guardians" } } }
                        tbody {
                            @for (school, roles) in &view.roles {
                                tr {
                                    td { code { (school) } }
                                    @for (role, target) in roles {
                                        @let field = format!("{ROLE}{school}.{role}");
                                        td {
                                            select name=(field) aria-label={ (role) " role of " (school) } {
                                                option value="" selected[target.is_empty()] { "— not set —" }
                                                @for lms in &view.lms_roles {
                                                    option value=(lms.id) selected[*target == lms.id] { (lms.name) }
                                                }
                                            }
                                            (said.beside(&field))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                button type="submit" { "Save" }
            }
            form.actions method="post" action="/dry-run" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="scope" value=(scope.as_str());
                button type="submit" { "Dry run" }
                " "
                button.sync type="submit" formaction="/sync" { (button) }
            }
            @if let Some(plan) = plan { (plan_markup(plan)) }
        },
    );
    (said.status(), markup).into_response()
}

/// `GET /users`.
pub(crate) async fn users(State(console): Shared, signed: SignedIn) -> Response {
    objects_page(
        &console,
        signed.csrf(),
        SyncScope::Users,
        &Said::default(),
        None,
    )
    .await
}

/// `GET /courses`.
pub(crate) async fn courses(State(console): Shared, signed: SignedIn) -> Response {
    objects_page(
        &console,
        signed.csrf(),
        SyncScope::Courses,
        &Said::default(),
        None,
    )
    .await
}

/// `GET /sections`.
pub(crate) async fn sections(State(console): Shared, signed: SignedIn) -> Response {
    objects_page(
        &console,
        signed.csrf(),
        SyncScope::Sections,
        &Said::default(),
        None,
    )
    .await
}

/// `POST /{users,courses,sections}/selection`.
pub(crate) async fn save_selection(
    State(console): Shared,
    Posted { signed, form }: Posted,
) -> Response {
    let Some(scope) = scope_of(&form).filter(|s| *s != SyncScope::All) else {
        return (StatusCode::UNPROCESSABLE_ENTITY, "no object type was given").into_response();
    };
    let change = SelectionChange {
        selected: form
            .0
            .iter()
            .filter(|(name, _)| name == SELECTED)
            .map(|(_, value)| value.clone())
            .collect(),
        roles: form
            .prefixed(ROLE)
            .filter_map(|(rest, target)| {
                let (school, role) = rest.rsplit_once('.')?;
                Some((school.to_owned(), role.to_owned(), target.trim().to_owned()))
            })
            .collect(),
    };
    let said = Said::of(
        console
            .actions
            .save_selection(&form.revision(), scope, change)
            .await,
    );
    objects_page(&console, signed.csrf(), scope, &said, None).await
}

/// `POST /dry-run`: the plan of a scope, nothing written.
pub(crate) async fn dry_run(State(console): Shared, Posted { signed, form }: Posted) -> Response {
    let Some(scope) = scope_of(&form) else {
        return (StatusCode::UNPROCESSABLE_ENTITY, "no object type was given").into_response();
    };
    match console.actions.dry_run(scope).await {
        Ok(plan) => {
            objects_page(
                &console,
                signed.csrf(),
                scope,
                &Said::default(),
                Some(&plan),
            )
            .await
        }
        Err(error) => {
            objects_page(&console, signed.csrf(), scope, &Said::failed(error), None).await
        }
    }
}

/// `POST /sync`: starts a sync of a scope in the background and shows its
/// progress.
pub(crate) async fn start_sync(
    State(console): Shared,
    Posted { signed, form }: Posted,
) -> Response {
    let Some(scope) = scope_of(&form) else {
        return (StatusCode::UNPROCESSABLE_ENTITY, "no object type was given").into_response();
    };
    if !console.live.begin(scope, Instant::now()) {
        return (
            StatusCode::CONFLICT,
            page(
                "Progress",
                Some(signed.csrf()),
                html! { p.problem role="alert" { "A sync started here is still running: " a href="/progress" { "watch it" } "; start the next one when it ends." } },
            ),
        )
            .into_response();
    }
    let running = Arc::clone(&console);
    tokio::spawn(async move {
        let reporter = Arc::new(Reporter(Arc::clone(&running.live)));
        let end = running.actions.sync(scope, reporter).await;
        running.live.end(end);
    });
    redirect("/progress")
}

fn minutes(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if seconds < 60 {
        format!("{seconds} s")
    } else {
        format!("{} min {:02} s", seconds / 60, seconds % 60)
    }
}

/// `GET /progress`: the console's sync, live; reloads itself each second
/// while it runs.
pub(crate) async fn progress(State(console): Shared, signed: SignedIn) -> Response {
    // Runs still going that this console did not start (the CLI, the
    // service): the lock keeps them apart from the console's.
    let elsewhere: Vec<_> = console
        .store
        .runs(20)
        .await
        .map(|runs| {
            runs.into_iter()
                .filter(|run| run.status == RunStatus::Running)
                .collect()
        })
        .unwrap_or_default();
    let others = html! {
        @for run in &elsewhere {
            p.elsewhere { "Run " a href={ "/logs/" (run.id) } { (run.id) } " (" (run.trigger.as_str()) " " (run.scope.to_string()) ") is running; it holds the sync lock for its objects." }
        }
    };
    let Some(shown) = console.live.snapshot(Instant::now()) else {
        return framed(
            "Progress",
            Some(signed.csrf()),
            (!elsewhere.is_empty()).then_some(5),
            html! {
                p { "No sync was started from this console since it started. " a href="/logs" { "The runs" } " lists every sync, wherever it was started." }
                (others)
            },
        )
        .into_response();
    };
    let running = shown.end.is_none();
    let (name, _, _) = tab(shown.scope);
    framed(
        "Progress",
        Some(signed.csrf()),
        running.then_some(1),
        html! {
            p { "A sync of " (name.to_lowercase()) ", started from this console " (minutes(shown.elapsed)) " ago." }
            dl.progress {
                dt { "stage" } dd #stage { (shown.stage) }
                dt { "records settled" } dd #settled {
                    (shown.settled) " of " (shown.total)
                    @if shown.total > 0 { " (" (shown.settled * 100 / shown.total) " %)" }
                }
                dt { "time left" } dd #left {
                    @match (running, shown.left) {
                        (true, Some(left)) => { "about " (minutes(left)) }
                        (true, None) => "not known yet",
                        (false, _) => "none",
                    }
                }
            }
            @if shown.total > 0 { progress max=(shown.total) value=(shown.settled) {} }
            @if shown.end.is_some() { (others) }
            @if let Some(end) = &shown.end {
                p.end class=(if end.ok { "ok" } else { "problem" }) { "The sync ended: " (end.status) "." }
                @if let Some(run) = end.run {
                    p { a.run-link href={ "/logs/" (run) } { "Open run " (run) " in Logs" } }
                }
            } @else {
                p { "This page reloads itself each second until the sync ends; leaving it does not stop the sync." }
            }
        },
    )
    .into_response()
}

//! The Configuration tab (both ends' settings with secrets shown only as
//! set or not set, the Check button, the sync timing) and the Acting user
//! tab.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use super::{Posted, Said, Shared, SignedIn, page, unavailable};
use crate::actions::{ConfigurationView, EndCheck, Setting, SettingValue, Timing};

/// The field of a plain setting in the connection form.
pub(crate) const SET: &str = "set.";
/// The field of a secret in the connection form (write-only).
pub(crate) const SECRET: &str = "secret.";

fn settings_table(settings: &[Setting], said: &Said) -> Markup {
    html! {
        table.settings {
            tbody {
                @for setting in settings {
                    tr {
                        th scope="row" { label for=(setting.key) { code { (setting.key) } } }
                        td {
                            @match (&setting.value, setting.editable) {
                                (SettingValue::Plain(value), true) => {
                                    input id=(setting.key) name={ (SET) (setting.key) } value=(value);
                                }
                                (SettingValue::Plain(value), false) => { (value) }
                                (SettingValue::Secret { set, from }, editable) => {
                                    strong { @if *set { "set" } @else { "not set" } }
                                    " (a secret: never shown; read from " (from) ")"
                                    @if editable {
                                        br;
                                        input id=(setting.key) type="password" name={ (SECRET) (setting.key) } value="" autocomplete="new-password" placeholder="type a new one to replace it";
                                    }
                                }
                            }
                            (said.beside(&setting.key))
                        }
                    }
                }
            }
        }
    }
}

fn checks_list(checks: &[EndCheck]) -> Markup {
    html! {
        @for check in checks {
            section.check {
                h3 { (check.end) ": " @if check.ok { span.ok { "OK" } } @else { span.problem { "PROBLEM" } } }
                ul {
                    @for (ok, message) in &check.steps {
                        li class=(if *ok { "ok" } else { "problem" }) { (message) }
                    }
                }
            }
        }
    }
}

fn configuration_page(
    view: &ConfigurationView,
    csrf: &str,
    said: &Said,
    checks: Option<&[EndCheck]>,
    timing: &Timing,
) -> Markup {
    page(
        "Configuration",
        Some(csrf),
        html! {
            (said.render())
            p { "The configuration file " code { (view.path) } " is the single source of truth: what is saved here is written to its managed part, as the CLI writes it." }
            form.connection method="post" action="/configuration/connection" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="revision" value=(view.revision.0);
                h2 { "The SIS" }
                (settings_table(&view.sis, said))
                h2 { "Schoology" }
                (settings_table(&view.lms, said))
                button type="submit" { "Save connection settings" }
                " A secret typed here is written to the file; a secret set in the environment still wins over it."
            }
            form method="post" action="/configuration/check" {
                input type="hidden" name="csrf" value=(csrf);
                button type="submit" { "Check" }
                " connects to both ends and says what works and what does not."
            }
            @if let Some(checks) = checks { (checks_list(checks)) }
            h2 { "Sync timing" }
            p.next { "Next scheduled sync: " (view.next_sync) }
            form.timing method="post" action="/configuration/timing" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="revision" value=(view.revision.0);
                fieldset {
                    legend { "When syncs run" }
                    label { input type="radio" name="mode" value="manual" checked[timing.mode == "manual"]; " manually only" }
                    label { input type="radio" name="mode" value="daily" checked[timing.mode == "daily"]; " daily, in a window" }
                    (said.beside("mode"))
                }
                label { "window (HH:MM-HH:MM) " input name="window" value=(timing.window) placeholder="00:00-03:00"; }
                (said.beside("window"))
                label { "time zone " input name="time_zone" value=(timing.time_zone) placeholder=(view.district_zone); }
                (said.beside("time_zone"))
                button type="submit" { "Save sync options" }
                " A new timing waits at least 24 hours before its first scheduled sync (the grace rule)."
            }
            @if !view.history.is_empty() {
                dl {
                    @for (what, at) in &view.history { dt { (what) } dd { (at) } }
                }
            }
        },
    )
}

/// `GET /configuration`.
pub(crate) async fn configuration(State(console): Shared, signed: SignedIn) -> Response {
    match console.actions.configuration().await {
        Ok(view) => configuration_page(&view, signed.csrf(), &Said::default(), None, &view.timing)
            .into_response(),
        Err(error) => unavailable("Configuration", signed.csrf(), &error),
    }
}

/// `POST /configuration/check`.
pub(crate) async fn check(State(console): Shared, Posted { signed, .. }: Posted) -> Response {
    let checks = console.actions.check().await;
    match console.actions.configuration().await {
        Ok(view) => configuration_page(
            &view,
            signed.csrf(),
            &Said::default(),
            Some(&checks),
            &view.timing,
        )
        .into_response(),
        Err(error) => unavailable("Configuration", signed.csrf(), &error),
    }
}

/// `POST /configuration/connection`: the ends' settings; an empty secret
/// field leaves the secret as it is.
pub(crate) async fn save_connection(
    State(console): Shared,
    Posted { signed, form }: Posted,
) -> Response {
    let changes: Vec<(String, String)> = form
        .prefixed(SET)
        .map(|(key, value)| (key.to_owned(), value.trim().to_owned()))
        .chain(
            form.prefixed(SECRET)
                .filter(|(_, value)| !value.is_empty())
                .map(|(key, value)| (key.to_owned(), value.to_owned())),
        )
        .collect();
    let said = Said::of(
        console
            .actions
            .save_connection(&form.revision(), changes)
            .await,
    );
    match console.actions.configuration().await {
        Ok(view) => (
            said.status(),
            configuration_page(&view, signed.csrf(), &said, None, &view.timing),
        )
            .into_response(),
        Err(error) => unavailable("Configuration", signed.csrf(), &error),
    }
}

/// `POST /configuration/timing`: "Save sync options".
pub(crate) async fn save_timing(
    State(console): Shared,
    Posted { signed, form }: Posted,
) -> Response {
    let timing = Timing {
        mode: form.get("mode").unwrap_or_default().to_owned(),
        window: form.get("window").unwrap_or_default().trim().to_owned(),
        time_zone: form.get("time_zone").unwrap_or_default().trim().to_owned(),
    };
    let said = Said::of(
        console
            .actions
            .save_timing(&form.revision(), timing.clone())
            .await,
    );
    match console.actions.configuration().await {
        Ok(view) => {
            // A refused change keeps what was typed, beside its problems.
            let shown = if said.problems.is_empty() {
                view.timing.clone()
            } else {
                timing
            };
            (
                said.status(),
                configuration_page(&view, signed.csrf(), &said, None, &shown),
            )
                .into_response()
        }
        Err(error) => unavailable("Configuration", signed.csrf(), &error),
    }
}

async fn acting_user_page(console: &crate::Console, csrf: &str, said: &Said) -> Response {
    let view = match console.actions.acting_user().await {
        Ok(view) => view,
        Err(error) => return unavailable("Acting user", csrf, &error),
    };
    (
        said.status(),
        page(
            "Acting user",
            Some(csrf),
            html! {
                (said.render())
                p { "The credentials act as " strong { (view.credentials) } ", "
                    @if view.is_system_admin { "a System Administrator." }
                    @else { span.problem { "NOT a System Administrator: syncs will be refused; if the district renamed the role, list its title in schoology.system_admin_roles." } }
                }
                p {
                    @match &view.recorded {
                        Some(_) if view.same => "The recorded acting user is the same account.",
                        Some(recorded) => { "The recorded acting user is " (recorded) "." }
                        None => "No acting user is recorded yet.",
                    }
                }
                form method="post" action="/acting-user" {
                    input type="hidden" name="csrf" value=(csrf);
                    button type="submit" { "Make me the acting user" }
                    " Every change in Schoology is made as the acting user, who must be a System Administrator."
                }
            },
        ),
    )
        .into_response()
}

/// `GET /acting-user`.
pub(crate) async fn acting_user(State(console): Shared, signed: SignedIn) -> Response {
    acting_user_page(&console, signed.csrf(), &Said::default()).await
}

/// `POST /acting-user`: "make me the acting user".
pub(crate) async fn take_acting_user(
    State(console): Shared,
    Posted { signed, .. }: Posted,
) -> Response {
    let said = Said::of(console.actions.take_acting_user().await);
    acting_user_page(&console, signed.csrf(), &said).await
}

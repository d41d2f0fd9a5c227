//! The Schools and Terms tabs: both ends side by side, suggested pairs
//! highlighted, each pair mapped or unmapped and saved in the configuration
//! file; on Terms, a grading period added from a term.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use super::{Fields, Posted, Said, Shared, SignedIn, page, unavailable};
use crate::Console;
use crate::actions::Named;
use rostersync_core::mapping::CREATE as CREATE_PERIOD;

/// The field of a school's building in the Schools form.
const BUILDING: &str = "building.";
/// The field of a term's grading period in the Terms form.
const PERIOD: &str = "period.";

async fn schools_page(console: &Console, csrf: &str, said: &Said) -> Response {
    let view = match console.actions.schools().await {
        Ok(view) => view,
        Err(error) => return unavailable("Schools", csrf, &error),
    };
    let markup = page(
        "Schools",
        Some(csrf),
        html! {
            (said.render())
            @for warning in &view.warnings { p.warning { "warning: " (warning) } }
            p { "A SIS school takes part in a sync only once it is mapped to an LMS building. Suggested pairs are highlighted; " a href="/schools" { "Refresh data" } " reads both ends again." }
            form.mapping method="post" action="/schools" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="revision" value=(view.revision.0);
                table {
                    thead { tr { th { "SIS school" } th { "LMS building" } th { "suggested" } } }
                    tbody {
                        @for row in &view.schools {
                            @let field = format!("{BUILDING}{}", row.school.id);
                            tr.suggested[row.suggestion.is_some()] {
                                td { code { (row.school.id) } " " (row.school.name) @if row.stale { " " span.problem { "(stale: the SIS no longer lists it)" } } }
                                td {
                                    select name=(field) aria-label={ "LMS building of " (row.school.name) } {
                                        option value="" selected[row.mapped.is_none()] { "— not synced —" }
                                        @for building in &view.buildings {
                                            option value=(building.id) selected[row.mapped.as_ref().is_some_and(|m| m.id == building.id)] {
                                                (building.id) " " (building.name)
                                            }
                                        }
                                    }
                                    (said.beside(&field))
                                }
                                (suggestion_cell("/schools/suggested", &row.school.id, row.suggestion.as_ref()))
                            }
                        }
                    }
                }
                button type="submit" { "Save" }
            }
            h2 { "LMS buildings" }
            ul { @for building in &view.buildings { li { code { (building.id) } " " (building.name) } } }
        },
    );
    (said.status(), markup).into_response()
}

/// `GET /schools`.
pub(crate) async fn schools(State(console): Shared, signed: SignedIn) -> Response {
    schools_page(&console, signed.csrf(), &Said::default()).await
}

/// The (record, target) pairs of a mapping form: each field named
/// `prefix` + the record's key; an empty target unmaps.
/// A record's suggestion cell: the suggested LMS record, why, and the button
/// that posts the pair (the record's id, a line break, the suggestion's id)
/// to `action`; empty without a suggestion.
fn suggestion_cell(action: &str, record: &str, suggestion: Option<&(Named, String)>) -> Markup {
    html! {
        td {
            @if let Some((target, why)) = suggestion {
                (target.id) " " (target.name) " (" (why) ") "
                button.suggestion type="submit" formaction=(action) name="pair" value={ (record) "\n" (target.id) } {
                    "Map as suggested"
                }
            }
        }
    }
}

fn pairs(form: &Fields, prefix: &str) -> Vec<(String, Option<String>)> {
    form.prefixed(prefix)
        .map(|(key, value)| {
            let value = value.trim();
            (
                key.to_owned(),
                (!value.is_empty()).then(|| value.to_owned()),
            )
        })
        .collect()
}

/// The one pair a "Map as suggested" button carries: "record\ntarget". A
/// browser sends that line break as CRLF, as it sends every line break of
/// a form.
fn suggested_pair(form: &Fields) -> Vec<(String, Option<String>)> {
    form.get("pair")
        .and_then(|pair| pair.split_once('\n'))
        .map(|(key, target)| {
            let key = key.strip_suffix('\r').unwrap_or(key);
            vec![(key.to_owned(), Some(target.to_owned()))]
        })
        .unwrap_or_default()
}

/// `POST /schools`: saves every school's building.
pub(crate) async fn save_schools(
    State(console): Shared,
    Posted { signed, form }: Posted,
) -> Response {
    let said = Said::of(
        console
            .actions
            .save_schools(&form.revision(), pairs(&form, BUILDING))
            .await,
    );
    schools_page(&console, signed.csrf(), &said).await
}

/// `POST /schools/suggested`: maps one school to its suggested building.
pub(crate) async fn suggested_school(
    State(console): Shared,
    Posted { signed, form }: Posted,
) -> Response {
    let said = Said::of(
        console
            .actions
            .save_schools(&form.revision(), suggested_pair(&form))
            .await,
    );
    schools_page(&console, signed.csrf(), &said).await
}

async fn terms_page(console: &Console, csrf: &str, said: &Said) -> Response {
    let view = match console.actions.terms().await {
        Ok(view) => view,
        Err(error) => return unavailable("Terms", csrf, &error),
    };
    let markup = page(
        "Terms",
        Some(csrf),
        html! {
            (said.render())
            @for warning in &view.warnings { p.warning { "warning: " (warning) } }
            p { "The terms of school year " (view.year) ". A section is synced only when its term is mapped to a grading period. " a href="/terms" { "Refresh data" } }
            form.mapping method="post" action="/terms" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="revision" value=(view.revision.0);
                table {
                    thead { tr { th { "SIS term" } th { "school" } th { "dates" } th { "grading period" } th { "suggested" } } }
                    tbody {
                        @for row in &view.terms {
                            @let field = format!("{PERIOD}{}", row.term.id);
                            tr.suggested[row.suggestion.is_some()] {
                                td { code { (row.term.id) } " " (row.term.name) }
                                td { (row.school) @if !row.school_mapped { " " span.warning { "(school not mapped)" } } }
                                td { (row.dates) }
                                td {
                                    select name=(field) aria-label={ "Grading period of " (row.term.name) } {
                                        option value="" selected[row.mapped.is_none()] { "— not mapped —" }
                                        option value=(CREATE_PERIOD) selected[row.mapped.as_deref() == Some(CREATE_PERIOD)] { "create from the term at the next sync" }
                                        @for period in &view.periods {
                                            option value=(period.id) selected[row.mapped.as_deref() == Some(period.id.as_str())] {
                                                (period.id) " " (period.name)
                                            }
                                        }
                                    }
                                    (said.beside(&field))
                                    @if row.mapped.is_none() {
                                        " "
                                        button.add type="submit" formaction="/terms/add" name="term" value=(row.term.id) { "Add" }
                                    }
                                }
                                (suggestion_cell("/terms/suggested", &row.term.id, row.suggestion.as_ref()))
                            }
                        }
                    }
                }
                button type="submit" { "Save" }
                " \"Add\" creates a grading period in Schoology from the term now, and maps the term to it."
            }
            h2 { "LMS grading periods" }
            ul { @for period in &view.periods { li { code { (period.id) } " " (period.name) } } }
        },
    );
    (said.status(), markup).into_response()
}

/// `GET /terms`.
pub(crate) async fn terms(State(console): Shared, signed: SignedIn) -> Response {
    terms_page(&console, signed.csrf(), &Said::default()).await
}

/// `POST /terms`: saves every term's grading period; `POST
/// /terms/suggested`: maps one term to its suggested period.
pub(crate) async fn save_terms(
    State(console): Shared,
    Posted { signed, form }: Posted,
) -> Response {
    let chosen = if form.get("pair").is_some() {
        suggested_pair(&form)
    } else {
        pairs(&form, PERIOD)
    };
    let said = Said::of(console.actions.save_terms(&form.revision(), chosen).await);
    terms_page(&console, signed.csrf(), &said).await
}

/// `POST /terms/add`: creates a grading period from a term.
pub(crate) async fn add_period(
    State(console): Shared,
    Posted { signed, form }: Posted,
) -> Response {
    let term = form.get("term").unwrap_or_default().to_owned();
    let said = Said::of(
        console
            .actions
            .add_grading_period(&form.revision(), &term)
            .await,
    );
    terms_page(&console, signed.csrf(), &said).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suggested_pair_is_read_whether_its_line_break_came_as_lf_or_as_a_browsers_crlf() {
        for pair in ["101\n9001", "101\r\n9001"] {
            let form = Fields(vec![("pair".to_owned(), pair.to_owned())]);
            assert_eq!(
                suggested_pair(&form),
                vec![("101".to_owned(), Some("9001".to_owned()))],
                "{pair:?}"
            );
        }
    }
}

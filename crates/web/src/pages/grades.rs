//! The Grades tab: for a teacher (or one section), the pre-flight check of a
//! passback (problems, conflicts, average differences) and the passback
//! itself, refused as `rostersync grades` refuses it.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;

use super::{Fields, Posted, Said, Shared, SignedIn, page};
use crate::actions::{GradesRequest, GradesView};

fn grades_page(
    csrf: &str,
    asked: &GradesRequest,
    said: &Said,
    found: Option<&GradesView>,
) -> Response {
    let markup = page(
        "Grades",
        Some(csrf),
        html! {
            (said.render())
            p { "Grades go from Schoology to the SIS gradebook one section at a time, with the settings of the configuration's [grades] tables. A teacher's passback covers only the sections they are an admin of." }
            form.grades method="post" action="/grades/check" {
                input type="hidden" name="csrf" value=(csrf);
                label { "teacher (LMS user id) " input name="teacher" value=(asked.teacher); }
                label { "section (SIS key; empty: every section of the teacher) " input name="section" value=(asked.section); }
                label { "grading period (LMS id; empty: every one) " input name="period" value=(asked.period); }
                label { input type="checkbox" name="overwrite" value="yes" checked[asked.overwrite]; " overwrite SIS scores rostersync did not write or that changed since" }
                button type="submit" { "Check" }
                " "
                button type="submit" formaction="/grades/sync" { "Pass back" }
            }
            @if let Some(found) = found {
                h2 { @if asked.pass_back { "Passback" } @else { "Pre-flight check (nothing written)" } }
                @if found.failed { p.problem { "Some records failed; each is listed with its reason." } }
                pre.grades { (found.text) }
            }
        },
    );
    (said.status(), markup).into_response()
}

/// `GET /grades`.
pub(crate) async fn grades(signed: SignedIn) -> Response {
    grades_page(
        signed.csrf(),
        &GradesRequest::default(),
        &Said::default(),
        None,
    )
}

async fn run(
    console: &crate::Console,
    signed: &SignedIn,
    form: &Fields,
    pass_back: bool,
) -> Response {
    let field = |name: &str| form.get(name).unwrap_or_default().trim().to_owned();
    let asked = GradesRequest {
        teacher: field("teacher"),
        section: field("section"),
        period: field("period"),
        pass_back,
        overwrite: form.get("overwrite").is_some(),
    };
    match console.actions.grades(asked.clone()).await {
        Ok(found) => grades_page(signed.csrf(), &asked, &Said::default(), Some(&found)),
        Err(error) => grades_page(signed.csrf(), &asked, &Said::failed(error), None),
    }
}

/// `POST /grades/check`: the pre-flight check, nothing written.
pub(crate) async fn check_grades(
    State(console): Shared,
    Posted { signed, form }: Posted,
) -> Response {
    run(&console, &signed, &form, false).await
}

/// `POST /grades/sync`: the passback.
pub(crate) async fn pass_back(State(console): Shared, Posted { signed, form }: Posted) -> Response {
    run(&console, &signed, &form, true).await
}

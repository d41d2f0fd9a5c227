//! The check of awkward text kept to the byte: outcomes and source problems
//! whose text holds commas, quotes, both line ends, padding, non-ASCII and
//! kilobytes, read back with filters and exported as CSV and JSON, compared
//! with the exports of what was recorded.

use std::fmt::Debug;

use rostersync_core::entity::{Action, Entity};
use serde::de::DeserializeOwned;

use super::records::{
    outcome_filters, outcome_matches, problem_matches, selected, source_filters, two_runs,
};
use super::{Step, call, same};
use crate::export::{outcomes_csv, outcomes_json, source_problems_csv, source_problems_json};
use crate::sis::{ProblemKind, RecordKind, SourceProblem};
use crate::store::{
    OutcomeFilter, OutcomeStatus, RecordOutcome, RunSourceProblem, SourceFilter, StateStore,
};

/// Text with quotes, a comma and both line ends inside.
const QUOTED: &str = "LMS said \"invalid\",\r\nline 2\nline 3";
/// A name beyond ASCII.
const NAME: &str = "Zoë Ødegård — 東京";

/// A reason of a few kilobytes, with quotes, commas and both line ends.
fn long_text() -> String {
    let lines: String = (0..60)
        .map(|line| format!("\r\n  {line}: \"{NAME}\", section S,{line}; see the log\n"))
        .collect();
    format!("Schoology refused the enrollment:{lines}")
}

/// Equal text, or a step that says where it first differs.
fn same_text(what: &str, got: &str, want: &str) -> Step {
    if got == want {
        return Ok(());
    }
    let common: usize = got
        .chars()
        .zip(want.chars())
        .take_while(|(got, want)| got == want)
        .map(|(c, _)| c.len_utf8())
        .sum();
    let line = got[..common].matches('\n').count() + 1;
    let near = |text: &str| text[common..].chars().take(60).collect::<String>();
    Err(format!(
        "{what} ({} bytes, want {}) differs at byte {common}, line {line}: got {:?}, want {:?}",
        got.len(),
        want.len(),
        near(got),
        near(want),
    ))
}

/// The CSV of `got` (what the store read back) is the CSV of `want` (what
/// was recorded), and its JSON reads back as exactly `want`, in order.
fn exported<T>(
    what: &str,
    got: &[T],
    want: &[T],
    csv: fn(&[T]) -> String,
    json: fn(&[T]) -> Result<String, serde_json::Error>,
) -> Step
where
    T: Clone + Debug + PartialEq + DeserializeOwned,
{
    same_text(&format!("the CSV of {what}"), &csv(got), &csv(want))?;
    let text = json(got).map_err(|error| format!("the JSON of {what}: {error}"))?;
    let back: Vec<T> = serde_json::from_str(&text)
        .map_err(|error| format!("the JSON of {what} does not read back: {error}"))?;
    same(
        &format!("the JSON of {what}, read back"),
        back,
        want.to_vec(),
    )
}

fn outcome(
    run: i64,
    (entity, key, action): (Entity, &str, Option<Action>),
    status: OutcomeStatus,
    reason: Option<&str>,
) -> RecordOutcome {
    RecordOutcome {
        run,
        entity,
        key: key.to_owned(),
        action,
        status,
        reason: reason.map(str::to_owned),
    }
}

pub(super) async fn export(store: &dyn StateStore) -> Step {
    let (first, second) = two_runs(store).await?;
    let long = long_text();
    let padded_key = format!(" {NAME} ");
    let drift = format!("title \"{NAME}\" differs\n");
    let of_first = [
        outcome(
            first,
            (Entity::User, "P1", Some(Action::Create)),
            OutcomeStatus::Done,
            None,
        ),
        // An empty reason is not a missing one.
        outcome(
            first,
            (Entity::User, "P2", Some(Action::Update)),
            OutcomeStatus::Warning,
            Some(""),
        ),
        outcome(
            first,
            (Entity::Section, "S,1 \"A\"", Some(Action::Update)),
            OutcomeStatus::Failed,
            Some(QUOTED),
        ),
        outcome(
            first,
            (Entity::User, &padded_key, None),
            OutcomeStatus::Skipped,
            Some("  padded at both ends  "),
        ),
        outcome(
            first,
            (Entity::Enrollment, "S,1 \"A\"/P1", Some(Action::Remove)),
            OutcomeStatus::Failed,
            Some(&long),
        ),
        outcome(
            first,
            (Entity::Course, "C1", Some(Action::Link)),
            OutcomeStatus::Drift,
            Some(&drift),
        ),
    ];
    let of_second = [
        outcome(
            second,
            (Entity::GuardianLink, "G1/P1", None),
            OutcomeStatus::Skipped,
            Some(","),
        ),
        outcome(
            second,
            (Entity::User, "P1", Some(Action::Update)),
            OutcomeStatus::Failed,
            Some("\""),
        ),
        outcome(
            second,
            (Entity::GradingPeriod, "T1", Some(Action::Create)),
            OutcomeStatus::Warning,
            Some("\tled by a tab"),
        ),
    ];
    // The runs' batches interleaved, the later run's first.
    for batch in [
        &of_second[..2],
        &of_first[..3],
        &of_second[2..],
        &of_first[3..],
    ] {
        call("record_outcomes", store.record_outcomes(batch).await)?;
    }
    let all: Vec<RecordOutcome> = of_first.iter().chain(&of_second).cloned().collect();
    for filter in outcome_filters(first, second) {
        let got = call("outcomes", store.outcomes(&filter).await)?;
        exported(
            &format!("outcomes of {filter:?}"),
            &got,
            &selected(&all, &filter, outcome_matches),
            outcomes_csv,
            outcomes_json,
        )?;
    }
    // The failed outcomes' CSV spelled out: RFC 4180 quoting, nothing else.
    let failed = OutcomeFilter {
        status: Some(OutcomeStatus::Failed),
        ..OutcomeFilter::default()
    };
    let got = call("outcomes", store.outcomes(&failed).await)?;
    let long_field = long.replace('"', "\"\"");
    same_text(
        "the CSV of the failed outcomes",
        &outcomes_csv(&got),
        &format!(
            "run,entity,key,action,status,reason\n\
             {first},section,\"S,1 \"\"A\"\"\",update,failed,\"LMS said \"\"invalid\"\",\r\nline 2\nline 3\"\n\
             {first},enrollment,\"S,1 \"\"A\"\"/P1\",remove,failed,\"{long_field}\"\n\
             {second},user,P1,update,failed,\"\"\"\"\n"
        ),
    )?;
    source_problems(store, (first, second), &long).await
}

/// The source problems half of [`export`].
async fn source_problems(store: &dyn StateStore, (first, second): (i64, i64), long: &str) -> Step {
    let of_first = [
        SourceProblem {
            location: "users.csv line 3, column \"email\"".to_owned(),
            message: "two\r\nlines\n".to_owned(),
            kind: ProblemKind::Unreadable,
            record: Some(RecordKind::Person),
            key: Some(" P 7 ".to_owned()),
            field: Some("e-mail, primary".to_owned()),
            reason: Some(String::new()),
        },
        SourceProblem {
            location: NAME.to_owned(),
            message: long.to_owned(),
            kind: ProblemKind::LeftOut,
            record: None,
            key: None,
            field: None,
            reason: None,
        },
        SourceProblem {
            location: "/users index 9".to_owned(),
            message: " padded ".to_owned(),
            kind: ProblemKind::Warning,
            record: Some(RecordKind::Person),
            key: Some(String::new()),
            field: Some("email".to_owned()),
            reason: Some("a \"shared\" reason\n".to_owned()),
        },
    ];
    let of_second = [SourceProblem {
        location: "enrollments.csv line 12".to_owned(),
        message: "section \"S,1\" not in the package".to_owned(),
        kind: ProblemKind::LeftOut,
        record: Some(RecordKind::Enrollment),
        key: Some("S,1/P1".to_owned()),
        field: None,
        reason: Some("parent section not in the package".to_owned()),
    }];
    call(
        "record_source",
        store.record_source(second, 5, &of_second).await,
    )?;
    call(
        "record_source",
        store.record_source(first, 10, &of_first).await,
    )?;
    let with_run = |run: i64, problems: &[SourceProblem]| {
        problems
            .iter()
            .map(move |problem| RunSourceProblem {
                run,
                problem: problem.clone(),
            })
            .collect::<Vec<_>>()
    };
    let mut all = with_run(first, &of_first);
    all.extend(with_run(second, &of_second));
    for filter in source_filters(first, second) {
        let got = call("source_problems", store.source_problems(&filter).await)?;
        exported(
            &format!("source problems of {filter:?}"),
            &got,
            &selected(&all, &filter, problem_matches),
            source_problems_csv,
            source_problems_json,
        )?;
    }
    let left_out = SourceFilter {
        kind: Some(ProblemKind::LeftOut),
        ..SourceFilter::default()
    };
    let got = call("source_problems", store.source_problems(&left_out).await)?;
    let long_field = long.replace('"', "\"\"");
    same_text(
        "the CSV of the problems left out",
        &source_problems_csv(&got),
        &format!(
            "run,kind,record,location,key,field,reason,message\n\
             {first},left_out,,{NAME},,,,\"{long_field}\"\n\
             {second},left_out,enrollment,enrollments.csv line 12,\"S,1/P1\",,parent section not in the package,\"section \"\"S,1\"\" not in the package\"\n"
        ),
    )
}

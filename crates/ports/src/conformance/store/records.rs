//! The checks of what a store keeps of runs: links and link changes, runs,
//! outcomes and source problems.

use std::collections::BTreeMap;

use rostersync_core::entity::{Action, Entity};
use rostersync_core::ids::{CourseId, PersonKey, UserId};
use rostersync_core::model::links::{Link, LinkChanges, LinkOrigin, Links};
use rostersync_core::plan::{EntityCounts, PlanSummary};
use rostersync_core::scope::SyncScope;

use super::{Step, at, call, holds, one_run, refused, same, sample_links, started_run};
use crate::error::ErrorKind;
use crate::sis::{ProblemKind, RecordKind, SourceProblem};
use crate::store::{
    OutcomeFilter, OutcomeStatus, RecordOutcome, RunId, RunRecord, RunSourceProblem, RunStatus,
    SourceFilter, SourceSummary, StateStore, Trigger,
};

pub(super) async fn links(store: &dyn StateStore) -> Step {
    same(
        "a new store's links",
        call("links", store.links().await)?,
        Links::default(),
    )?;
    let links = sample_links();
    call("save_links", store.save_links(&links).await)?;
    same(
        "links saved",
        call("links", store.links().await)?,
        links.clone(),
    )?;
    // Saving a smaller set removes what it does not hold.
    let mut smaller = links;
    smaller.users.remove(&PersonKey::new("P3"));
    smaller.enrollments.clear();
    smaller.withheld_emails.clear();
    smaller.courses.insert(
        "C2".into(),
        Link::new(CourseId::new("22"), LinkOrigin::Matched),
    );
    call("save_links", store.save_links(&smaller).await)?;
    same(
        "links saved over others",
        call("links", store.links().await)?,
        smaller,
    )?;
    call("save_links", store.save_links(&Links::default()).await)?;
    same(
        "links after saving none",
        call("links", store.links().await)?,
        Links::default(),
    )
}

pub(super) async fn link_changes(store: &dyn StateStore) -> Step {
    call("save_links", store.save_links(&sample_links()).await)?;
    let mut changes = LinkChanges::default();
    changes.remove.users.push(PersonKey::new("P1"));
    changes.remove.users.push(PersonKey::new("P2"));
    changes.remove.enrollments.push(("S1".into(), "P1".into()));
    changes.remove.withheld_emails.push("P2".into());
    // Removals come first: a key removed and upserted at once stays.
    changes.upsert.users.insert(
        "P2".into(),
        Link::new(UserId::new("99"), LinkOrigin::Matched),
    );
    changes
        .upsert
        .enrollments
        .insert(("S1".into(), "P3".into()), LinkOrigin::Created);
    changes
        .upsert
        .guardian_links
        .insert(("P3".into(), "P2".into()), LinkOrigin::Matched);
    changes
        .upsert
        .withheld_emails
        .insert("P3".into(), "p3@elsewhere.example.org".into());
    let mut want = sample_links();
    want.apply_changes(&changes);
    call(
        "apply_link_changes",
        store.apply_link_changes(&changes).await,
    )?;
    same(
        "links after link changes",
        call("links", store.links().await)?,
        want.clone(),
    )?;
    call(
        "apply_link_changes (none)",
        store.apply_link_changes(&LinkChanges::default()).await,
    )?;
    same(
        "links after no changes",
        call("links", store.links().await)?,
        want,
    )
}

pub(super) async fn runs(store: &dyn StateStore) -> Step {
    same(
        "a new store's runs",
        call("runs", store.runs(10).await)?,
        vec![],
    )?;
    let first = started_run(SyncScope::All, Trigger::Scheduled, "2026-11-28T02:00:00Z");
    let second = started_run(
        SyncScope::Users,
        Trigger::Manual,
        "2026-11-28T09:15:30.123456789Z",
    );
    let first_id = call("start_run", store.start_run(&first).await)?;
    let second_id = call("start_run", store.start_run(&second).await)?;
    holds("run ids grow", second_id > first_id)?;
    let as_started = |run: &RunRecord, id| RunRecord { id, ..run.clone() };
    same(
        "runs, newest first",
        call("runs", store.runs(10).await)?,
        vec![as_started(&second, second_id), as_started(&first, first_id)],
    )?;
    same(
        "runs limited to 1",
        call("runs", store.runs(1).await)?,
        vec![as_started(&second, second_id)],
    )?;
    let mut summary = PlanSummary::default();
    summary.0.insert(
        Entity::User,
        EntityCounts {
            create: 3,
            update: 2,
            unchanged: 40,
            warnings: 1,
            ..EntityCounts::default()
        },
    );
    let finished = RunRecord {
        id: first_id,
        forced: true,
        finished_at: Some(at("2026-11-28T02:07:00.5Z")),
        status: RunStatus::CompletedWithFailures,
        summary,
        message: Some("2 records failed".to_owned()),
        // What a run cannot change once started: kept as started.
        trigger: Trigger::Manual,
        scope: SyncScope::Grades,
        acting_user: "someone else".to_owned(),
        started_at: at("2030-01-01T00:00:00Z"),
    };
    call("finish_run", store.finish_run(&finished).await)?;
    let want = RunRecord {
        trigger: first.trigger,
        scope: first.scope,
        acting_user: first.acting_user.clone(),
        started_at: first.started_at,
        ..finished
    };
    same(
        "runs after finish_run",
        call("runs", store.runs(10).await)?,
        vec![as_started(&second, second_id), want],
    )
}

pub(super) async fn finish_unknown_run(store: &dyn StateStore) -> Step {
    let run = RunRecord {
        id: 4242,
        status: RunStatus::Succeeded,
        ..started_run(SyncScope::All, Trigger::Manual, "2026-11-28T02:00:00Z")
    };
    refused(
        "finish_run of a run never started",
        store.finish_run(&run).await,
        ErrorKind::NotFound,
    )?;
    same(
        "runs after a refused finish_run",
        call("runs", store.runs(10).await)?,
        vec![],
    )
}

/// Two runs started an hour apart.
pub(super) async fn two_runs(store: &dyn StateStore) -> Result<(RunId, RunId), String> {
    let mut ids = [0; 2];
    for (id, start) in ids
        .iter_mut()
        .zip(["2026-11-28T02:00:00Z", "2026-11-28T03:00:00Z"])
    {
        let run = started_run(SyncScope::All, Trigger::Manual, start);
        *id = call("start_run", store.start_run(&run).await)?;
    }
    Ok((ids[0], ids[1]))
}

/// The outcome filters the checks read with: none, each field alone, all
/// three, and a run never started.
pub(super) fn outcome_filters(first: RunId, second: RunId) -> [OutcomeFilter; 6] {
    [
        OutcomeFilter::default(),
        OutcomeFilter {
            run: Some(second),
            ..OutcomeFilter::default()
        },
        OutcomeFilter {
            status: Some(OutcomeStatus::Failed),
            ..OutcomeFilter::default()
        },
        OutcomeFilter {
            entity: Some(Entity::User),
            ..OutcomeFilter::default()
        },
        OutcomeFilter {
            run: Some(first),
            status: Some(OutcomeStatus::Failed),
            entity: Some(Entity::User),
        },
        OutcomeFilter {
            run: Some(second + 100),
            ..OutcomeFilter::default()
        },
    ]
}

/// The source filters the checks read with: none, run and kind alone, and
/// all three.
pub(super) fn source_filters(first: RunId, second: RunId) -> [SourceFilter; 4] {
    [
        SourceFilter::default(),
        SourceFilter {
            run: Some(second),
            ..SourceFilter::default()
        },
        SourceFilter {
            kind: Some(ProblemKind::LeftOut),
            ..SourceFilter::default()
        },
        SourceFilter {
            run: Some(first),
            kind: Some(ProblemKind::Unreadable),
            record: Some(RecordKind::Person),
        },
    ]
}

/// What `filter` selects of `all`, in order.
pub(super) fn selected<T: Clone, F>(all: &[T], filter: &F, matches: fn(&F, &T) -> bool) -> Vec<T> {
    all.iter()
        .filter(|item| matches(filter, item))
        .cloned()
        .collect()
}

/// Whether `filter` selects `outcome`.
pub(super) fn outcome_matches(filter: &OutcomeFilter, outcome: &RecordOutcome) -> bool {
    filter.run.is_none_or(|run| outcome.run == run)
        && filter.status.is_none_or(|status| outcome.status == status)
        && filter.entity.is_none_or(|entity| outcome.entity == entity)
}

/// Whether `filter` selects `found`.
pub(super) fn problem_matches(filter: &SourceFilter, found: &RunSourceProblem) -> bool {
    filter.run.is_none_or(|run| found.run == run)
        && filter.kind.is_none_or(|kind| found.problem.kind == kind)
        && filter
            .record
            .is_none_or(|record| found.problem.record == Some(record))
}

fn outcome(run: i64, entity: Entity, key: &str, status: OutcomeStatus) -> RecordOutcome {
    RecordOutcome {
        run,
        entity,
        key: key.to_owned(),
        action: (status != OutcomeStatus::Skipped).then_some(Action::Create),
        status,
        reason: (status != OutcomeStatus::Done).then(|| format!("why {key}")),
    }
}

pub(super) async fn outcomes(store: &dyn StateStore) -> Step {
    let (first, second) = two_runs(store).await?;
    let of_second = vec![
        outcome(second, Entity::User, "P9", OutcomeStatus::Failed),
        outcome(second, Entity::Course, "C1", OutcomeStatus::Done),
    ];
    // Recorded out of key order, and the later run first.
    let of_first = [
        outcome(first, Entity::User, "P2", OutcomeStatus::Done),
        outcome(first, Entity::User, "P1", OutcomeStatus::Warning),
        outcome(first, Entity::Section, "S1", OutcomeStatus::Skipped),
        outcome(first, Entity::User, "P3", OutcomeStatus::Failed),
        outcome(first, Entity::Enrollment, "S1/P1", OutcomeStatus::Drift),
    ];
    call("record_outcomes", store.record_outcomes(&of_second).await)?;
    call(
        "record_outcomes",
        store.record_outcomes(&of_first[..2]).await,
    )?;
    call("record_outcomes", store.record_outcomes(&[]).await)?;
    call(
        "record_outcomes",
        store.record_outcomes(&of_first[2..]).await,
    )?;
    let all: Vec<RecordOutcome> = of_first.iter().chain(&of_second).cloned().collect();
    for filter in outcome_filters(first, second) {
        same(
            &format!("outcomes of {filter:?}"),
            call("outcomes", store.outcomes(&filter).await)?,
            selected(&all, &filter, outcome_matches),
        )?;
    }
    same(
        "the failed users of the first run",
        call(
            "outcomes",
            store
                .outcomes(&OutcomeFilter {
                    run: Some(first),
                    status: Some(OutcomeStatus::Failed),
                    entity: Some(Entity::User),
                })
                .await,
        )?,
        vec![of_first[3].clone()],
    )
}

pub(super) async fn outcomes_of_unknown_run(store: &dyn StateStore) -> Step {
    let run = one_run(store).await?;
    let batch = vec![
        outcome(run, Entity::User, "P1", OutcomeStatus::Done),
        outcome(run + 1, Entity::User, "P2", OutcomeStatus::Done),
    ];
    refused(
        "record_outcomes naming a run never started",
        store.record_outcomes(&batch).await,
        ErrorKind::Invalid,
    )?;
    same(
        "outcomes after a refused batch (refused whole)",
        call("outcomes", store.outcomes(&OutcomeFilter::default()).await)?,
        vec![],
    )
}

fn problem(kind: ProblemKind, record: Option<RecordKind>, location: &str) -> SourceProblem {
    SourceProblem {
        location: location.to_owned(),
        message: format!("something at {location}"),
        kind,
        record,
        key: record.map(|_| format!("key of {location}")),
        field: (kind == ProblemKind::Warning).then(|| "email".to_owned()),
        reason: (kind != ProblemKind::Unreadable).then(|| "a shared reason".to_owned()),
    }
}

pub(super) async fn source(store: &dyn StateStore) -> Step {
    let (first, second) = two_runs(store).await?;
    let of_first = vec![
        problem(
            ProblemKind::Unreadable,
            Some(RecordKind::Person),
            "users.csv line 5",
        ),
        problem(
            ProblemKind::LeftOut,
            Some(RecordKind::Course),
            "courses.csv line 2",
        ),
        problem(
            ProblemKind::Warning,
            Some(RecordKind::Person),
            "users.csv line 9",
        ),
        problem(ProblemKind::Unreadable, None, "classes.csv"),
    ];
    let of_second = vec![problem(
        ProblemKind::LeftOut,
        Some(RecordKind::Person),
        "/users index 3",
    )];
    call(
        "record_source",
        store.record_source(second, 7, &of_second).await,
    )?;
    // A first read recorded, then replaced by the one that counts.
    call(
        "record_source",
        store.record_source(first, 1, &of_first[..1]).await,
    )?;
    call(
        "record_source",
        store.record_source(first, 120, &of_first).await,
    )?;
    let with_run = |run: i64, problems: &[SourceProblem]| -> Vec<RunSourceProblem> {
        problems
            .iter()
            .map(|problem| RunSourceProblem {
                run,
                problem: problem.clone(),
            })
            .collect()
    };
    let all: Vec<RunSourceProblem> = with_run(first, &of_first)
        .into_iter()
        .chain(with_run(second, &of_second))
        .collect();
    for filter in source_filters(first, second) {
        same(
            &format!("source problems of {filter:?}"),
            call("source_problems", store.source_problems(&filter).await)?,
            selected(&all, &filter, problem_matches),
        )?;
    }
    let mut want = BTreeMap::new();
    want.insert(first, SourceSummary::of(120, &of_first));
    want.insert(second, SourceSummary::of(7, &of_second));
    same(
        "source summaries",
        call(
            "source_summaries",
            store.source_summaries(&[first, second, second + 100]).await,
        )?,
        want,
    )?;
    same(
        "the first run's summary counts",
        SourceSummary::of(120, &of_first),
        SourceSummary {
            read: 120,
            unreadable: 2,
            left_out: 1,
            warnings: 1,
        },
    )
}

/// `text` as a store that cannot hold NUL keeps it: each NUL as U+FFFD.
fn nul_kept(text: &str) -> String {
    text.replace('\0', "\u{FFFD}")
}

/// Whether `got` is `want` as given, or as [`nul_kept`] keeps it.
fn kept_as_given_or_marked<T: PartialEq + std::fmt::Debug>(
    what: &str,
    got: &T,
    given: &T,
    marked: &T,
) -> Step {
    holds(
        &format!("{what}: got {got:?}, want {given:?} or {marked:?}"),
        got == given || got == marked,
    )
}

/// A NUL in any text a run records (a key read from a damaged file, an
/// error message) is kept with its record, as given or as U+FFFD: a store
/// whose text cannot hold NUL never refuses the record, or the batch with
/// it.
pub(super) async fn nul_in_text(store: &dyn StateStore) -> Step {
    let mut run = started_run(SyncScope::All, Trigger::Manual, "2026-11-28T02:00:00Z");
    run.acting_user = "Ada\0Admin (1)".to_owned();
    run.id = call("start_run", store.start_run(&run).await)?;
    run.status = RunStatus::Failed;
    run.finished_at = Some(at("2026-11-28T02:05:00Z"));
    run.message = Some("the LMS said: bad\0byte".to_owned());
    call("finish_run", store.finish_run(&run).await)?;
    let given = vec![
        RecordOutcome {
            reason: Some("refused: \0 in the name".to_owned()),
            ..outcome(run.id, Entity::User, "P\0-1", OutcomeStatus::Skipped)
        },
        outcome(run.id, Entity::User, "P2", OutcomeStatus::Done),
    ];
    call("record_outcomes", store.record_outcomes(&given).await)?;
    let problem = SourceProblem {
        location: "users.csv line\0 4".to_owned(),
        message: "a NUL\0 in a field".to_owned(),
        kind: ProblemKind::Unreadable,
        record: Some(RecordKind::Person),
        key: Some("P\0-3".to_owned()),
        field: Some("given\0Name".to_owned()),
        reason: Some("unreadable\0".to_owned()),
    };
    call(
        "record_source",
        store
            .record_source(run.id, 3, std::slice::from_ref(&problem))
            .await,
    )?;

    let mut marked_run = run.clone();
    marked_run.acting_user = nul_kept(&run.acting_user);
    marked_run.message = run.message.as_deref().map(nul_kept);
    let runs = call("runs", store.runs(10).await)?;
    same("runs kept", runs.len(), 1)?;
    kept_as_given_or_marked("the run", &runs[0], &run, &marked_run)?;
    let marked: Vec<RecordOutcome> = given
        .iter()
        .map(|outcome| RecordOutcome {
            key: nul_kept(&outcome.key),
            reason: outcome.reason.as_deref().map(nul_kept),
            ..outcome.clone()
        })
        .collect();
    let got = call("outcomes", store.outcomes(&OutcomeFilter::default()).await)?;
    kept_as_given_or_marked("the outcomes", &got, &given, &marked)?;
    let text = |text: &Option<String>| text.as_deref().map(nul_kept);
    let marked_problem = SourceProblem {
        location: nul_kept(&problem.location),
        message: nul_kept(&problem.message),
        key: text(&problem.key),
        field: text(&problem.field),
        reason: text(&problem.reason),
        ..problem.clone()
    };
    let got = call(
        "source_problems",
        store.source_problems(&SourceFilter::default()).await,
    )?;
    let found = |problem: &SourceProblem| {
        vec![RunSourceProblem {
            run: run.id,
            problem: problem.clone(),
        }]
    };
    kept_as_given_or_marked(
        "the source problems",
        &got,
        &found(&problem),
        &found(&marked_problem),
    )?;
    same(
        "the source summary",
        call("source_summaries", store.source_summaries(&[run.id]).await)?
            .get(&run.id)
            .copied(),
        Some(SourceSummary::of(3, &[problem])),
    )
}

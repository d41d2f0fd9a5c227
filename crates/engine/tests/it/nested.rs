//! The sections of a course a run creates ride in the course's write: no
//! section write of their own, yet each gets its link, its outcome and its
//! place in the journal, and one whose course failed is skipped.

// Helpers outside `#[test]` functions: a failure there is a broken test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rostersync_core::SyncScope;
use rostersync_core::entity::Entity;
use rostersync_core::model::lms::LmsSnapshot;
use rostersync_core::plan::RecordAction;
use rostersync_engine::fakes::FakeLms;
use rostersync_engine::{Engine, RunOptions};
use rostersync_ports::{
    ActingUser, ErrorKind, LmsDirectory, LmsOutcome, LmsRequest, LmsTarget, LmsWrite,
    OutcomeFilter, OutcomeStatus, PortError, PortResult, RunStatus, StateStore, Trigger,
};

use crate::support::{World, has_duplicates, keyed, options};

/// An LMS that keeps every batch it is sent, and can lose the answer to
/// the first course batch after applying it.
struct Recording {
    inner: Arc<FakeLms>,
    writes: Mutex<Vec<LmsWrite>>,
    lose_course_answer: Mutex<bool>,
}

impl Recording {
    fn writes(&self) -> Vec<LmsWrite> {
        self.writes.lock().unwrap().clone()
    }
}

#[async_trait]
impl LmsTarget for Recording {
    async fn acting_user(&self) -> PortResult<ActingUser> {
        self.inner.acting_user().await
    }
    async fn directory(&self) -> PortResult<LmsDirectory> {
        self.inner.directory().await
    }
    async fn snapshot(&self, request: &LmsRequest) -> PortResult<LmsSnapshot> {
        self.inner.snapshot(request).await
    }
    async fn apply(&self, write: &LmsWrite) -> PortResult<Vec<LmsOutcome>> {
        self.writes.lock().unwrap().push(write.clone());
        let outcomes = self.inner.apply(write).await?;
        if matches!(write, LmsWrite::CoursesWithSections(_)) {
            let mut lose = self.lose_course_answer.lock().unwrap();
            if *lose {
                *lose = false;
                return Err(
                    PortError::new(ErrorKind::Unavailable, "connection reset").maybe_applied()
                );
            }
        }
        Ok(outcomes)
    }
}

fn recording(world: &World, lose_course_answer: bool) -> (Arc<Recording>, Engine) {
    recording_with(world, lose_course_answer, options())
}

fn recording_with(
    world: &World,
    lose_course_answer: bool,
    options: rostersync_engine::EngineOptions,
) -> (Arc<Recording>, Engine) {
    let lms = Arc::new(Recording {
        inner: world.lms.clone(),
        writes: Mutex::new(Vec::new()),
        lose_course_answer: Mutex::new(lose_course_answer),
    });
    let engine = Engine::new(
        world.sis.clone(),
        lms.clone(),
        world.store.clone(),
        world.mapping.clone(),
        chrono_tz::America::Chicago,
        options,
    );
    (lms, engine)
}

/// The outcomes of `entity` with `status` in `run`.
async fn outcomes(
    world: &World,
    run: Option<i64>,
    entity: Entity,
    status: OutcomeStatus,
) -> Vec<rostersync_ports::RecordOutcome> {
    world
        .engine
        .outcomes(&OutcomeFilter {
            run,
            status: Some(status),
            entity: Some(entity),
        })
        .await
        .unwrap()
}

/// A first sync of `world` through `engine` that must succeed; its run id.
async fn clean_sync(engine: &Engine, world: &World) -> Option<i64> {
    let report = engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(world.now()))
        .await
        .unwrap();
    assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.failures);
    report.run
}

#[tokio::test]
async fn a_first_sync_sends_new_courses_sections_inside_the_course_writes() {
    let world = World::tiny();
    let (lms, engine) = recording(&world, false);
    let run = clean_sync(&engine, &world).await;

    let writes = lms.writes();
    assert!(
        !writes.iter().any(|w| matches!(w, LmsWrite::Sections(_))),
        "no section write of its own"
    );
    let nested: Vec<String> = writes
        .iter()
        .filter_map(|w| match w {
            LmsWrite::CoursesWithSections(ops) => Some(ops),
            _ => None,
        })
        .flatten()
        .flat_map(|course| {
            assert!(
                course.sections.is_empty()
                    || matches!(course.op.action, RecordAction::Create { .. })
            );
            course.sections.iter().map(|s| s.key.to_string())
        })
        .collect();
    let found: Vec<String> = writes
        .iter()
        .filter_map(|w| match w {
            LmsWrite::NestedSections(ops) => Some(ops),
            _ => None,
        })
        .flatten()
        .map(|s| s.key.to_string())
        .collect();
    let held = keyed(&world.lms.snapshot_all());
    assert!(!held.sections.is_empty());
    let mut sorted = nested.clone();
    sorted.sort();
    assert_eq!(sorted, held.sections, "every section went with its course");
    assert_eq!(found.len(), nested.len(), "and each was found again");

    // Each section has its link and a done outcome.
    let links = world.store.links().await.unwrap();
    assert_eq!(links.sections.len(), held.sections.len());
    let done = outcomes(&world, run, Entity::Section, OutcomeStatus::Done).await;
    assert_eq!(done.len(), held.sections.len());
    let (expected, _) = world.expected();
    assert_eq!(held, keyed(&expected));
}

#[tokio::test]
async fn sections_of_a_refused_course_are_skipped_and_a_refused_nested_section_fails() {
    let world = World::tiny();
    let (expected, _) = world.expected();
    let by_course = |code: &str| -> Vec<String> {
        let id = &expected.courses.iter().find(|c| c.code == code).unwrap().id;
        expected
            .sections
            .iter()
            .filter(|s| s.course == *id)
            .filter_map(|s| s.unique_code.clone())
            .collect()
    };
    let mut courses: Vec<&str> = expected.courses.iter().map(|c| c.code.as_str()).collect();
    courses.sort_unstable();
    courses.retain(|code| !by_course(code).is_empty());
    let (refused_course, other_course) = (courses[0], courses[1]);
    let orphans = by_course(refused_course);
    let refused_section = by_course(other_course)[0].clone();
    world.lms.refuse(refused_course);
    world.lms.refuse(refused_section.clone());

    let report = world
        .engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(world.now()))
        .await
        .unwrap();
    assert_eq!(report.status, RunStatus::CompletedWithFailures);
    let skipped = outcomes(&world, report.run, Entity::Section, OutcomeStatus::Skipped).await;
    let mut skipped_keys: Vec<String> = skipped.iter().map(|o| o.key.clone()).collect();
    skipped_keys.sort();
    let mut orphans_sorted = orphans.clone();
    orphans_sorted.sort();
    assert_eq!(skipped_keys, orphans_sorted);
    assert!(skipped.iter().all(|o| {
        o.reason
            .as_deref()
            .unwrap()
            .contains(&format!("course {refused_course} has no LMS course"))
    }));
    let failed: Vec<_> = report.failures_of(Entity::Section).collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].key, refused_section);
    assert!(failed[0].reason.as_deref().is_some_and(|r| !r.is_empty()));
    let links = world.store.links().await.unwrap();
    assert!(!links.sections.contains_key(refused_section.as_str()));

    // The next run writes them the ordinary way, the course now existing or
    // created with them.
    world.lms.accept_all();
    let again = world
        .engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(world.now()))
        .await
        .unwrap();
    assert_eq!(again.status, RunStatus::Succeeded, "{:?}", again.failures);
    assert_eq!(keyed(&world.lms.snapshot_all()), keyed(&expected));
}

#[tokio::test]
async fn a_course_write_whose_answer_was_lost_is_journaled_with_its_sections_and_resolved() {
    let world = World::tiny();
    let (_, engine) = recording(&world, true);
    let first = engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(world.now()))
        .await
        .unwrap();
    assert_eq!(first.status, RunStatus::CompletedWithFailures);
    // The course batch stays journaled, its nested sections with it.
    let open = world.store.journal_entries();
    assert_eq!(open.len(), 1);
    let entry = &open[0].2;
    assert!(entry.contains("courses_with_sections"), "{entry}");
    // The sections that landed without a link are the lost batch's, and
    // the journal names each of them.
    let links = world.store.links().await.unwrap();
    let unlinked: Vec<String> = keyed(&world.lms.snapshot_all())
        .sections
        .into_iter()
        .filter(|key| !links.sections.contains_key(key.as_str()))
        .collect();
    assert!(!unlinked.is_empty());
    assert!(
        unlinked
            .iter()
            .all(|key| entry.contains(&format!("\"{key}\""))),
        "{unlinked:?} in {entry}"
    );
    // Their sections waited for the courses' links: skipped, not failed.
    assert_eq!(first.failures_of(Entity::Section).count(), 0);

    let second = world
        .engine
        .run(
            SyncScope::All,
            Trigger::Manual,
            RunOptions::at(world.now() + chrono::Duration::minutes(5)),
        )
        .await
        .unwrap();
    assert_eq!(second.status, RunStatus::Succeeded, "{:?}", second.failures);
    assert_eq!(second.resumed_batches, 1);
    assert!(world.store.journal_entries().is_empty());
    let held = keyed(&world.lms.snapshot_all());
    assert!(!has_duplicates(&held.sections));
    assert!(!has_duplicates(&held.courses));
    let (expected, _) = world.expected();
    assert_eq!(held, keyed(&expected));
    let links = world.store.links().await.unwrap();
    assert_eq!(links.sections.len(), held.sections.len());
}

#[tokio::test]
async fn a_course_nests_at_most_a_batch_of_sections_and_the_rest_are_written_on_their_own() {
    let world = World::tiny();
    let batch_size = 2;
    let (lms, engine) = recording_with(
        &world,
        false,
        rostersync_engine::EngineOptions {
            batch_size,
            ..options()
        },
    );
    clean_sync(&engine, &world).await;
    let writes = lms.writes();
    let mut nested = 0;
    let mut alone = 0;
    for write in &writes {
        match write {
            LmsWrite::CoursesWithSections(ops) => {
                for course in ops {
                    assert!(course.sections.len() <= batch_size);
                    nested += course.sections.len();
                }
            }
            LmsWrite::Sections(ops) => {
                assert!(ops.iter().all(|s| s.id.is_none()), "creates");
                alone += ops.len();
            }
            _ => {}
        }
    }
    let held = keyed(&world.lms.snapshot_all());
    assert!(nested > 0 && alone > 0, "{nested} nested, {alone} alone");
    assert_eq!(nested + alone, held.sections.len());
    let links = world.store.links().await.unwrap();
    assert_eq!(links.sections.len(), held.sections.len());
    let (expected, _) = world.expected();
    assert_eq!(held, keyed(&expected));
}

//! The shadow of the LMS: scheduled syncs plan against it instead of reading
//! the roster, land the same LMS a full sync would, fall back to a full read
//! when it cannot serve, and the drift check reports hand edits.

use chrono::Datelike as _;
use rostersync_core::MappingConfig;
use rostersync_core::SyncScope;
use rostersync_core::drift::DriftRule;
use rostersync_core::entity::Entity;
use rostersync_core::plan::PlanSummary;
use rostersync_engine::{
    DriftCadence, Engine, EngineOptions, LAST_DRIFT_CHECK, LmsRead, RunOptions, RunReport,
};
use rostersync_ports::{OutcomeFilter, OutcomeStatus, RunStatus, StateStore, Trigger};

use crate::support::{World, keyed, options};

/// An engine over the world's fakes whose weekly drift check falls on
/// another weekday than the world's "today".
fn engine_for(world: &World, mapping: &MappingConfig) -> Engine {
    let now = world.now();
    let other_day = world.engine.today(now).weekday().succ();
    Engine::new(
        world.sis.clone(),
        world.lms.clone(),
        world.store.clone(),
        mapping.clone(),
        chrono_tz::America::Chicago,
        EngineOptions {
            drift: DriftCadence { weekday: other_day },
            ..options()
        },
    )
    .with_clock(std::sync::Arc::new(move || now))
}

async fn run(engine: &Engine, world: &World, trigger: Trigger, read: LmsRead) -> RunReport {
    let options = RunOptions {
        read,
        ..RunOptions::at(world.now())
    };
    match engine.run(SyncScope::All, trigger, options).await {
        Ok(report) => report,
        Err(error) => panic!("the run failed: {error}"),
    }
}

/// The district's SIS, as changed by the test, served by the fake SIS.
fn serve_sis(world: &World) {
    world.sis.set(rostersync_ports::SisRead {
        snapshot: world.district.sis.clone(),
        problems: Vec::new(),
    });
}

/// The next day's SIS in the fake SIS.
fn next_day(world: &mut World, day: u64) {
    let today = world.district.as_of;
    world.district.advance(day, today);
    serve_sis(world);
}

/// The outcomes of `status` that `run` kept.
async fn outcomes_of(
    world: &World,
    run: Option<rostersync_ports::RunId>,
    status: OutcomeStatus,
) -> Vec<rostersync_ports::RecordOutcome> {
    let filter = OutcomeFilter {
        run,
        status: Some(status),
        ..OutcomeFilter::default()
    };
    match world.store.outcomes(&filter).await {
        Ok(outcomes) => outcomes,
        Err(error) => panic!("the store could not be read: {error}"),
    }
}

/// Whether a full read would plan nothing more (the LMS holds what the SIS says).
async fn in_step(engine: &Engine, world: &World) -> bool {
    let options = RunOptions {
        read: LmsRead::Full,
        ..RunOptions::at(world.now()).dry()
    };
    let plan = match engine.run(SyncScope::All, Trigger::Manual, options).await {
        Ok(report) => report.plan,
        Err(error) => panic!("the dry run failed: {error}"),
    };
    let Some(plan) = plan else {
        panic!("a dry run returns its plan");
    };
    PlanSummary::of(&plan).writes_nothing()
}

#[tokio::test]
async fn scheduled_syncs_plan_against_the_shadow_and_land_what_a_full_sync_would() {
    let mut world = World::tiny();
    let engine = engine_for(&world, &world.mapping);
    let first = run(&engine, &world, Trigger::Manual, LmsRead::Auto).await;
    assert_eq!(first.status, RunStatus::Succeeded, "{:?}", first.failures);
    assert!(
        first
            .notes
            .iter()
            .any(|n| n.starts_with("read the LMS in full")),
        "{:?}",
        first.notes
    );
    assert_eq!(world.lms.reads(), 1);
    for day in 1..=3 {
        next_day(&mut world, day);
        let reads = world.lms.reads();
        let report = run(&engine, &world, Trigger::Scheduled, LmsRead::Auto).await;
        assert_eq!(
            report.status,
            RunStatus::Succeeded,
            "day {day}: {:?}",
            report.failures
        );
        assert!(
            report
                .notes
                .iter()
                .any(|n| n.starts_with("planned against the shadow")),
            "day {day}: {:?}",
            report.notes
        );
        assert!(
            report
                .summary
                .0
                .values()
                .any(|c| c.create + c.update + c.remove > 0),
            "day {day} changed nothing"
        );
        // No roster read: the fake counts only full snapshots.
        assert_eq!(world.lms.reads(), reads, "day {day}");
        assert!(
            in_step(&engine, &world).await,
            "day {day}: a full read plans more"
        );
    }
    // The incremental days left no duplicate.
    let held = keyed(&world.lms.snapshot_all());
    let mut users = held.users.clone();
    users.dedup();
    assert_eq!(users.len(), held.users.len());
}

#[tokio::test]
async fn a_run_killed_while_writing_is_finished_against_the_shadow_it_carried() {
    let mut world = World::tiny();
    let engine = engine_for(&world, &world.mapping);
    run(&engine, &world, Trigger::Manual, LmsRead::Auto).await;
    for day in 1..=2 {
        next_day(&mut world, day);
    }
    // The process dies while its third batch is on the wire.
    let hung = world.lms.hang_after(2);
    let sync = engine.run(
        SyncScope::All,
        Trigger::Scheduled,
        RunOptions::at(world.now()),
    );
    tokio::select! {
        result = sync => panic!("the run was to be killed: {:?}", result.map(|r| r.status)),
        _ = hung => {}
    }
    let landed = world.store.shadow().await.unwrap().unwrap().landed.len();
    assert!(
        landed > 0,
        "the writes that landed are kept with their links"
    );
    // The next run, once the dead run's lease is over, plans against the
    // shadow carried over what landed: no roster read, no duplicate.
    let reads = world.lms.reads();
    let later = world.now() + chrono::Duration::minutes(10);
    let options = RunOptions::at(later);
    let next = engine
        .run(SyncScope::All, Trigger::Scheduled, options)
        .await
        .unwrap();
    assert_eq!(next.status, RunStatus::Succeeded, "{:?}", next.failures);
    assert_eq!(world.lms.reads(), reads, "{:?}", next.notes);
    assert!(
        next.notes
            .iter()
            .any(|n| n.starts_with("planned against the shadow")),
        "{:?}",
        next.notes
    );
    assert!(in_step(&engine, &world).await);
    let held = keyed(&world.lms.snapshot_all());
    for (what, keys) in [
        ("users", &held.users),
        ("courses", &held.courses),
        ("sections", &held.sections),
    ] {
        let mut unique = keys.clone();
        unique.dedup();
        assert_eq!(unique.len(), keys.len(), "duplicate {what}");
    }
    // The shadow kept at the end holds no replay any more.
    let kept = world.store.shadow().await.unwrap().unwrap();
    assert!(kept.plan.is_none() && kept.landed.is_empty());
}

#[tokio::test]
async fn a_changed_mapping_or_a_manual_sync_reads_in_full() {
    let world = World::tiny();
    let engine = engine_for(&world, &world.mapping);
    run(&engine, &world, Trigger::Manual, LmsRead::Auto).await;
    let manual = run(&engine, &world, Trigger::Manual, LmsRead::Auto).await;
    assert!(
        manual
            .notes
            .iter()
            .any(|n| n.contains("a sync run by hand reads the LMS in full")),
        "{:?}",
        manual.notes
    );
    let mut spec = world.mapping.spec().clone();
    spec.drop_policy = rostersync_core::mapping::DropPolicy::Keep;
    let changed = engine_for(&world, &MappingConfig::new(spec).unwrap());
    let after = run(&changed, &world, Trigger::Scheduled, LmsRead::Auto).await;
    assert!(
        after
            .notes
            .iter()
            .any(|n| n.contains("the mapping changed")),
        "{:?}",
        after.notes
    );
    let again = run(&changed, &world, Trigger::Scheduled, LmsRead::Auto).await;
    assert!(
        again
            .notes
            .iter()
            .any(|n| n.starts_with("planned against the shadow")),
        "{:?}",
        again.notes
    );
}

#[tokio::test]
async fn the_drift_check_reports_hand_edits_and_restores_or_leaves_them_by_policy() {
    let world = World::tiny();
    let engine = engine_for(&world, &world.mapping);
    run(&engine, &world, Trigger::Manual, LmsRead::Auto).await;
    let links = world.store.links().await.unwrap();
    let (course_key, course) = links
        .courses
        .iter()
        .next()
        .map(|(k, l)| (k.clone(), l.id.clone()))
        .unwrap();
    let (section_key, section) = links
        .sections
        .iter()
        .next()
        .map(|(k, l)| (k.clone(), l.id.clone()))
        .unwrap();
    world.lms.edit(|lms| {
        for c in lms.courses.iter_mut().filter(|c| c.id == course) {
            c.fields.title = "Renamed by hand".to_owned();
        }
        lms.sections.retain(|s| s.id != section);
        lms.enrollments.retain(|e| e.section != section);
    });
    // An incremental sync does not see it.
    let quiet = run(&engine, &world, Trigger::Scheduled, LmsRead::Auto).await;
    assert_eq!(quiet.done, 0, "{:?}", quiet.summary);
    // The drift check does, and restores it.
    let check = run(&engine, &world, Trigger::Scheduled, LmsRead::Full).await;
    let run_id = check.run.unwrap();
    let drift = outcomes_of(&world, Some(run_id), OutcomeStatus::Drift).await;
    let found: Vec<(Entity, String)> = drift.iter().map(|o| (o.entity, o.key.clone())).collect();
    assert!(
        found.contains(&(Entity::Course, course_key.to_string())),
        "{found:?}"
    );
    assert!(
        found.contains(&(Entity::Section, section_key.to_string())),
        "{found:?}"
    );
    let course_drift = drift.iter().find(|o| o.entity == Entity::Course).unwrap();
    assert!(
        course_drift
            .reason
            .as_deref()
            .unwrap()
            .contains("\"Renamed by hand\"; the SIS value is restored"),
        "{course_drift:?}"
    );
    let kept = world
        .store
        .setting(LAST_DRIFT_CHECK)
        .await
        .unwrap()
        .unwrap();
    assert!(kept.contains(&format!("\"run\":{run_id}")), "{kept}");
    assert!(in_step(&engine, &world).await);
    // The section was created again, once.
    let held = keyed(&world.lms.snapshot_all());
    let copies = held
        .sections
        .iter()
        .filter(|s| **s == section_key.to_string())
        .count();
    assert_eq!(
        copies, 1,
        "{section_key} in {:?}; {:?}",
        held.sections, check.summary
    );

    // Under "report", a hand edit is listed and left as it was found.
    let mut spec = world.mapping.spec().clone();
    spec.drift.courses = DriftRule::Report;
    let reporting = engine_for(&world, &MappingConfig::new(spec).unwrap());
    run(&reporting, &world, Trigger::Manual, LmsRead::Full).await;
    world.lms.edit(|lms| {
        for c in lms.courses.iter_mut().filter(|c| c.id == course) {
            c.fields.title = "Renamed again".to_owned();
        }
    });
    for _ in 0..2 {
        let report = run(&reporting, &world, Trigger::Scheduled, LmsRead::Full).await;
        let drift = outcomes_of(&world, report.run, OutcomeStatus::Drift).await;
        assert_eq!(drift.len(), 1, "{drift:?}");
        assert!(
            drift[0]
                .reason
                .as_deref()
                .unwrap()
                .ends_with("left as found (drift policy \"report\")")
        );
        let title = world
            .lms
            .snapshot_all()
            .courses
            .iter()
            .find(|c| c.id == course)
            .map(|c| c.fields.title.clone());
        assert_eq!(title.as_deref(), Some("Renamed again"));
        // Incremental syncs in between leave it too.
        let quiet = run(&reporting, &world, Trigger::Scheduled, LmsRead::Auto).await;
        assert_eq!(quiet.done, 0);
    }
}

#[tokio::test]
async fn a_write_that_finds_the_record_gone_is_put_right_in_the_same_run() {
    let mut world = World::tiny();
    let engine = engine_for(&world, &world.mapping);
    run(&engine, &world, Trigger::Manual, LmsRead::Auto).await;
    let links = world.store.links().await.unwrap();
    let (course_key, course) = links
        .courses
        .iter()
        .next()
        .map(|(k, l)| (k.clone(), l.id.clone()))
        .unwrap();
    // Deleted by hand in the LMS, then renamed in the SIS.
    // Deleting a course deletes its sections and their enrollments.
    world.lms.edit(|lms| {
        lms.courses.retain(|c| c.id != course);
        let gone: Vec<_> = lms
            .sections
            .iter()
            .filter(|s| s.course == course)
            .map(|s| s.id.clone())
            .collect();
        lms.sections.retain(|s| !gone.contains(&s.id));
        lms.enrollments.retain(|e| !gone.contains(&e.section));
    });
    for c in world
        .district
        .sis
        .courses
        .iter_mut()
        .filter(|c| c.key == course_key)
    {
        c.title = format!("{} (renamed)", c.title);
    }
    serve_sis(&world);
    let reads = world.lms.reads();
    let report = run(&engine, &world, Trigger::Scheduled, LmsRead::Auto).await;
    assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.failures);
    assert!(
        report.notes.iter().any(|n| n.starts_with(
            "1 write(s) found the LMS other than the shadow said (404 or 409): the LMS was read in full"
        ) && n.ends_with("1 of them were put right")),
        "{:?}",
        report.notes
    );
    assert_eq!(
        world.lms.reads(),
        reads + 1,
        "one full read, in the same run"
    );
    // The 404 and the drift it revealed are kept with the run.
    let failed = outcomes_of(&world, report.run, OutcomeStatus::Failed).await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    let drift = outcomes_of(&world, report.run, OutcomeStatus::Drift).await;
    assert!(
        drift
            .iter()
            .any(|o| o.entity == Entity::Course && o.key == course_key.as_str()),
        "{drift:?}"
    );
    assert!(in_step(&engine, &world).await);
    let held = keyed(&world.lms.snapshot_all());
    let copies = held
        .courses
        .iter()
        .filter(|c| **c == course_key.to_string())
        .count();
    assert_eq!(copies, 1);
    // The shadow it kept serves the next day.
    let next = run(&engine, &world, Trigger::Scheduled, LmsRead::Auto).await;
    assert!(
        next.notes
            .iter()
            .any(|n| n.starts_with("planned against the shadow")),
        "{:?}",
        next.notes
    );
}

#[tokio::test]
async fn a_section_made_by_hand_with_a_new_sis_key_is_looked_up_and_linked_not_created_twice() {
    let mut world = World::tiny();
    let engine = engine_for(&world, &world.mapping);
    run(&engine, &world, Trigger::Manual, LmsRead::Auto).await;
    // The SIS gets a new section; someone made it in the LMS by hand first.
    let mut new = world.district.sis.sections[0].clone();
    new.key = "NEW-SECTION-1".into();
    world.district.sis.sections.push(new.clone());
    serve_sis(&world);
    let links = world.store.links().await.unwrap();
    let existing = links
        .sections
        .get(&world.district.sis.sections[0].key)
        .unwrap()
        .id
        .clone();
    world.lms.edit(|lms| {
        let mut hand = lms
            .sections
            .iter()
            .find(|s| s.id == existing)
            .unwrap()
            .clone();
        hand.id = "hand-1".into();
        hand.unique_code = Some("NEW-SECTION-1".to_owned());
        lms.sections.push(hand);
    });
    let report = run(&engine, &world, Trigger::Scheduled, LmsRead::Auto).await;
    assert!(
        report
            .notes
            .iter()
            .any(|n| n
                .ends_with("1 SIS section(s) it has not seen were looked up by code (1 found)")),
        "{:?}",
        report.notes
    );
    assert_eq!(world.lms.lookups(), 1);
    let held = world.lms.snapshot_all();
    let copies = held
        .sections
        .iter()
        .filter(|s| s.unique_code.as_deref() == Some("NEW-SECTION-1"))
        .count();
    assert_eq!(copies, 1);
    let links = world.store.links().await.unwrap();
    assert_eq!(
        links.sections.get(&new.key).map(|l| l.id.as_str()),
        Some("hand-1")
    );
    // The next day knows it: no look-up.
    run(&engine, &world, Trigger::Scheduled, LmsRead::Auto).await;
    assert_eq!(world.lms.lookups(), 1);
}

#[tokio::test]
async fn a_sync_of_users_alone_finds_no_course_or_section_gone_and_forgets_no_link() {
    let world = World::tiny();
    let engine = engine_for(&world, &world.mapping);
    run(&engine, &world, Trigger::Manual, LmsRead::Auto).await;
    let links = match world.store.links().await {
        Ok(links) => links,
        Err(error) => panic!("the store could not be read: {error}"),
    };
    assert!(!links.courses.is_empty() && !links.sections.is_empty());
    // A manual sync of users reads the LMS in full, but only its users: the
    // courses and sections it did not ask for are not "deleted by hand".
    let options = RunOptions::at(world.now());
    let users = match engine.run(SyncScope::Users, Trigger::Manual, options).await {
        Ok(report) => report,
        Err(error) => panic!("the users sync failed: {error}"),
    };
    let drift = outcomes_of(&world, users.run, OutcomeStatus::Drift).await;
    assert_eq!(drift, vec![], "a users sync reported drift");
    let after = match world.store.links().await {
        Ok(links) => links,
        Err(error) => panic!("the store could not be read: {error}"),
    };
    assert_eq!(after.courses.len(), links.courses.len());
    assert_eq!(after.sections.len(), links.sections.len());
    assert!(
        in_step(&engine, &world).await,
        "a full read still plans writes"
    );
}

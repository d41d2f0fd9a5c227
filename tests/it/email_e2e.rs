//! End to end: e-mails that cannot go on an account, with the real clients,
//! the engine and the SQLite store against both simulators. An address that
//! belongs to an account outside the district is left off once, kept as a
//! warning, and never sent again; an address a teacher shares with a
//! guardian stays with the teacher, who still teaches their sections.

// Set-up code outside `#[test]` functions: a failure there is a broken test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rostersync_core::entity::Entity;
use rostersync_core::model::sis::{Person, SisRole, SisSnapshot};
use rostersync_core::{MappingConfig, SyncScope};
use rostersync_engine::RunOptions;
use rostersync_ports::{
    OutcomeFilter, OutcomeStatus, RunStatus, SisRequest, SisSource, StateStore, Trigger,
};
use rostersync_sim::district::{DistrictSize, generate};
use rostersync_sim::schoology::{Counters, Seed, User};

use crate::sync_e2e::{Stage, sis, stage};

/// Write requests sent to the Schoology simulator, refused ones included.
fn write_requests(counters: &Counters) -> u64 {
    counters
        .requests
        .iter()
        .filter(|(route, _)| !route.starts_with("GET "))
        .map(|(_, n)| n)
        .sum()
}

/// The simulator's account carrying `key`.
fn account(stage: &Stage, key: &str) -> User {
    stage
        .sgy
        .state()
        .users
        .into_iter()
        .find(|u| u.school_uid.as_deref() == Some(key))
        .unwrap_or_else(|| panic!("no account for {key}"))
}

/// The roster as the eSchoolPLUS adapter reads it.
async fn roster(stage: &Stage) -> SisSnapshot {
    let mapping = MappingConfig::new(stage.district.mapping.clone()).unwrap();
    sis(&stage.esp, stage.esp.password())
        .snapshot(&SisRequest {
            schools: mapping.selection().users.clone(),
            school_year: stage.district.school_year,
        })
        .await
        .unwrap()
        .snapshot
}

/// The reasons of the warnings a run kept for `key`.
async fn warnings(stage: &Stage, run: Option<i64>, key: &str) -> Vec<String> {
    assert!(run.is_some(), "a sync is recorded");
    stage
        .store
        .outcomes(&OutcomeFilter {
            run,
            status: Some(OutcomeStatus::Warning),
            entity: Some(Entity::User),
        })
        .await
        .unwrap()
        .into_iter()
        .filter(|o| o.key == key)
        .filter_map(|o| o.reason)
        .collect()
}

/// Runs a sync of everything `minutes` after the stage's noon.
async fn run(stage: &Stage, minutes: i64) -> rostersync_engine::RunReport {
    stage
        .engine(true)
        .await
        .run(
            SyncScope::All,
            Trigger::Manual,
            RunOptions::at(stage.now() + chrono::Duration::minutes(minutes)),
        )
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_of_an_account_outside_the_district_is_left_off_once_and_never_sent_again() {
    let stage = stage(generate(DistrictSize::Tiny, 5, 2026)).await;
    let teacher = roster(&stage)
        .await
        .people
        .into_iter()
        .find(|p| p.role == SisRole::Teacher && p.email.is_some() && p.is_active())
        .unwrap();
    let key = teacher.key.to_string();
    let email = teacher.email.as_deref().unwrap().to_owned();
    stage.sgy.seed(Seed::ForeignEmail(email.clone()));

    let first = run(&stage, 0).await;
    assert_eq!(first.status, RunStatus::Succeeded, "{:#?}", first.failures);
    let made = account(&stage, &key);
    assert_eq!(made.primary_email, None, "created without the address");
    assert!(made.username.is_some(), "with a login all the same");
    let kept = warnings(&stage, first.run, &key).await;
    assert_eq!(kept.len(), 1, "{:#?}", first.warnings);
    assert!(
        kept[0].contains(&email) && kept[0].contains(&key),
        "{kept:?}"
    );
    // Counted with the run's other user warnings (names that came through
    // a lossy encoding, for one).
    assert_eq!(
        first.summary.entity(Entity::User).warnings,
        first
            .warnings
            .iter()
            .filter(|w| w.entity == Entity::User)
            .count() as u64
    );

    let before = stage.sgy.counters();
    let second = run(&stage, 5).await;
    let after = stage.sgy.counters();
    assert_eq!(
        write_requests(&after),
        write_requests(&before),
        "the second run sends no write for anyone: {:#?}",
        second.summary
    );
    assert_eq!(after.records_written, before.records_written);
    assert!(second.summary.writes_nothing(), "{:#?}", second.summary);
    let kept = warnings(&stage, second.run, &key).await;
    assert_eq!(
        kept.len(),
        1,
        "the run still says why the e-mail is missing"
    );
    assert!(kept[0].contains(&email), "{kept:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teacher_sharing_an_email_with_a_guardian_keeps_it_and_still_teaches() {
    let mut district = generate(DistrictSize::Tiny, 5, 2026);
    let teaching: Vec<_> = district
        .sis
        .sections
        .iter()
        .filter_map(|s| s.primary_teacher.clone())
        .collect();
    let teacher = district
        .sis
        .people
        .iter()
        .find(|p| teaching.contains(&p.key) && p.email.is_some() && p.is_active())
        .cloned()
        .unwrap();
    let email = teacher.email.clone().unwrap();
    let guardian = district
        .sis
        .people
        .iter_mut()
        .find(|p| p.role == SisRole::Guardian && p.email.is_some() && p.is_active())
        .unwrap();
    guardian.email = Some(email.clone());
    let stage = stage(district).await;
    let read = roster(&stage).await;
    let holders: Vec<&Person> = read
        .people
        .iter()
        .filter(|p| p.email.as_deref() == Some(email.as_str()))
        .collect();
    assert_eq!(holders.len(), 2, "the SIS serves the shared address twice");
    let guardian_key = holders
        .iter()
        .find(|p| p.role == SisRole::Guardian)
        .unwrap()
        .key
        .to_string();
    let teacher_key = teacher.key.to_string();

    let report = run(&stage, 0).await;
    assert_eq!(
        report.status,
        RunStatus::Succeeded,
        "{:#?}",
        report.failures
    );
    let teacher_account = account(&stage, &teacher_key);
    assert_eq!(
        teacher_account.primary_email.as_deref(),
        Some(email.as_str())
    );
    assert_eq!(account(&stage, &guardian_key).primary_email, None);
    for key in [&teacher_key, &guardian_key] {
        let kept = warnings(&stage, report.run, key).await;
        assert_eq!(kept.len(), 1, "{key}: {:#?}", report.warnings);
        assert!(kept[0].contains(email.as_str()), "{kept:?}");
    }

    // The teacher is a section admin of every synced section they teach.
    let state = stage.sgy.state();
    let taught: Vec<&str> = read
        .sections
        .iter()
        .filter(|s| {
            s.primary_teacher.as_ref() == Some(&teacher.key) || s.co_teachers.contains(&teacher.key)
        })
        .map(|s| s.key.as_str())
        .filter(|key| {
            state
                .sections
                .iter()
                .any(|s| s.section_school_code.as_deref() == Some(*key))
        })
        .collect();
    assert!(!taught.is_empty(), "the teacher has synced sections");
    for key in taught {
        let section = state
            .sections
            .iter()
            .find(|s| s.section_school_code.as_deref() == Some(key))
            .unwrap();
        assert!(
            state.enrollments.iter().any(|e| e.section_id == section.id
                && e.uid == teacher_account.id
                && e.admin
                && e.status == 1),
            "{teacher_key} teaches {key}"
        );
    }

    let before = write_requests(&stage.sgy.counters());
    run(&stage, 5).await;
    assert_eq!(write_requests(&stage.sgy.counters()), before);
}

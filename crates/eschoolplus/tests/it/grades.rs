//! Grade passback through upload definitions: verify, then run, then read back.

use chrono::NaiveDate;
use rostersync_core::ids::{PersonKey, SectionKey, TermKey};
use rostersync_core::model::grades::{GradeItem, GradeWrite, Score, ScoreStatus};
use rostersync_ports::{GradeSink, WriteResult};
use rostersync_sim::eschoolplus::{EspTables, RunMode};

use rostersync_eschoolplus::definitions as c;

use crate::support::{self, table, tables};

/// A section 5512 (session 1) of building 10 with a teacher's own
/// assignment, its categories, a marking period, and three students.
fn gradebook() -> EspTables {
    tables(vec![
        (
            "SCHD_MS",
            table(
                &[
                    "SECTION_KEY",
                    "SCHOOL_YEAR",
                    "SUMMER_SCHOOL",
                    "BUILDING",
                    "COURSE",
                    "COURSE_SECTION",
                    "DESCRIPTION",
                ],
                &[&["5512", "2026", "N", "10", "ENG9", "2", "English 9"]],
            ),
        ),
        (
            "SCHD_MS_SESSION",
            table(c::SESSIONS, &[&["5512", "1", "2", "2", "A101", "900", ""]]),
        ),
        (
            "MR_GB_ASMT",
            table(
                &[
                    "SECTION_KEY",
                    "COURSE_SESSION",
                    "ASMT_NUMBER",
                    "CATEGORY",
                    "ASSIGN_DATE",
                    "DUE_DATE",
                    "POINTS",
                    "WEIGHT",
                    "DESCRIPTION",
                    "DESC_DETAIL",
                ],
                &[&[
                    "5512",
                    "1",
                    "1",
                    "HW",
                    "",
                    "09/01/2025",
                    "10",
                    "1",
                    "Teacher's own quiz",
                    "Made in eSchoolPLUS",
                ]],
            ),
        ),
        (
            "MR_GB_CAT_SESSION",
            table(
                c::CATEGORIES,
                &[
                    &["5512", "1", "HW", "Q1", "40", "1"],
                    &["5512", "1", "HW", "Q2", "50", "0"],
                ],
            ),
        ),
        (
            "REG_MP_WEEKS",
            table(
                c::MP_WEEKS,
                &[&["10", "2026", "Q1", "1", "1", "1", "Quarter 1"]],
            ),
        ),
        (
            "REG_MP_DATES",
            table(
                c::MP_DATES,
                &[&["10", "2026", "STD", "Q1", "08/14/2025", "10/17/2025"]],
            ),
        ),
        (
            "REG",
            table(
                c::STUDENTS,
                &[
                    &["1001", "10", "09", "A", "A", "", "One", ""],
                    &["1002", "10", "09", "A", "B", "", "Two", ""],
                    &["1003", "10", "09", "A", "C", "", "Three", ""],
                ],
            ),
        ),
    ])
}

fn write() -> GradeWrite {
    GradeWrite {
        section: SectionKey::new("5512-1"),
        term: TermKey::new("10-2026-Q1"),
        items: vec![GradeItem {
            id: "sgy-777".to_owned(),
            title: "Essay | draft".to_owned(),
            description: Some("Two pages\r\nor more".to_owned()),
            due: NaiveDate::from_ymd_opt(2025, 9, 20),
            max_points: 20.0,
            category: Some("HW".to_owned()),
            factor: 1.0,
            grading_period: None,
        }],
        scores: vec![
            Score {
                item: "sgy-777".to_owned(),
                student: PersonKey::new("1001"),
                points: Some(17.5),
                status: ScoreStatus::Graded,
                comment: None,
            },
            Score {
                item: "sgy-777".to_owned(),
                student: PersonKey::new("1002"),
                points: None,
                status: ScoreStatus::Excused,
                comment: None,
            },
            Score {
                item: "sgy-777".to_owned(),
                student: PersonKey::new("1003"),
                points: None,
                status: ScoreStatus::Missing,
                comment: None,
            },
        ],
    }
}

#[tokio::test]
async fn grades_are_verified_then_run_and_a_repeat_updates_the_same_assignment() {
    let esp = support::start(gradebook()).await;
    let adapter = support::adapter(&esp);
    let section = SectionKey::new("5512-1");
    adapter
        .prepare(&[section.clone(), SectionKey::new("9999-1")])
        .await
        .unwrap();
    assert_eq!(
        adapter.section_school(&section).await.unwrap(),
        Some("10".into())
    );
    assert_eq!(
        adapter
            .section_school(&SectionKey::new("9999-1"))
            .await
            .unwrap(),
        None
    );

    let before = GradeSink::gradebook(&adapter, &section, &TermKey::new("10-2026-Q1"))
        .await
        .unwrap();
    assert_eq!(before.items.len(), 1);
    assert_eq!(before.items[0].id, "1");
    assert_eq!(before.categories.len(), 1);
    assert_eq!(before.categories[0].weight, Some(40.0));

    let outcomes = adapter.write(&write()).await.unwrap();
    assert_eq!(outcomes.len(), 4);
    assert_eq!(outcomes[0].key, "sgy-777");
    assert_eq!(
        outcomes[0].result,
        WriteResult::Done {
            id: Some("2".to_owned())
        }
    );
    for outcome in &outcomes[1..] {
        assert_eq!(
            outcome.result,
            WriteResult::Done { id: None },
            "{}",
            outcome.key
        );
    }
    let counters = esp.counters();
    assert_eq!((counters.upload_verifies, counters.upload_runs), (2, 2));
    let site = "0850";
    let asmt = esp.table(site, "MR_GB_ASMT").unwrap().records();
    let written = asmt.iter().find(|r| r["ASMT_NUMBER"] == "2").unwrap();
    assert_eq!(written["DESCRIPTION"], "Essay / draft");
    assert_eq!(
        written["DESC_DETAIL"],
        "Two pages  or more [rostersync:sgy-777]"
    );
    assert_eq!(written["DUE_DATE"], "09/20/2025");
    let scores: Vec<(String, String, String, String)> = esp
        .table(site, "MR_GB_STU_SCORE")
        .unwrap()
        .records()
        .into_iter()
        .map(|r| {
            (
                r["STUDENT_ID"].clone(),
                r["ASMT_SCORE"].clone(),
                r["ASMT_ALPHA_MARK"].clone(),
                r["ASMT_EXCEPTION"].clone(),
            )
        })
        .collect();
    let row = |s: &str, p: &str, a: &str, e: &str| {
        (s.to_owned(), p.to_owned(), a.to_owned(), e.to_owned())
    };
    assert_eq!(
        scores,
        [
            row("1001", "17.5", "", ""),
            row("1002", "", "", "EX"),
            row("1003", "", "M", "")
        ]
    );

    // The second write finds the item by its external id and keeps its number.
    let again = adapter.write(&write()).await.unwrap();
    assert_eq!(
        again[0].result,
        WriteResult::Done {
            id: Some("2".to_owned())
        }
    );
    let after = GradeSink::gradebook(&adapter, &section, &TermKey::new("10-2026-Q1"))
        .await
        .unwrap();
    let mut ids: Vec<&str> = after.items.iter().map(|i| i.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["1", "sgy-777"]);
    assert_eq!(after.scores.len(), 3);
    adapter.close().await;
    assert_eq!(
        esp.counters().logons,
        2,
        "one logon, and one after saving definitions"
    );
}

#[tokio::test]
async fn a_failed_verify_applies_nothing_but_a_failed_run_may_have_applied_something() {
    for (mode, applied) in [(RunMode::Verify, false), (RunMode::Run, true)] {
        let esp = support::builder(gradebook())
            .fail_uploads_of("MR_GB_ASMT", mode, "Upload of MR_GB_ASMT failed")
            .start()
            .await
            .unwrap();
        let adapter = support::adapter(&esp);
        let error = adapter.write(&write()).await.unwrap_err();
        assert_eq!(error.may_have_been_applied(), applied, "{mode:?}: {error}");
        assert!(
            error.to_string().contains("Upload of MR_GB_ASMT failed"),
            "{error}"
        );
        let counters = esp.counters();
        assert_eq!(
            counters.upload_verifies + counters.upload_runs,
            if applied { 2 } else { 1 }
        );
    }
}

#[tokio::test]
async fn an_upload_answered_503_is_not_repeated() {
    let esp = support::start(gradebook()).await;
    esp.faults().only_on("Utility/UploadFile");
    esp.faults().fail_next(1, 503);
    let adapter = support::adapter(&esp);
    let error = adapter.write(&write()).await.unwrap_err();
    assert!(error.to_string().contains("503"), "{error}");
    let counters = esp.counters();
    assert_eq!(
        counters.requests_to("Utility/UploadFile"),
        1,
        "{counters:#?}"
    );
    assert_eq!(counters.uploads, 0);
    assert_eq!(counters.upload_runs, 0, "nothing was run after the failure");
}

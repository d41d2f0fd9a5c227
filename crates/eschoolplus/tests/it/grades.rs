//! Grade passback through upload definitions: verify, then run, then read back.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rostersync_core::ids::{PersonKey, SectionKey, TermKey};
use rostersync_core::model::grades::{GradeItem, GradeWrite, Score, ScoreStatus};
use rostersync_eschoolplus::EspAdapter;
use rostersync_ports::{GradeSink, WriteResult};

use crate::support::{self, Config, FakeEsp, PASSWORD, file};

fn tables() -> BTreeMap<String, Vec<u8>> {
    let mut tables = BTreeMap::new();
    tables.insert(
        "MR_GB_ASMT".to_owned(),
        file(
            "SECTION_KEY|COURSE_SESSION|ASMT_NUMBER|CATEGORY|DUE_DATE|POINTS|WEIGHT|DESCRIPTION|DESC_DETAIL",
            &["5512|1|1|HW|09/01/2025|10|1|Teacher's own quiz|Made in eSchoolPLUS"],
        ),
    );
    tables.insert(
        "MR_GB_STU_SCORE".to_owned(),
        file(
            "SECTION_KEY|COURSE_SESSION|ASMT_NUMBER|STUDENT_ID|ASMT_SCORE|ASMT_ALPHA_MARK|ASMT_EXCEPTION",
            &[],
        ),
    );
    tables.insert(
        "MR_GB_CAT_SESSION".to_owned(),
        file(
            "CATEGORY|MARKING_PERIOD|CATEGORY_WEIGHT|DROP_LOWEST",
            &["HW|Q1|40|1", "HW|Q2|50|0"],
        ),
    );
    tables.insert(
        "REG_MP_WEEKS".to_owned(),
        file(
            "BUILDING|SCHOOL_YEAR|MARKING_PERIOD|MP_ORDER|TERM|RC_RUN|DESCRIPTION",
            &["10|2026|Q1|1|1|1|Quarter 1"],
        ),
    );
    tables.insert(
        "REG_MP_DATES".to_owned(),
        file(
            "BUILDING|SCHOOL_YEAR|TRACK|MARKING_PERIOD|START_DATE|END_DATE",
            &["10|2026|STD|Q1|08/14/2025|10/17/2025"],
        ),
    );
    tables
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
    let esp = FakeEsp::start(Config::default(), tables()).await;
    let adapter = EspAdapter::new(esp.credentials("0850", PASSWORD), support::options());

    let before = GradeSink::gradebook(
        &adapter,
        &SectionKey::new("5512-1"),
        &TermKey::new("10-2026-Q1"),
    )
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
    {
        let state = esp.state();
        let runs: Vec<(&str, &str)> = state
            .upload_runs
            .iter()
            .map(|(id, mode)| (id.as_str(), mode.as_str()))
            .collect();
        assert_eq!(
            runs,
            [
                ("RSGBA", "V"),
                ("RSGBA", "R"),
                ("RSGBS", "V"),
                ("RSGBS", "R")
            ]
        );
        let uploaded = String::from_utf8_lossy(&state.uploads["RSGBA_mr_gb_asmt.txt"]).into_owned();
        assert!(
            uploaded.contains(
                "5512|1|2|HW|09/20/2025|20|1|Essay / draft|Two pages  or more [rostersync:sgy-777]"
            ),
            "{uploaded}"
        );
        let scores =
            String::from_utf8_lossy(&state.uploads["RSGBS_mr_gb_stu_score.txt"]).into_owned();
        assert!(scores.contains("5512|1|2|1001|17.5||\r\n"), "{scores}");
        assert!(scores.contains("5512|1|2|1002|||EX\r\n"), "{scores}");
        assert!(scores.contains("5512|1|2|1003||M|\r\n"), "{scores}");
    }

    // The second write finds the item by its external id and keeps its number.
    let again = adapter.write(&write()).await.unwrap();
    assert_eq!(
        again[0].result,
        WriteResult::Done {
            id: Some("2".to_owned())
        }
    );
    let after = GradeSink::gradebook(
        &adapter,
        &SectionKey::new("5512-1"),
        &TermKey::new("10-2026-Q1"),
    )
    .await
    .unwrap();
    let ids: Vec<&str> = after.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["sgy-777"]);
    assert_eq!(after.scores.len(), 3);
}

#[tokio::test]
async fn a_failed_verify_applies_nothing_but_a_failed_run_may_have_applied_something() {
    for (mode, applied) in [("V", false), ("R", true)] {
        let config = Config {
            fail_upload: Some(("MR_GB_ASMT".to_owned(), mode.to_owned())),
            ..Config::default()
        };
        let esp = FakeEsp::start(config, tables()).await;
        let adapter = EspAdapter::new(esp.credentials("0850", PASSWORD), support::options());
        let error = adapter.write(&write()).await.unwrap_err();
        assert_eq!(error.may_have_been_applied(), applied, "{mode}: {error}");
        assert!(
            error.to_string().contains("Upload of MR_GB_ASMT failed"),
            "{error}"
        );
        let runs = esp.state().upload_runs.len();
        assert_eq!(runs, if applied { 2 } else { 1 });
    }
}

//! `grades check|sync` against both simulators: after a sync, a teacher's
//! Schoology grades for one section go to the eSchoolPLUS gradebook once.

use std::path::Path;

use rostersync_sim::schoology::{Assignment, Grade, GradingCategory, RunningSchoology};
use tokio::runtime::Runtime;

use crate::flow::{Admin, configure, map_everything, start};
use crate::{ESP_PASSWORD, code, stderr, stdout};

#[test]
fn grades_are_checked_then_passed_back_once() {
    let runtime = Runtime::new().unwrap();
    let sims = start(&runtime);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &sims);
    let mut admin = Admin {
        dir: dir.path(),
        secret: sims.lms.admin_credentials().secret.clone(),
        password: ESP_PASSWORD.to_owned(),
        seen: Vec::new(),
    };
    map_everything(&mut admin, &sims);
    admin.ok(&["sync", "all"]);

    // Not configured yet: said plainly.
    let unconfigured = admin.run(&["grades", "check", "--section", "x"]);
    assert_ne!(code(&unconfigured), 0);
    assert!(
        stderr(&unconfigured).contains("[grades]"),
        "{}",
        stderr(&unconfigured)
    );

    let key = seed_two_scores(
        &sims.lms,
        &dir.path().join("rostersync.toml"),
        SettingsFor::Section,
    );

    // Settings given for this section only: another section has none.
    let unsettled = admin.run(&["grades", "check", "--section", "no-such-section"]);
    assert_ne!(code(&unsettled), 0);
    assert!(
        stderr(&unsettled).contains("has no grade settings"),
        "{}",
        stderr(&unsettled)
    );

    let check = admin.ok(&["grades", "check", "--section", &key]);
    assert!(
        check.contains("1 item(s) and 2 score(s) to write"),
        "{check}"
    );
    let site = sims.esp.site_code().to_owned();
    let rows = |table: &str| sims.esp.table(&site, table).map_or(0, |t| t.rows.len());
    assert_eq!(rows("MR_GB_STU_SCORE"), 0, "a check writes nothing");

    let sync = admin.ok(&["grades", "sync", "--section", &key]);
    assert!(sync.contains("3 written"), "{sync}");
    assert_eq!((rows("MR_GB_ASMT"), rows("MR_GB_STU_SCORE")), (1, 2));
    let again = admin.ok(&["grades", "sync", "--section", &key]);
    assert!(
        again.contains("0 item(s) and 0 score(s) to write"),
        "{again}"
    );

    // Another teacher is refused.
    let other = admin.run(&["grades", "sync", "--section", &key, "--teacher", "999999"]);
    assert_ne!(code(&other), 0);
    assert!(
        stderr(&other).contains("not a section admin"),
        "{}",
        stderr(&other)
    );
    assert!(stdout(&other).is_empty() || !stdout(&other).contains("written"));
    admin.assert_no_secret();
}

/// Whose grade settings [`seed_two_scores`] writes.
pub(crate) enum SettingsFor {
    /// `[grades_by_section."SECTION"]`.
    Section,
    /// `[grades_by_course."COURSE"]`, the section's course.
    Course,
}

/// Seeds one section's Schoology gradebook (a category, an assignment of 10
/// points, scores 7 and 9 of two students) and writes grade settings for
/// that section or its course into the configuration at `path`; returns the
/// section's key.
pub(crate) fn seed_two_scores(lms: &RunningSchoology, path: &Path, by: SettingsFor) -> String {
    // A section with students, and a teacher's gradebook in it.
    let state = lms.state();
    let section = state
        .sections
        .iter()
        .find(|s| {
            state
                .enrollments
                .iter()
                .filter(|e| e.section_id == s.id && !e.admin)
                .count()
                >= 2
        })
        .unwrap()
        .clone();
    let key = section.section_school_code.clone().unwrap();
    let category = lms.seed(GradingCategory {
        id: 0,
        section_id: section.id,
        title: "Homework".into(),
        weight: Some(100.0),
        drop_lowest: 0,
        calculation_type: 1,
    });
    let period = section.grading_periods[0];
    let assignment = lms.seed(Assignment {
        id: 0,
        section_id: section.id,
        title: "Essay".into(),
        description: None,
        due: None,
        max_points: 10.0,
        factor: 1.0,
        grading_category: category,
        grading_period: period,
        is_final: false,
    });
    for (enrollment, points) in state
        .enrollments
        .iter()
        .filter(|e| e.section_id == section.id && !e.admin)
        .take(2)
        .zip([7.0, 9.0])
    {
        lms.seed(Grade {
            enrollment_id: enrollment.id,
            assignment_id: assignment,
            grade: Some(points),
            exception: 0,
            comment: String::new(),
            timestamp: 0,
        });
    }
    let table = match by {
        SettingsFor::Section => format!("grades_by_section.\"{key}\""),
        SettingsFor::Course => {
            let course = state
                .courses
                .iter()
                .find(|c| c.id == section.course_id)
                .unwrap();
            format!("grades_by_course.\"{}\"", course.course_code)
        }
    };
    let text = std::fs::read_to_string(path).unwrap();
    std::fs::write(
        path,
        format!(
            "{text}\n[{table}]\ncategories = {{ \"{category}\" = \"HW\" }}\nsis_categories = [{{ code = \"HW\", weight = 100.0, drop_lowest = 0 }}]\n\
             missing = {{ alpha_mark = \"M\" }}\nincomplete_mark = \"I\"\nexcused_exception = \"EX\"\n\
             rounding = {{ mode = \"half_up\", decimals = 0 }}\nscale = [[90.0, \"A\"], [0.0, \"F\"]]\n\
             averaging = \"total_points\"\ntolerance = 100.0\nmax_title_len = 30\n"
        ),
    )
    .unwrap();

    key
}

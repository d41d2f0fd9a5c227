//! `grades check|sync` against both simulators: after a sync, a teacher's
//! Schoology grades for one section go to the eSchoolPLUS gradebook once.

use std::path::Path;

use rostersync_sim::schoology::{
    Assignment, Enrollment, Grade, GradingCategory, RunningSchoology, State,
};
use tokio::runtime::Runtime;

use crate::flow::{Admin, configure, map_everything, start};
use crate::{code, stderr, stdout};

#[test]
fn grades_are_checked_then_passed_back_once() {
    let runtime = Runtime::new().unwrap();
    let sims = start(&runtime);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &sims);
    let mut admin = Admin::of(dir.path(), &sims);
    map_everything(&mut admin, &sims);
    admin.ok(&["sync", "all"]);

    // Not configured yet: said plainly.
    let unconfigured = admin.run(&["grades", "check", "--section", "x"]);
    assert_eq!(code(&unconfigured), 2, "a configuration problem");
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
    assert_eq!(code(&unsettled), 2, "a configuration problem");
    assert!(
        stderr(&unsettled).contains("has no grade settings"),
        "{}",
        stderr(&unsettled)
    );

    // Neither a section nor a teacher: a usage problem.
    let unnamed = admin.run(&["grades", "check"]);
    assert_eq!(code(&unnamed), 2, "{}", stderr(&unnamed));
    assert!(
        stderr(&unnamed).contains("say which section"),
        "{}",
        stderr(&unnamed)
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

/// A passback's eSchoolPLUS requests, counted by the simulator: one logon
/// per command, each definition saved once (only by the first passback),
/// one gradebook read for all of a teacher's sections and one after each
/// section that wrote. The figures are in docs/benchmarks.md.
#[test]
fn a_passback_logs_on_once_and_reads_the_gradebooks_once() {
    let runtime = Runtime::new().unwrap();
    let sims = start(&runtime);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &sims);
    let mut admin = Admin::of(dir.path(), &sims);
    map_everything(&mut admin, &sims);
    admin.ok(&["sync", "all"]);
    // A teacher with two sections of two students or more, both graded.
    let state = sims.lms.state();
    let graded = |id: &u64| students_of(&state, *id).len() >= 2;
    let (teacher, theirs) = state
        .enrollments
        .iter()
        .filter(|e| e.admin)
        .map(|e| {
            let theirs: Vec<u64> = state
                .enrollments
                .iter()
                .filter(|t| t.uid == e.uid && t.admin)
                .map(|t| t.section_id)
                .filter(graded)
                .collect();
            (e.uid, theirs)
        })
        .find(|(_, theirs)| theirs.len() >= 2)
        .unwrap();
    let categories = [
        seed_gradebook(&sims.lms, theirs[0]),
        seed_gradebook(&sims.lms, theirs[1]),
    ];
    write_settings(&dir.path().join("rostersync.toml"), "grades", &categories);
    let key = state
        .sections
        .iter()
        .find(|s| s.id == theirs[0])
        .and_then(|s| s.section_school_code.clone())
        .unwrap();

    let measure = |admin: &mut Admin<'_>, args: &[&str]| {
        let before = sims.esp.counters();
        let output = admin.ok(args);
        (output, sims.esp.counters().since(&before))
    };
    let requests = |c: &rostersync_sim::eschoolplus::EspCounters, path: &str| c.requests_to(path);

    // The first passback ever saves the gradebook definitions, then logs on again.
    let (first, one) = measure(&mut admin, &["grades", "sync", "--section", &key]);
    assert!(first.contains("3 written"), "{first}");
    assert_eq!((one.logons, one.logoffs), (2, 2), "{one:?}");
    // The gradebook read and the two uploads (the terms were read when mapping).
    assert_eq!(one.definitions_saved, 3, "{one:?}");
    // Catalogue, gradebook, terms, and the read-back after the write.
    assert_eq!(requests(&one, "Utility/RunDownload"), 4, "{one:?}");
    assert_eq!(requests(&one, "Utility/RunUpload"), 4, "{one:?}");

    // Again, nothing to write: one logon, no save, three reads.
    let (again, steady) = measure(&mut admin, &["grades", "sync", "--section", &key]);
    assert!(
        again.contains("0 item(s) and 0 score(s) to write"),
        "{again}"
    );
    assert_eq!(
        (steady.logons, steady.definitions_saved),
        (1, 0),
        "{steady:?}"
    );
    assert_eq!(requests(&steady, "Utility/RunDownload"), 3, "{steady:?}");
    assert_eq!(requests(&steady, "Utility/RunUpload"), 0);

    // Every section of the teacher: one logon, and the gradebook definition
    // saved once for all of them (its content names the sections).
    let teacher = teacher.to_string();
    let (all, many) = measure(&mut admin, &["grades", "sync", "--teacher", &teacher]);
    assert!(all.contains("3 written"), "the other section: {all}");
    assert_eq!(many.logons, 2, "one, and one after saving: {many:?}");
    assert_eq!(many.definitions_saved, 1, "{many:?}");
    // Catalogue, one gradebook read for all sections, terms, one read-back.
    assert_eq!(requests(&many, "Utility/RunDownload"), 4, "{many:?}");
    assert_eq!(requests(&many, "Utility/RunUpload"), 4, "{many:?}");
    let (_, repeat) = measure(&mut admin, &["grades", "sync", "--teacher", &teacher]);
    assert_eq!(
        (repeat.logons, repeat.definitions_saved),
        (1, 0),
        "{repeat:?}"
    );
    assert_eq!(requests(&repeat, "Utility/RunDownload"), 3, "{repeat:?}");
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
        .find(|s| students_of(&state, s.id).len() >= 2)
        .unwrap()
        .clone();
    let key = section.section_school_code.clone().unwrap();
    let category = seed_gradebook(lms, section.id);
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
    write_settings(path, &table, &[category]);
    key
}

/// The enrollments of the students (not the admins) of a section.
fn students_of(state: &State, section: u64) -> Vec<&Enrollment> {
    state
        .enrollments
        .iter()
        .filter(|e| e.section_id == section && !e.admin)
        .collect()
}

/// Seeds a section's gradebook: a category, an assignment of 10 points in
/// the section's first grading period, scores 7 and 9 of its first two
/// students. Returns the category's id.
fn seed_gradebook(lms: &RunningSchoology, section: u64) -> u64 {
    let state = lms.state();
    let period = state
        .sections
        .iter()
        .find(|s| s.id == section)
        .unwrap()
        .grading_periods[0];
    let category = lms.seed(GradingCategory {
        id: 0,
        section_id: section,
        title: "Homework".into(),
        weight: Some(100.0),
        drop_lowest: 0,
        calculation_type: 1,
    });
    let assignment = lms.seed(Assignment {
        id: 0,
        section_id: section,
        title: "Essay".into(),
        description: None,
        due: None,
        max_points: 10.0,
        factor: 1.0,
        grading_category: category,
        grading_period: period,
        is_final: false,
    });
    for (enrollment, points) in students_of(&state, section)
        .into_iter()
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
    category
}

/// Appends grade settings under `[table]` mapping Schoology grading
/// categories `categories` to the SIS category `HW`.
fn write_settings(path: &Path, table: &str, categories: &[u64]) {
    let text = std::fs::read_to_string(path).unwrap();
    let categories: Vec<String> = categories
        .iter()
        .map(|id| format!("\"{id}\" = \"HW\""))
        .collect();
    let categories = categories.join(", ");
    std::fs::write(
        path,
        format!(
            "{text}\n[{table}]\ncategories = {{ {categories} }}\nsis_categories = [{{ code = \"HW\", weight = 100.0, drop_lowest = 0 }}]\n\
             missing = {{ alpha_mark = \"M\" }}\nincomplete_mark = \"I\"\nexcused_exception = \"EX\"\n\
             rounding = {{ mode = \"half_up\", decimals = 0 }}\nscale = [[90.0, \"A\"], [0.0, \"F\"]]\n\
             averaging = \"total_points\"\ntolerance = 0.5\nmax_title_len = 30\n"
        ),
    )
    .unwrap();
}

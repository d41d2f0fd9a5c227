//! Matching courses and sections.

use super::super::{ConflictReason, MatchMethod, MatchOutcome, MatchReport, match_records};
use super::{
    Links, course, link, lms_course, lms_section, mapping, matched_course, matched_section,
    outcome, section,
};
use crate::model::lms::{LmsCourse, LmsSection, LmsSnapshot};
use crate::model::sis::{Course, Section, SisSnapshot};

fn report(
    courses: Vec<Course>,
    lms_courses: Vec<LmsCourse>,
    sections: Vec<Section>,
    lms_sections: Vec<LmsSection>,
    links: &Links,
) -> MatchReport {
    let sis = SisSnapshot {
        courses,
        sections,
        ..SisSnapshot::default()
    };
    let lms = LmsSnapshot {
        courses: lms_courses,
        sections: lms_sections,
        ..LmsSnapshot::default()
    };
    match_records(&sis, &lms, links, &mapping())
}

#[test]
fn courses_match_by_unique_code_then_code_then_title() {
    let report = report(
        vec![
            course("101-ENG9", "101", "ENG9", "English 9"),
            course("101-ALG1", "101", "ALG1", "Algebra I"),
            course("101-BIO", "101", "BIO", "Biology"),
            course("101-ART", "101", "ART", "Art"),
        ],
        vec![
            lms_course("c1", "101-ENG9", "B2", "Anything"),
            lms_course("c2", "alg1", "B1", "Algebra 1"),
            lms_course("c3", "BIO-OLD", "B1", "  BIOLOGY "),
            lms_course("c4", "ART", "B2", "Art"),
        ],
        Vec::new(),
        Vec::new(),
        &Links::default(),
    );
    let courses = &report.courses;
    assert_eq!(
        outcome(courses, "101-ENG9"),
        &matched_course("c1", MatchMethod::UniqueId)
    );
    assert_eq!(
        outcome(courses, "101-ALG1"),
        &matched_course("c2", MatchMethod::Code)
    );
    assert_eq!(
        outcome(courses, "101-BIO"),
        &matched_course("c3", MatchMethod::Title),
        "a hand-made code is not another record's key"
    );
    assert_eq!(
        outcome(courses, "101-ART"),
        &MatchOutcome::Unmatched,
        "code and title only match within the building"
    );
}

#[test]
fn unique_code_prefers_the_course_building() {
    let report = report(
        vec![course("ENG9", "101", "ENG9", "English 9")],
        vec![
            lms_course("c1", "ENG9", "B2", "English 9"),
            lms_course("c2", "ENG9", "B1", "English 9"),
        ],
        Vec::new(),
        Vec::new(),
        &Links::default(),
    );
    assert_eq!(
        outcome(&report.courses, "ENG9"),
        &matched_course("c2", MatchMethod::UniqueId)
    );
}

#[test]
fn a_course_whose_code_is_another_sis_key_is_conflicting() {
    let report = report(
        vec![
            course("101-ENG9", "101", "ENG9", "English 9"),
            course("103-ENG9", "103", "ENG9", "English 9"),
        ],
        vec![lms_course("c1", "103-ENG9", "B1", "English 9")],
        Vec::new(),
        Vec::new(),
        &Links::default(),
    );
    assert_eq!(
        outcome(&report.courses, "101-ENG9"),
        &MatchOutcome::Conflicting {
            lms_id: "c1".into(),
            how: MatchMethod::Title,
            reason: ConflictReason::OtherKey {
                key: "103-ENG9".into()
            },
        }
    );
    assert_eq!(report.courses.len(), 1, "school 103 is not selected");
}

#[test]
fn sections_match_by_unique_code_then_code_then_title() {
    let mut links = Links::default();
    links.courses.insert("101-ENG9".into(), link("c1"));
    let report = report(
        vec![
            course("101-ENG9", "101", "ENG9", "English 9"),
            course("101-ALG1", "101", "ALG1", "Algebra I"),
        ],
        vec![
            lms_course("c1", "101-ENG9", "B1", "English 9"),
            lms_course("c2", "ALG1", "B1", "Algebra I"),
        ],
        vec![
            section("X1", "101-ENG9", "101", "ENG9-01", "English 9 - P1"),
            section("X2", "101-ENG9", "101", "ENG9-02", "English 9 - P2"),
            section("X3", "101-ALG1", "101", "ALG1-01", "Algebra I - P3"),
            section("X4", "101-ALG1", "101", "ALG1-04", "Algebra I - P4"),
        ],
        vec![
            lms_section("s1", "c9", Some("X1"), "", "Whatever"),
            lms_section("s2", "c1", None, "eng9-02", "Period 2"),
            lms_section("s3", "c2", None, "", "algebra i -  p3"),
            lms_section("s4", "c1", None, "ALG1-04", "Algebra I - P4"),
        ],
        &links,
    );
    let sections = &report.sections;
    assert_eq!(
        outcome(sections, "X1"),
        &matched_section("s1", MatchMethod::UniqueId)
    );
    assert_eq!(
        outcome(sections, "X2"),
        &matched_section("s2", MatchMethod::Code),
        "within the linked course"
    );
    assert_eq!(
        outcome(sections, "X3"),
        &matched_section("s3", MatchMethod::Title),
        "within the course matched in this report"
    );
    assert_eq!(
        outcome(sections, "X4"),
        &MatchOutcome::Unmatched,
        "a section of another course is not a candidate"
    );
}

#[test]
fn sections_of_an_unmatched_course_match_by_unique_code_only() {
    let report = report(
        vec![course("101-ENG9", "101", "ENG9", "English 9")],
        vec![lms_course("c1", "X", "B2", "Other")],
        vec![section(
            "X1",
            "101-ENG9",
            "101",
            "ENG9-01",
            "English 9 - P1",
        )],
        vec![lms_section(
            "s1",
            "c1",
            Some("OTHER"),
            "ENG9-01",
            "English 9 - P1",
        )],
        &Links::default(),
    );
    assert_eq!(outcome(&report.sections, "X1"), &MatchOutcome::Unmatched);
}

#[test]
fn a_section_carrying_another_code_is_conflicting() {
    let mut links = Links::default();
    links.courses.insert("101-ENG9".into(), link("c1"));
    let report = report(
        Vec::new(),
        Vec::new(),
        vec![section(
            "X1",
            "101-ENG9",
            "101",
            "ENG9-01",
            "English 9 - P1",
        )],
        vec![lms_section("s1", "c1", Some("X7"), "ENG9-01", "P1")],
        &links,
    );
    assert_eq!(
        outcome(&report.sections, "X1"),
        &MatchOutcome::Conflicting {
            lms_id: "s1".into(),
            how: MatchMethod::Code,
            reason: ConflictReason::OtherKey { key: "X7".into() },
        }
    );
}

#[test]
fn linked_courses_and_sections_are_reported_and_not_reused() {
    let mut links = Links::default();
    links.courses.insert("101-OLD".into(), link("c1"));
    links.sections.insert("X0".into(), link("s1"));
    let report = report(
        vec![
            course("101-OLD", "101", "OLD", "Old"),
            course("101-ENG9", "101", "ENG9", "English 9"),
        ],
        vec![lms_course("c1", "ENG9", "B1", "English 9")],
        vec![section("X1", "101-OLD", "101", "P1", "P1")],
        vec![lms_section("s1", "c1", Some("X1"), "P1", "P1")],
        &links,
    );
    assert_eq!(
        outcome(&report.courses, "101-OLD"),
        &MatchOutcome::AlreadyLinked {
            lms_id: "c1".into()
        }
    );
    assert_eq!(
        outcome(&report.courses, "101-ENG9"),
        &MatchOutcome::Unmatched
    );
    assert_eq!(outcome(&report.sections, "X1"), &MatchOutcome::Unmatched);
}

#[test]
fn unselected_and_unmapped_schools_are_left_out() {
    let report = report(
        vec![
            course("103-A", "103", "A", "A"),
            course("999-A", "999", "A", "A"),
        ],
        Vec::new(),
        vec![
            section("X103", "103-A", "103", "A", "A"),
            section("X999", "999-A", "999", "A", "A"),
        ],
        Vec::new(),
        &Links::default(),
    );
    assert!(report.is_empty());
}

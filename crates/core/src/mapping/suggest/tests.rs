//! Tests of the suggested school and term pairs.

use chrono::NaiveDate;

use super::*;
use crate::mapping::TermTarget;

fn school(key: &str, name: &str, code: Option<&str>) -> School {
    School {
        key: key.into(),
        name: name.to_owned(),
        code: code.map(str::to_owned),
    }
}

fn building(id: &str, title: &str, code: Option<&str>) -> LmsBuilding {
    LmsBuilding {
        id: id.into(),
        title: title.to_owned(),
        code: code.map(str::to_owned),
    }
}

fn day(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, month, day).unwrap()
}

fn term(key: &str, school: &str, title: &str, start: NaiveDate, end: NaiveDate) -> Term {
    Term {
        key: key.into(),
        school: school.into(),
        school_year: 2026,
        title: title.to_owned(),
        start,
        end,
        parent: None,
    }
}

fn period(id: &str, title: &str, start: NaiveDate, end: NaiveDate) -> LmsGradingPeriod {
    LmsGradingPeriod {
        id: id.into(),
        title: title.to_owned(),
        start,
        end,
    }
}

fn outcome_of<'a>(
    suggestions: &'a [SchoolSuggestion],
    key: &str,
) -> &'a Outcome<BuildingId, SchoolKey> {
    &suggestions
        .iter()
        .find(|s| s.sis.as_str() == key)
        .unwrap()
        .outcome
}

#[test]
fn names_that_differ_in_case_spacing_and_punctuation_are_the_same_name() {
    let schools = [school("1", "St. Mary's  High", None)];
    let buildings = [
        building("9001", "ST MARYS HIGH", None),
        building("9002", "Lincoln", None),
    ];
    let suggestions = suggest_schools(&schools, &buildings, &MappingSpec::default());
    assert_eq!(suggestions.len(), 1);
    let only = &suggestions[0];
    assert_eq!(only.candidates.len(), 1);
    assert_eq!(only.candidates[0].reason, Reason::SameName);
    assert_eq!(only.candidates[0].confidence, Confidence::High);
    assert_eq!(only.to_apply(), Some(&BuildingId::new("9001")));
}

#[test]
fn codes_initials_and_generic_words_are_reasons_too() {
    let schools = [
        school("1", "Roosevelt Middle", Some("rms")),
        school("2", "Lake Hills Elementary", Some("LHE")),
        school("3", "Jefferson High School", None),
    ];
    let buildings = [
        building("9001", "Roosevelt MS (new wing)", Some("RMS")),
        building("9002", "LHE Campus", Some("lhe-9")),
        building("9003", "Jefferson High", None),
    ];
    let suggestions = suggest_schools(&schools, &buildings, &MappingSpec::default());
    let reason = |key: &str| {
        let s = suggestions.iter().find(|s| s.sis.as_str() == key).unwrap();
        (s.candidates[0].reason, s.to_apply().cloned())
    };
    assert_eq!(reason("1"), (Reason::SameCode, Some("9001".into())));
    // Building code "lhe9" is not the initials, but the building's title is
    // not "Lake Hills Elementary" either: the SIS code names its initials.
    let lake = suggestions.iter().find(|s| s.sis.as_str() == "2").unwrap();
    assert!(lake.candidates.is_empty(), "{lake:?}");
    assert_eq!(reason("3"), (Reason::SimilarName, Some("9003".into())));
}

#[test]
fn a_code_that_is_the_other_names_initials_is_medium() {
    let schools = [school("1", "Lincoln High School", None)];
    let buildings = [building("9001", "Main campus", Some("LHS"))];
    let suggestions = suggest_schools(&schools, &buildings, &MappingSpec::default());
    assert_eq!(suggestions[0].candidates[0].reason, Reason::Initials);
    assert_eq!(suggestions[0].candidates[0].confidence, Confidence::Medium);
    assert_eq!(suggestions[0].to_apply(), Some(&BuildingId::new("9001")));
}

#[test]
fn a_renamed_school_two_candidates_and_none_are_not_applied() {
    let schools = [
        school("1", "Washington Elementary", None),
        school("2", "Central High", None),
        school("3", "Oak Park Academy", None),
    ];
    let buildings = [
        building("9001", "George Washington Elementary", None),
        building("9002", "Central High", None),
        building("9003", "central high", None),
    ];
    let suggestions = suggest_schools(&schools, &buildings, &MappingSpec::default());
    assert_eq!(outcome_of(&suggestions, "1"), &Outcome::NoCandidate);
    assert_eq!(outcome_of(&suggestions, "2"), &Outcome::Ambiguous);
    assert_eq!(
        suggestions[1]
            .candidates
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>(),
        ["9002", "9003"]
    );
    assert_eq!(outcome_of(&suggestions, "3"), &Outcome::NoCandidate);
}

#[test]
fn a_building_already_mapped_or_wanted_twice_is_not_given() {
    let schools = [
        school("1", "North", None),
        school("2", "North", None),
        school("3", "South", None),
        school("4", "South", None),
        school("5", "East", None),
    ];
    let buildings = [
        building("9001", "North", None),
        building("9002", "South", None),
        building("9003", "East", None),
    ];
    let mut spec = MappingSpec::default();
    spec.schools.insert("1".into(), "9001".into());
    let suggestions = suggest_schools(&schools, &buildings, &spec);
    assert!(
        suggestions.iter().all(|s| s.sis.as_str() != "1"),
        "a mapped school gets no suggestion"
    );
    assert_eq!(
        outcome_of(&suggestions, "2"),
        &Outcome::Taken { by: "1".into() }
    );
    assert_eq!(
        outcome_of(&suggestions, "3"),
        &Outcome::Contested {
            with: vec!["4".into()]
        }
    );
    assert_eq!(
        outcome_of(&suggestions, "5"),
        &Outcome::Apply { id: "9003".into() }
    );
}

#[test]
fn terms_match_periods_by_dates_and_title() {
    let (s1, s1_end, s2, end) = (day(1, 5), day(5, 20), day(5, 21), day(6, 30));
    let terms = [
        term("T1", "1", "Semester 1", s1, s1_end),
        term("T2", "1", "S2", s2, end),
        term("T3", "1", "Q9", day(2, 1), day(2, 2)),
        term("T4", "1", "Year", s1, end),
        term("T5", "2", "Semester 1", s1, s1_end),
        term("T6", "1", "Summer", day(7, 1), day(7, 31)),
    ];
    let periods = [
        period("7101", "semester 1", s1, s1_end),
        period("7102", "Second semester", s2, end),
        period("7103", "Q9", day(3, 1), day(3, 2)),
        period("7104", "Year A", s1, end),
        period("7105", "Year B", s1, end),
    ];
    let mut spec = MappingSpec::default();
    spec.schools.insert("1".into(), "9001".into());
    spec.terms.insert("T6".into(), TermTarget::Create);
    let suggestions = suggest_terms(&terms, &periods, &spec);
    let keys: Vec<&str> = suggestions.iter().map(|s| s.sis.as_str()).collect();
    assert_eq!(
        keys,
        ["T1", "T2", "T3", "T4"],
        "only unmapped terms of mapped schools"
    );
    assert_eq!(
        suggestions[0].candidates[0].reason,
        Reason::SameDatesAndTitle
    );
    assert_eq!(
        suggestions[0].to_apply(),
        Some(&GradingPeriodId::new("7101"))
    );
    assert_eq!(suggestions[1].candidates[0].reason, Reason::SameDates);
    assert_eq!(
        suggestions[1].to_apply(),
        Some(&GradingPeriodId::new("7102"))
    );
    assert_eq!(suggestions[2].candidates[0].reason, Reason::SameTitle);
    assert_eq!(suggestions[2].outcome, Outcome::Unsure);
    assert_eq!(suggestions[3].outcome, Outcome::Ambiguous);
}

#[test]
fn a_title_match_breaks_a_tie_of_dates() {
    let (start, end) = (day(1, 5), day(6, 30));
    let terms = [term("T1", "1", "Year B", start, end)];
    let periods = [
        period("7104", "Year A", start, end),
        period("7105", "Year B", start, end),
    ];
    let mut spec = MappingSpec::default();
    spec.schools.insert("1".into(), "9001".into());
    let suggestions = suggest_terms(&terms, &periods, &spec);
    assert_eq!(
        suggestions[0].to_apply(),
        Some(&GradingPeriodId::new("7105"))
    );
}

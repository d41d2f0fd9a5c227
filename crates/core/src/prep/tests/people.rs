//! Matching people: each method, ambiguity, conflicts, links and scope.

use super::super::{ConflictReason, MAX_CANDIDATES, MatchMethod, MatchOutcome, render_text};
use super::{
    Links, link, matched_user, outcome, people_report, person, user, with_email, with_uid,
};
use crate::ids::UserId;
use crate::model::sis::{PersonStatus, SisRole};

#[test]
fn matches_by_unique_id_after_trimming() {
    let report = people_report(
        vec![person("S1", "Ann", "Lee")],
        vec![with_uid(user("u1", "Other", "Name", "B2"), " S1 ")],
        &Links::default(),
    );
    assert_eq!(
        outcome(&report.users, "S1"),
        &matched_user("u1", MatchMethod::UniqueId)
    );
}

#[test]
fn unique_id_is_case_sensitive() {
    let report = people_report(
        vec![person("S1", "Ann", "Lee")],
        vec![with_uid(user("u1", "Other", "Name", "B1"), "s1")],
        &Links::default(),
    );
    assert_eq!(outcome(&report.users, "S1"), &MatchOutcome::Unmatched);
}

#[test]
fn unique_id_beats_email() {
    let mut ann = person("S1", "Ann", "Lee");
    ann.email = Some("ann@example.org".into());
    let report = people_report(
        vec![ann],
        vec![
            with_email(user("u1", "Ann", "Lee", "B1"), "ann@example.org"),
            with_uid(user("u2", "Ann", "Lee", "B1"), "S1"),
        ],
        &Links::default(),
    );
    assert_eq!(
        outcome(&report.users, "S1"),
        &matched_user("u2", MatchMethod::UniqueId)
    );
}

#[test]
fn matches_by_email_ignoring_case_and_spaces() {
    let mut ann = person("S1", "Ann", "Lee");
    ann.email = Some(" Ann.Lee@Example.ORG".into());
    let report = people_report(
        vec![ann],
        vec![with_email(
            user("u1", "Someone", "Else", "B2"),
            "ann.lee@example.org ",
        )],
        &Links::default(),
    );
    assert_eq!(
        outcome(&report.users, "S1"),
        &matched_user("u1", MatchMethod::Email)
    );
}

#[test]
fn matches_by_username_ignoring_case() {
    let mut ann = person("S1", "Ann", "Lee");
    ann.username = Some("ALee".into());
    let mut lms = user("u1", "Someone", "Else", "B2");
    lms.fields.username = Some("alee".into());
    let report = people_report(vec![ann], vec![lms], &Links::default());
    assert_eq!(
        outcome(&report.users, "S1"),
        &matched_user("u1", MatchMethod::Username)
    );
}

#[test]
fn matches_by_normalized_name_within_the_building() {
    let mut jose = person("S1", "José  María", "de la Cruz");
    jose.name.preferred_first = Some("Pepe".into());
    let mut kim = person("S2", "Kimberly", "Ng");
    kim.name.preferred_first = Some("Kim".into());
    let report = people_report(
        vec![jose, kim, person("S3", "Jose", "Ruiz")],
        vec![
            user("u1", "JOSÉ MARÍA", " De La  Cruz ", "B1"),
            user("u2", "kim", "NG", "B1"),
            user("u3", "José", "Ruiz", "B1"),
        ],
        &Links::default(),
    );
    assert_eq!(
        outcome(&report.users, "S1"),
        &matched_user("u1", MatchMethod::Name)
    );
    assert_eq!(
        outcome(&report.users, "S2"),
        &matched_user("u2", MatchMethod::Name),
        "the preferred first name matches too"
    );
    assert_eq!(
        outcome(&report.users, "S3"),
        &MatchOutcome::Unmatched,
        "accents are kept: Jose is not José"
    );
}

#[test]
fn name_in_another_building_is_not_matched() {
    let report = people_report(
        vec![person("S1", "Ann", "Lee")],
        vec![user("u1", "Ann", "Lee", "B2")],
        &Links::default(),
    );
    assert_eq!(outcome(&report.users, "S1"), &MatchOutcome::Unmatched);
}

#[test]
fn name_matches_through_other_buildings_and_other_schools() {
    let mut lms = user("u1", "Ann", "Lee", "B2");
    lms.fields.other_buildings = vec!["B1".into()];
    let mut teacher = person("T1", "Bo", "Park");
    teacher.role = SisRole::Teacher;
    teacher.other_schools = vec!["102".into()];
    let report = people_report(
        vec![person("S1", "Ann", "Lee"), teacher],
        vec![lms, user("u2", "Bo", "Park", "B2")],
        &Links::default(),
    );
    assert_eq!(
        outcome(&report.users, "S1"),
        &matched_user("u1", MatchMethod::Name)
    );
    assert_eq!(
        outcome(&report.users, "T1"),
        &matched_user("u2", MatchMethod::Name)
    );
}

#[test]
fn two_same_name_accounts_in_one_building_are_ambiguous() {
    let report = people_report(
        vec![person("S1", "Ann", "Lee")],
        vec![
            user("u9", "Ann", "Lee", "B1"),
            user("u1", "ann", "lee", "B1"),
        ],
        &Links::default(),
    );
    assert_eq!(
        outcome(&report.users, "S1"),
        &MatchOutcome::Ambiguous {
            candidates: vec!["u1".into(), "u9".into()],
            more: false,
            how: MatchMethod::Name,
        }
    );
}

#[test]
fn namesakes_that_carry_other_sis_keys_are_not_candidates() {
    // A run cut short made accounts for two namesakes (their keys in the
    // unique field): the third, not yet made, is not held back by them.
    let report = people_report(
        vec![person("S3", "Ann", "Lee")],
        vec![
            with_uid(user("u1", "Ann", "Lee", "B1"), "S1"),
            with_uid(user("u2", "Ann", "Lee", "B1"), "S2"),
        ],
        &Links::default(),
    );
    assert_eq!(outcome(&report.users, "S3"), &MatchOutcome::Unmatched);
    // Beside an account of no one, that one is the match.
    let report = people_report(
        vec![person("S3", "Ann", "Lee")],
        vec![
            with_uid(user("u1", "Ann", "Lee", "B1"), "S1"),
            user("u7", "Ann", "Lee", "B1"),
        ],
        &Links::default(),
    );
    assert_eq!(
        outcome(&report.users, "S3"),
        &matched_user("u7", MatchMethod::Name)
    );
    // Alone, another record's account is a conflict the report names.
    let report = people_report(
        vec![person("S3", "Ann", "Lee")],
        vec![with_uid(user("u1", "Ann", "Lee", "B1"), "S1")],
        &Links::default(),
    );
    assert!(
        matches!(
            outcome(&report.users, "S3"),
            MatchOutcome::Conflicting {
                reason: ConflictReason::OtherKey { key },
                ..
            } if key == "S1"
        ),
        "{:?}",
        outcome(&report.users, "S3")
    );
}

#[test]
fn a_crowd_of_candidates_lists_the_lowest_ids_and_flags_more() {
    let crowd: Vec<_> = (0..25)
        .rev()
        .map(|n| user(&format!("u{n:02}"), "Test", "Student", "B1"))
        .collect();
    let report = people_report(
        vec![person("S1", "Test", "Student")],
        crowd,
        &Links::default(),
    );
    let MatchOutcome::Ambiguous {
        candidates, more, ..
    } = outcome(&report.users, "S1")
    else {
        panic!("expected an ambiguous outcome");
    };
    let expected: Vec<UserId> = (0..MAX_CANDIDATES)
        .map(|n| format!("u{n:02}").into())
        .collect();
    assert_eq!(candidates, &expected);
    assert!(more);
    assert!(render_text(&report).contains("u18, u19, and more by name"));
}

#[test]
fn stops_at_the_first_method_that_finds_any() {
    let mut ann = person("S1", "Ann", "Lee");
    ann.email = Some("ann@example.org".into());
    let report = people_report(
        vec![ann],
        vec![
            with_email(user("u1", "Ann", "Lee", "B1"), "ann@example.org"),
            user("u2", "Ann", "Lee", "B1"),
        ],
        &Links::default(),
    );
    assert_eq!(
        outcome(&report.users, "S1"),
        &matched_user("u1", MatchMethod::Email)
    );
}

#[test]
fn a_candidate_carrying_another_key_is_conflicting() {
    let mut ann = person("S1", "Ann", "Lee");
    ann.email = Some("ann@example.org".into());
    let report = people_report(
        vec![ann],
        vec![with_uid(
            with_email(user("u1", "Ann", "Lee", "B1"), "ann@example.org"),
            "S9",
        )],
        &Links::default(),
    );
    assert_eq!(
        outcome(&report.users, "S1"),
        &MatchOutcome::Conflicting {
            lms_id: "u1".into(),
            how: MatchMethod::Email,
            reason: ConflictReason::OtherKey { key: "S9".into() },
        }
    );
}

#[test]
fn two_people_matching_one_account_are_both_conflicting() {
    let mut ann = person("S1", "Ann", "Lee");
    ann.email = Some("family@example.org".into());
    let mut bo = person("S2", "Bo", "Lee");
    bo.email = Some("FAMILY@example.org".into());
    let report = people_report(
        vec![ann, bo],
        vec![with_email(
            user("u1", "Ann", "Lee", "B1"),
            "family@example.org",
        )],
        &Links::default(),
    );
    let shared = |other: &str| MatchOutcome::Conflicting {
        lms_id: "u1".into(),
        how: MatchMethod::Email,
        reason: ConflictReason::SharedWith {
            keys: vec![other.into()],
        },
    };
    assert_eq!(outcome(&report.users, "S1"), &shared("S2"));
    assert_eq!(outcome(&report.users, "S2"), &shared("S1"));
}

#[test]
fn an_already_linked_account_is_never_reused() {
    let mut ann = person("S1", "Ann", "Lee");
    ann.email = Some("ann@example.org".into());
    let mut links = Links::default();
    links.users.insert("S0".into(), link("u1"));
    let report = people_report(
        vec![ann, person("S0", "Old", "Link")],
        vec![with_uid(
            with_email(user("u1", "Ann", "Lee", "B1"), "ann@example.org"),
            "S1",
        )],
        &links,
    );
    assert_eq!(outcome(&report.users, "S1"), &MatchOutcome::Unmatched);
    assert_eq!(
        outcome(&report.users, "S0"),
        &MatchOutcome::AlreadyLinked {
            lms_id: "u1".into()
        }
    );
}

#[test]
fn out_of_scope_people_are_left_out() {
    let unselected = {
        let mut p = person("S-103", "Ann", "Lee");
        p.primary_school = "103".into();
        p
    };
    let unmapped = {
        let mut p = person("S-999", "Ann", "Lee");
        p.primary_school = "999".into();
        p
    };
    let guardian = {
        let mut p = person("G1", "Ann", "Lee");
        p.role = SisRole::Guardian;
        p
    };
    let withdrawn = {
        let mut p = person("S-W", "Wanda", "Gone");
        p.status = PersonStatus::Withdrawn;
        p
    };
    let report = people_report(
        vec![unselected, unmapped, guardian, withdrawn],
        vec![
            user("u1", "Ann", "Lee", "B1"),
            user("u2", "Wanda", "Gone", "B1"),
        ],
        &Links::default(),
    );
    let keys: Vec<&str> = report.users.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(
        keys,
        ["S-W"],
        "withdrawn people are matched, the others are out of scope"
    );
    assert_eq!(
        outcome(&report.users, "S-W"),
        &matched_user("u2", MatchMethod::Name)
    );
}

#[test]
fn duplicate_sis_keys_are_not_matched() {
    let report = people_report(
        vec![person("S1", "Ann", "Lee"), person("S1", "Bo", "Lee")],
        vec![with_uid(user("u1", "Ann", "Lee", "B1"), "S1")],
        &Links::default(),
    );
    assert!(
        report
            .users
            .iter()
            .all(|entry| entry.outcome == MatchOutcome::DuplicateKey { count: 2 })
    );
    assert_eq!(report.users.len(), 2);
}

//! The report as a whole: renderings, accepted links, counts and determinism.

use expect_test::expect;
use proptest::prelude::*;

use super::super::MatchEntry;
use super::super::render::csv_field;
use super::super::{
    MatchCounts, MatchReport, UniqueIdWrite, accepted_links, match_records, render_csv,
    render_summary, render_text,
};
use super::{
    Links, course, link, lms_course, lms_section, mapping, person, section, user, with_email,
    with_uid,
};
use crate::entity::Entity;
use crate::model::links::{Link, LinkOrigin};
use crate::model::lms::LmsSnapshot;
use crate::model::sis::SisSnapshot;

/// A small district with one record of every outcome.
fn fixture() -> (SisSnapshot, LmsSnapshot, Links) {
    let mut ann = person("S1", "Ann", "Lee");
    ann.email = Some("ann@example.org".into());
    let mut cy = person("S5", "Cy", "Moe");
    cy.email = Some("cy@example.org".into());
    let sis = SisSnapshot {
        people: vec![
            ann,
            person("S2", "Bo", "Park"),
            person("S3", "Dee, Jr.", "Lin \"DJ\""),
            person("S4", "Eve", "Oak"),
            cy,
            person("S6", "Fay", "Ng"),
        ],
        courses: vec![
            course("101-ENG9", "101", "ENG9", "English 9"),
            course("101-ALG1", "101", "ALG1", "Algebra I"),
        ],
        sections: vec![
            section("X1", "101-ENG9", "101", "ENG9-01", "English 9 - P1"),
            section("X2", "101-ALG1", "101", "ALG1-02", "Algebra I - P2"),
        ],
        ..SisSnapshot::default()
    };
    let lms = LmsSnapshot {
        users: vec![
            with_email(user("u1", "Annie", "Lee", "B2"), "ANN@example.org"),
            with_uid(user("u2", "Robert", "Park", "B1"), "S2"),
            user("u3", "Dee, Jr.", "Lin \"DJ\"", "B1"),
            user("u4", "Dee, Jr.", "Lin \"DJ\"", "B1"),
            with_uid(
                with_email(user("u5", "Cy", "Moe", "B1"), "cy@example.org"),
                "S77",
            ),
            user("u6", "Fay", "Ng", "B1"),
        ],
        courses: vec![lms_course("c1", "ENG9", "B1", "English 9")],
        sections: vec![lms_section("s1", "c1", None, "eng9-01", "Period 1")],
        ..LmsSnapshot::default()
    };
    let mut links = Links::default();
    links.users.insert("S6".into(), link("u6"));
    (sis, lms, links)
}

fn fixture_report() -> MatchReport {
    let (sis, lms, links) = fixture();
    match_records(&sis, &lms, &links, &mapping())
}

#[test]
fn golden_text_report() {
    expect![[r#"
        Data prep match report
          users: 2 matched, 1 ambiguous, 1 conflicting, 1 unmatched, 1 already linked
          courses: 1 matched, 1 unmatched
          sections: 1 matched, 1 unmatched

        Users
          matched (2):
            S1 "Lee, Ann" -> u1 by e-mail
            S2 "Park, Bo" -> u2 by unique id
          ambiguous (resolve by hand) (1):
            S3 "Lin "DJ", Dee, Jr." -> u3, u4 by name
          conflicting (resolve by hand) (1):
            S5 "Moe, Cy" -> u5 by e-mail: the LMS record already carries SIS key S77 (id already used by another record)
          unmatched (will be created) (1):
            S4 "Oak, Eve"
          already linked (1):
            S6 "Ng, Fay" -> u6

        Courses
          matched (1):
            101-ENG9 "English 9" -> c1 by code
          unmatched (will be created) (1):
            101-ALG1 "Algebra I"

        Sections
          matched (1):
            X1 "English 9 - P1" -> s1 by code
          unmatched (will be created) (1):
            X2 "Algebra I - P2"
    "#]]
    .assert_eq(&render_text(&fixture_report()));
}

#[test]
fn the_summary_groups_records_by_outcome_and_method_with_the_first_examples() {
    expect![[r#"
        Data prep match report
          users: 2 matched, 1 ambiguous, 1 conflicting, 1 unmatched, 1 already linked
          courses: 1 matched, 1 unmatched
          sections: 1 matched, 1 unmatched

        Users, by outcome
               1 matched by unique id
                   e.g. S2 "Park, Bo" -> u2 by unique id
               1 matched by e-mail
                   e.g. S1 "Lee, Ann" -> u1 by e-mail
               1 ambiguous (resolve by hand) by name
                   e.g. S3 "Lin "DJ", Dee, Jr." -> u3, u4 by name
               1 conflicting (resolve by hand) by e-mail
                   e.g. S5 "Moe, Cy" -> u5 by e-mail: the LMS record already carries SIS key S77 (id already used by another record)
               1 unmatched (will be created)
                   e.g. S4 "Oak, Eve"
               1 already linked
                   e.g. S6 "Ng, Fay" -> u6

        Courses, by outcome
               1 matched by code
                   e.g. 101-ENG9 "English 9" -> c1 by code
               1 unmatched (will be created)
                   e.g. 101-ALG1 "Algebra I"

        Sections, by outcome
               1 matched by code
                   e.g. X1 "English 9 - P1" -> s1 by code
               1 unmatched (will be created)
                   e.g. X2 "Algebra I - P2"
    "#]]
    .assert_eq(&render_summary(&fixture_report(), 3));
    let mut many = fixture_report();
    let unmatched = many.users[3].clone();
    many.users = (0..10)
        .map(|n| MatchEntry {
            key: format!("K{n}"),
            ..unmatched.clone()
        })
        .collect();
    let text = render_summary(&many, 3);
    assert!(
        text.contains("    10 unmatched (will be created)\n"),
        "{text}"
    );
    assert!(text.contains("e.g. K2 ") && !text.contains("K3"), "{text}");
}

#[test]
fn text_of_an_empty_report() {
    expect![[r#"
        Data prep match report
          users: none
          courses: none
          sections: none

        Users
          (none in scope)

        Courses
          (none in scope)

        Sections
          (none in scope)
    "#]]
    .assert_eq(&render_text(&MatchReport::default()));
}

#[test]
fn csv_report_quotes_commas_quotes_and_newlines() {
    let mut report = fixture_report();
    report.courses[0].name = "Algebra I\nHonors".into();
    expect![[r#"
        entity,key,name,outcome,method,lms_id,candidates,reason
        user,S1,"Lee, Ann",matched,email,u1,,
        user,S2,"Park, Bo",matched,unique_id,u2,,
        user,S3,"Lin ""DJ"", Dee, Jr.",ambiguous,name,,u3;u4,
        user,S4,"Oak, Eve",unmatched,,,,
        user,S5,"Moe, Cy",conflicting,email,u5,,the LMS record already carries SIS key S77 (id already used by another record)
        user,S6,"Ng, Fay",already_linked,,u6,,
        course,101-ALG1,"Algebra I
        Honors",unmatched,,,,
        course,101-ENG9,English 9,matched,code,c1,,
        section,X1,English 9 - P1,matched,code,s1,,
        section,X2,Algebra I - P2,unmatched,,,,
    "#]]
    .assert_eq(&render_csv(&report));
}

#[test]
fn csv_field_quoting() {
    assert_eq!(csv_field("plain"), "plain");
    assert_eq!(csv_field(""), "");
    assert_eq!(csv_field("a,b"), "\"a,b\"");
    assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    assert_eq!(csv_field("cr\r"), "\"cr\r\"");
    assert_eq!(csv_field(" padded"), "\" padded\"");
}

#[test]
fn counts_per_outcome() {
    let counts = fixture_report().counts();
    assert_eq!(
        counts.users,
        MatchCounts {
            matched: 2,
            ambiguous: 1,
            conflicting: 1,
            duplicate_key: 0,
            unmatched: 1,
            already_linked: 1,
        }
    );
    assert_eq!(counts.users.total(), 6);
    assert_eq!(counts.sections.matched, 1);
}

#[test]
fn accepted_links_take_only_matches() {
    let apply = accepted_links(&fixture_report());
    let users: Vec<(&str, &Link<_>)> = apply
        .links
        .users
        .iter()
        .map(|(key, link)| (key.as_str(), link))
        .collect();
    assert_eq!(
        users,
        [
            ("S1", &Link::new("u1".into(), LinkOrigin::Matched)),
            ("S2", &Link::new("u2".into(), LinkOrigin::UniqueId)),
        ]
    );
    assert_eq!(apply.links.courses.len(), 1);
    assert_eq!(apply.links.sections.len(), 1);
    assert_eq!(apply.link_count(), 4);
    let write = |entity, lms_id: &str, key: &str| UniqueIdWrite {
        entity,
        lms_id: lms_id.into(),
        key: key.into(),
    };
    assert_eq!(
        apply.unique_id_writes,
        [
            write(Entity::User, "u1", "S1"),
            write(Entity::Course, "c1", "101-ENG9"),
            write(Entity::Section, "s1", "X1"),
        ]
    );
}

#[test]
fn json_is_stable_and_round_trips() {
    let report = fixture_report();
    let json = serde_json::to_string(&report.users[..3]).expect("serializes");
    expect![[r#"[{"key":"S1","name":"Lee, Ann","outcome":"matched","lms_id":"u1","how":"email"},{"key":"S2","name":"Park, Bo","outcome":"matched","lms_id":"u2","how":"unique_id"},{"key":"S3","name":"Lin \"DJ\", Dee, Jr.","outcome":"ambiguous","candidates":["u3","u4"],"how":"name"}]"#]]
    .assert_eq(&json);
    let full = serde_json::to_string(&report).expect("serializes");
    let back: MatchReport = serde_json::from_str(&full).expect("deserializes");
    assert_eq!(back, report);
}

proptest! {
    #[test]
    fn input_order_does_not_change_the_report(seed in any::<u64>()) {
        let (mut sis, mut lms, links) = fixture();
        for (key, email) in [("S7", "dup@example.org"), ("S8", "Dup@example.org"), ("S8", "")] {
            let mut extra = person(key, "Gus", "Ray");
            extra.email = Some(email.into());
            sis.people.push(extra);
        }
        lms.users.push(with_email(user("u7", "Gus", "Ray", "B1"), "dup@example.org"));
        let expected = match_records(&sis, &lms, &links, &mapping());
        shuffle(&mut sis.people, seed);
        shuffle(&mut sis.courses, seed.rotate_left(7));
        shuffle(&mut sis.sections, seed.rotate_left(13));
        shuffle(&mut lms.users, seed.rotate_left(19));
        shuffle(&mut lms.courses, seed.rotate_left(29));
        shuffle(&mut lms.sections, seed.rotate_left(37));
        prop_assert_eq!(match_records(&sis, &lms, &links, &mapping()), expected);
    }
}

/// A Fisher-Yates shuffle driven by a small xorshift generator.
fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut state = seed | 1;
    for at in (1..items.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let other = usize::try_from(state % (at as u64 + 1)).unwrap_or(0);
        items.swap(at, other);
    }
}

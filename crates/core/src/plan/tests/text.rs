//! Text made to fit the LMS (one rule, a warning naming the field), keys the
//! LMS cannot hold, and names that lost letters to an encoding.

use crate::entity::Entity;
use crate::lms_text::{NAME_LIMIT, TITLE_LIMIT, Unfit};
use crate::model::links::{Link, LinkOrigin};
use crate::plan::tests::fixture::{World, lms_user, notes, skip_reason, user_op};
use crate::plan::{NoteReason, PlanSummary, RecordAction, SkipReason};
use crate::scope::SyncScope;

#[test]
fn a_300_character_first_name_lands_cut_with_a_warning_and_the_next_run_writes_nothing() {
    let mut w = World::basic();
    let long = "A".repeat(300);
    w.person_mut("S1").name.first = long.as_str().into();
    let plan = w.sync();
    let op = user_op(&plan, "S1");
    let RecordAction::Create { fields } = &op.action else {
        panic!("S1 is not created: {op:?}");
    };
    assert_eq!(fields.first.as_str(), "A".repeat(NAME_LIMIT));
    let found = notes(&plan, Entity::User, "S1");
    assert_eq!(
        found,
        [NoteReason::TextCleaned {
            field: "first name".into(),
            sent: "A".repeat(NAME_LIMIT),
            control_removed: false,
            cut_from: Some(300),
        }]
    );
    assert!(
        found[0].to_string().starts_with(
            "first name is 300 characters long, more than the LMS takes; sent cut to 64 characters: \"AAAA"
        ),
        "{}",
        found[0]
    );
    let again = w.plan(SyncScope::All);
    assert!(PlanSummary::of(&again).writes_nothing(), "{again:#?}");
    // The SIS still holds the long name: the warning stays until it is fixed.
    assert_eq!(notes(&again, Entity::User, "S1").len(), 1);
}

#[test]
fn a_name_with_control_characters_lands_cleaned_and_names_the_field() {
    let mut w = World::basic();
    w.person_mut("S2").name.last = "Tu\u{0}ring\r\nJr\u{1b}".into();
    let plan = w.sync();
    let op = user_op(&plan, "S2");
    assert_eq!(op.action.fields().last.as_str(), "Turing Jr");
    let found = notes(&plan, Entity::User, "S2");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].to_string(),
        "last name holds control characters (line breaks, tabs or invisible codes), which the LMS does not take; sent without them: \"Turing Jr\"; correct it in the SIS"
    );
    assert!(PlanSummary::of(&w.plan(SyncScope::All)).writes_nothing());
}

#[test]
fn spaces_are_trimmed_and_collapsed_without_a_warning_and_match_the_lms() {
    let mut w = World::basic();
    w.person_mut("S1").name.first = "  Ada   Mary ".into();
    w.sync();
    let user = w
        .lms
        .users
        .iter()
        .find(|u| u.unique_id.as_deref() == Some("S1"))
        .unwrap();
    assert_eq!(user.fields.first.as_str(), "Ada Mary");
    let again = w.plan(SyncScope::All);
    assert!(PlanSummary::of(&again).writes_nothing());
    assert!(again.notes.is_empty(), "{:?}", again.notes);
}

#[test]
fn an_account_whose_name_was_stored_uncleaned_is_updated_once() {
    let mut w = World::basic();
    w.sync();
    let user = w
        .lms
        .users
        .iter_mut()
        .find(|u| u.unique_id.as_deref() == Some("S1"))
        .unwrap();
    user.fields.first = "Ada\tX".into();
    w.person_mut("S1").name.first = "Ada\tX".into();
    let plan = w.sync();
    let op = user_op(&plan, "S1");
    let changes: Vec<(&str, Option<&str>)> = op
        .action
        .changes()
        .iter()
        .map(|c| (c.field.as_str(), c.new.as_deref()))
        .collect();
    assert_eq!(changes, [("first", Some("Ada X"))]);
    assert!(PlanSummary::of(&w.plan(SyncScope::All)).writes_nothing());
}

#[test]
fn course_section_and_grading_period_text_is_cleaned_with_warnings() {
    let mut w = World::basic();
    let title = format!("Algebra\u{7} {}", "I".repeat(200));
    w.sis.courses[0].title = title;
    w.sis.courses[0].department = Some("Math\nematics".into());
    w.sis.sections[0].title = "Period\t2".into();
    w.sis.sections[0].code = "X".repeat(70);
    w.sis.sections[0].room = Some("\u{0}".into());
    w.sis.schools[0].name = format!("Lincoln {}", "High ".repeat(40));
    let plan = w.sync();
    let course = &plan.courses[0].action;
    assert_eq!(course.fields().title.chars().count(), TITLE_LIMIT);
    assert!(course.fields().title.starts_with("Algebra III"));
    assert_eq!(course.fields().department.as_deref(), Some("Math ematics"));
    let fields = |entity, key| -> Vec<String> {
        notes(&plan, entity, key)
            .iter()
            .map(|n| match n {
                NoteReason::TextCleaned { field, .. } => field.clone(),
                other => panic!("unexpected note {other:?}"),
            })
            .collect()
    };
    assert_eq!(fields(Entity::Course, "101-ALG1"), ["title", "department"]);
    assert_eq!(
        fields(Entity::Section, "101-ALG1-01"),
        ["section code", "title"]
    );
    let section = &plan.sections[0].action;
    assert_eq!(section.fields().title, "Period 2");
    assert_eq!(section.fields().code, "X".repeat(64));
    // A room of control characters only holds nothing: not sent, not noted.
    assert_eq!(section.fields().location, None);
    let period = plan
        .grading_periods
        .iter()
        .find(|op| op.term.as_str() == "101-S1")
        .unwrap();
    assert!(period.title.chars().count() <= TITLE_LIMIT);
    assert!(period.title.starts_with("Lincoln High High"));
    assert!(
        period.title.ends_with("High S1 2025-26"),
        "{}",
        period.title
    );
    assert_eq!(fields(Entity::GradingPeriod, "101-S1"), ["title"]);
    let again = w.plan(SyncScope::All);
    assert!(PlanSummary::of(&again).writes_nothing(), "{again:#?}");
}

#[test]
fn alike_grading_period_titles_keep_their_distinguishing_key_when_cut() {
    let mut w = World::new();
    w.sis.schools[1].name = "L".repeat(150);
    w.sis.schools[0].name = "L".repeat(150);
    w.teacher("T1", "Grace", "Hopper", "101");
    w.course("101-ALG1", "101", "Algebra I");
    w.section("101-ALG1-01", "101-ALG1", "101", Some("T1"));
    w.teacher("T2", "Alan", "Kay", "102");
    w.course("102-ALG1", "102", "Algebra I");
    w.section("102-ALG1-01", "102-ALG1", "102", Some("T2"));
    let plan = w.plan(SyncScope::All);
    let titles: Vec<&str> = plan
        .grading_periods
        .iter()
        .map(|op| op.title.as_str())
        .collect();
    assert_eq!(titles.len(), 2);
    for (title, term) in titles.iter().zip(["(101-S1)", "(102-S1)"]) {
        assert!(title.ends_with(term), "{title}");
        assert_eq!(title.chars().count(), TITLE_LIMIT);
    }
}

#[test]
fn a_key_the_lms_cannot_hold_is_skipped_as_a_conflict_never_cut() {
    let mut w = World::basic();
    let long = "K".repeat(70);
    w.student(&long, "Kay", "Long", "101");
    w.course("101-G\u{7}EO", "101", "Geometry");
    let plan = w.plan(SyncScope::All);
    let reason = skip_reason(&plan, Entity::User, &long);
    assert_eq!(
        reason,
        &SkipReason::KeyUnfit {
            field: "unique id".into(),
            problem: Unfit::TooLong {
                length: 70,
                limit: 64
            }
        }
    );
    assert!(reason.is_conflict());
    assert_eq!(
        reason.to_string(),
        "the SIS key cannot be the LMS unique id: it is 70 characters long and the LMS holds at most 64; change the key in the SIS"
    );
    assert_eq!(
        skip_reason(&plan, Entity::Course, "101-G\u{7}EO").to_string(),
        "the SIS key cannot be the LMS course code: it holds a control character; change the key in the SIS"
    );
}

#[test]
fn a_name_that_lost_letters_never_overwrites_the_lms_name() {
    let mut w = World::basic();
    w.sync();
    let person = w.person_mut("S1");
    person.name.first = "Jos?".into();
    person.name.last = "Lovelace-Byron".into();
    let plan = w.plan(SyncScope::All);
    let op = user_op(&plan, "S1");
    // The last name still changes; the first name is kept.
    let changed: Vec<&str> = op
        .action
        .changes()
        .iter()
        .map(|c| c.field.as_str())
        .collect();
    assert_eq!(changed, ["last"]);
    assert_eq!(op.action.fields().first.as_str(), "Ada");
    let found = notes(&plan, Entity::User, "S1");
    assert_eq!(
        found,
        [NoteReason::LossyName {
            field: "first name".into(),
            value: "Jos?".into(),
            kept: Some("Ada".into()),
        }]
    );
    assert_eq!(
        found[0].to_string(),
        "first name \"Jos?\" looks like it lost letters on the way from the SIS (a \"?\" where a letter was: the export's encoding lacks it); the LMS keeps \"Ada\"; export the SIS in an encoding that holds the name, or correct it in the SIS"
    );
    // Alone, it plans nothing at all.
    w.person_mut("S1").name.last = "Lovelace".into();
    let plan = w.plan(SyncScope::All);
    assert!(PlanSummary::of(&plan).writes_nothing(), "{plan:#?}");
    assert_eq!(notes(&plan, Entity::User, "S1").len(), 1);
}

#[test]
fn a_name_that_lost_letters_is_created_as_read_with_a_warning() {
    let mut w = World::basic();
    w.person_mut("S2").name.last = "Wojciechowsk?".into();
    let plan = w.sync();
    let op = user_op(&plan, "S2");
    assert!(matches!(op.action, RecordAction::Create { .. }));
    assert_eq!(op.action.fields().last.as_str(), "Wojciechowsk?");
    let found = notes(&plan, Entity::User, "S2");
    assert_eq!(
        found,
        [NoteReason::LossyName {
            field: "last name".into(),
            value: "Wojciechowsk?".into(),
            kept: None,
        }]
    );
    assert!(found[0].to_string().contains("the LMS has it as read"));
    assert!(PlanSummary::of(&w.plan(SyncScope::All)).writes_nothing());
}

#[test]
fn a_lossy_middle_name_fills_an_empty_lms_field_and_a_linked_lms_name_is_kept() {
    let mut w = World::basic();
    w.lms.users.push(lms_user(
        "700",
        None,
        "Łukasz",
        "Turing",
        Some("s2@students.example.org"),
    ));
    w.links
        .users
        .insert("S2".into(), Link::new("700".into(), LinkOrigin::Matched));
    let person = w.person_mut("S2");
    person.name.first = "?ukasz".into();
    person.name.middle = Some("Pi?tr".into());
    let plan = w.plan(SyncScope::Users);
    let op = user_op(&plan, "S2");
    let fields = op.action.fields();
    assert_eq!(fields.first.as_str(), "Łukasz");
    assert_eq!(fields.middle.as_deref(), Some("Pi?tr"));
    let kept: Vec<Option<String>> = notes(&plan, Entity::User, "S2")
        .into_iter()
        .map(|n| match n {
            NoteReason::LossyName { kept, .. } => kept,
            other => panic!("unexpected note {other:?}"),
        })
        .collect();
    assert_eq!(kept, [Some("Łukasz".to_owned()), None]);
}

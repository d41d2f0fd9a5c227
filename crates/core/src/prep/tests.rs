//! Tests of data prep, with small fixture constructors shared by the cases.
//!
//! The fixture district: schools 101 and 102 are mapped to buildings B1 and
//! B2 and selected for everything; 103 is mapped to B3 but selected for
//! nothing; 999 is unmapped. Students map to role R-S, teachers to R-T and
//! guardians to Do not sync.

mod courses;
mod index;
mod output;
mod people;

use std::collections::BTreeMap;

use super::{MatchEntry, MatchOutcome, MatchReport, match_records};
use crate::ids::{BuildingId, CourseId, RoleId, SchoolKey, SectionId, UserId};
use crate::mapping::{MappingConfig, MappingSpec, RoleMap, RoleTarget, Selection};
use crate::model::links::{Link, LinkOrigin, Links};
use crate::model::lms::{
    CourseFields, LmsCourse, LmsSection, LmsSnapshot, LmsUser, SectionFields, UserFields,
};
use crate::model::sis::{Course, Person, PersonName, PersonStatus, Section, SisRole, SisSnapshot};

fn mapping() -> MappingConfig {
    let schools: BTreeMap<SchoolKey, BuildingId> = [("101", "B1"), ("102", "B2"), ("103", "B3")]
        .into_iter()
        .map(|(school, building)| (school.into(), building.into()))
        .collect();
    let selected: std::collections::BTreeSet<SchoolKey> =
        ["101", "102"].into_iter().map(SchoolKey::from).collect();
    let roles = ["101", "102", "103"]
        .into_iter()
        .map(|school| {
            let map = RoleMap {
                student: Some(RoleTarget::Lms(RoleId::new("R-S"))),
                teacher: Some(RoleTarget::Lms(RoleId::new("R-T"))),
                guardian: Some(RoleTarget::DoNotSync),
            };
            (SchoolKey::from(school), map)
        })
        .collect();
    MappingConfig::new(MappingSpec {
        schools,
        selection: Selection {
            users: selected.clone(),
            courses: selected.clone(),
            sections: selected,
        },
        roles,
        ..MappingSpec::default()
    })
    .expect("the fixture mapping is valid")
}

/// A student of school 101 with a legal first and last name.
fn person(key: &str, first: &str, last: &str) -> Person {
    Person {
        key: key.into(),
        role: SisRole::Student,
        name: PersonName {
            first: first.into(),
            last: last.into(),
            ..PersonName::default()
        },
        email: None,
        username: None,
        grade: None,
        graduation_year: None,
        primary_school: "101".into(),
        other_schools: Vec::new(),
        status: PersonStatus::Active,
    }
}

/// An LMS student account in a building, without unique id, e-mail or username.
fn user(id: &str, first: &str, last: &str, building: &str) -> LmsUser {
    LmsUser {
        id: id.into(),
        unique_id: None,
        fields: UserFields {
            first: first.into(),
            preferred_first: None,
            middle: None,
            last: last.into(),
            email: None,
            username: None,
            graduation_year: None,
            building: building.into(),
            other_buildings: Vec::new(),
            role: "R-S".into(),
        },
    }
}

fn with_email(mut user: LmsUser, email: &str) -> LmsUser {
    user.fields.email = Some(email.into());
    user
}

fn with_uid(mut user: LmsUser, uid: &str) -> LmsUser {
    user.unique_id = Some(uid.into());
    user
}

fn course(key: &str, school: &str, code: &str, title: &str) -> Course {
    Course {
        key: key.into(),
        school: school.into(),
        code: code.into(),
        title: title.into(),
        department: None,
        subject: None,
        grade_low: None,
        grade_high: None,
        active: true,
    }
}

fn lms_course(id: &str, code: &str, building: &str, title: &str) -> LmsCourse {
    LmsCourse {
        id: id.into(),
        code: code.into(),
        fields: CourseFields {
            title: title.into(),
            building: building.into(),
            department: None,
            subject: None,
            grade_low: None,
            grade_high: None,
        },
    }
}

fn section(key: &str, course: &str, school: &str, code: &str, title: &str) -> Section {
    Section {
        key: key.into(),
        course: course.into(),
        school: school.into(),
        title: title.into(),
        code: code.into(),
        terms: Vec::new(),
        primary_teacher: None,
        co_teachers: Vec::new(),
        periods: Vec::new(),
        room: None,
        cross_list_group: None,
    }
}

fn lms_section(
    id: &str,
    course: &str,
    unique_code: Option<&str>,
    code: &str,
    title: &str,
) -> LmsSection {
    LmsSection {
        id: id.into(),
        course: course.into(),
        unique_code: unique_code.map(Into::into),
        fields: SectionFields {
            title: title.into(),
            code: code.into(),
            ..SectionFields::default()
        },
    }
}

fn link<Id: From<String>>(id: &str) -> Link<Id> {
    Link::new(Id::from(id.to_owned()), LinkOrigin::Created)
}

fn people_report(people: Vec<Person>, users: Vec<LmsUser>, links: &Links) -> MatchReport {
    let sis = SisSnapshot {
        people,
        ..SisSnapshot::default()
    };
    let lms = LmsSnapshot {
        users,
        ..LmsSnapshot::default()
    };
    match_records(&sis, &lms, links, &mapping())
}

fn outcome<'a, Id>(entries: &'a [MatchEntry<Id>], key: &str) -> &'a MatchOutcome<Id> {
    let found: Vec<&MatchEntry<Id>> = entries.iter().filter(|entry| entry.key == key).collect();
    assert_eq!(found.len(), 1, "exactly one entry for {key}");
    &found[0].outcome
}

fn matched_user(id: &str, how: super::MatchMethod) -> MatchOutcome<UserId> {
    MatchOutcome::Matched {
        lms_id: id.into(),
        how,
    }
}

fn matched_course(id: &str, how: super::MatchMethod) -> MatchOutcome<CourseId> {
    MatchOutcome::Matched {
        lms_id: id.into(),
        how,
    }
}

fn matched_section(id: &str, how: super::MatchMethod) -> MatchOutcome<SectionId> {
    MatchOutcome::Matched {
        lms_id: id.into(),
        how,
    }
}

//! A small district to plan against, with builders for the records tests add.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::entity::Entity;
use crate::ids::{BuildingId, GradingPeriodId, PersonKey, RoleId, SchoolKey, TermKey};
use crate::mapping::{MappingConfig, MappingSpec, RoleMap, RoleTarget, Selection, TermTarget};
use crate::model::links::Links;
use crate::model::lms::{LmsBuilding, LmsGradingPeriod, LmsRole, LmsSnapshot, LmsUser, UserFields};
use crate::model::sis::{
    Course, Enrollment, EnrollmentRole, Person, PersonName, PersonStatus, School, Section, SisRole,
    SisSnapshot, Subject, Term,
};
use crate::plan::{
    EnrollmentAction, IdSource, NoteReason, Plan, PlanInput, SkipReason, UserOp, plan,
    simulate_apply,
};
use crate::scope::SyncScope;

pub(crate) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Schools 101 and 102 mapped to buildings 9001 and 9002; 103 unmapped.
/// Roles: student 1214, teacher 1215, guardian Do not sync (parent 1216 exists).
/// Terms: S1 of each school is created, S2 maps to grading period 501.
#[derive(Debug, Clone)]
pub(crate) struct World {
    pub(crate) sis: SisSnapshot,
    pub(crate) lms: LmsSnapshot,
    pub(crate) links: Links,
    pub(crate) spec: MappingSpec,
    pub(crate) today: NaiveDate,
    pub(crate) ids: IdSource,
}

impl World {
    pub(crate) fn new() -> World {
        let mut sis = SisSnapshot::default();
        for (key, name) in [
            ("101", "Lincoln High"),
            ("102", "Adams Middle"),
            ("103", "Night School"),
        ] {
            sis.schools.push(School {
                key: key.into(),
                name: name.into(),
                code: None,
            });
            for (title, start, end) in [
                ("S1", date(2025, 8, 15), date(2026, 1, 10)),
                ("S2", date(2026, 1, 11), date(2026, 6, 1)),
            ] {
                sis.terms.push(Term {
                    key: format!("{key}-{title}").into(),
                    school: key.into(),
                    school_year: 2026,
                    title: title.into(),
                    start,
                    end,
                    parent: None,
                });
            }
        }
        let lms = LmsSnapshot {
            buildings: vec![
                LmsBuilding {
                    id: "9001".into(),
                    title: "Lincoln High".into(),
                    code: None,
                },
                LmsBuilding {
                    id: "9002".into(),
                    title: "Adams Middle".into(),
                    code: None,
                },
            ],
            roles: vec![
                LmsRole {
                    id: "1214".into(),
                    title: "Student".into(),
                    faculty: false,
                },
                LmsRole {
                    id: "1215".into(),
                    title: "Teacher".into(),
                    faculty: true,
                },
                LmsRole {
                    id: "1216".into(),
                    title: "Parent".into(),
                    faculty: false,
                },
            ],
            grading_periods: vec![LmsGradingPeriod {
                id: "501".into(),
                title: "Spring 2026".into(),
                start: date(2026, 1, 11),
                end: date(2026, 6, 1),
            }],
            ..LmsSnapshot::default()
        };
        let mut spec = MappingSpec::default();
        for (school, building) in [("101", "9001"), ("102", "9002")] {
            let school = SchoolKey::new(school);
            spec.schools
                .insert(school.clone(), BuildingId::new(building));
            spec.roles.insert(
                school.clone(),
                RoleMap {
                    student: Some(RoleTarget::Lms(RoleId::new("1214"))),
                    teacher: Some(RoleTarget::Lms(RoleId::new("1215"))),
                    guardian: Some(RoleTarget::DoNotSync),
                },
            );
            spec.terms
                .insert(TermKey::new(format!("{school}-S1")), TermTarget::Create);
            spec.terms.insert(
                TermKey::new(format!("{school}-S2")),
                TermTarget::Existing(GradingPeriodId::new("501")),
            );
        }
        let all: std::collections::BTreeSet<SchoolKey> = spec.schools.keys().cloned().collect();
        spec.selection = Selection {
            users: all.clone(),
            courses: all.clone(),
            sections: all,
        };
        World {
            sis,
            lms,
            links: Links::default(),
            spec,
            today: date(2025, 10, 1),
            ids: IdSource::default(),
        }
    }

    pub(crate) fn mapping(&self) -> MappingConfig {
        MappingConfig::new(self.spec.clone()).unwrap()
    }

    pub(crate) fn plan(&self, scope: SyncScope) -> Plan {
        let mapping = self.mapping();
        plan(&PlanInput {
            sis: &self.sis,
            lms: &self.lms,
            links: &self.links,
            mapping: &mapping,
            scope,
            today: self.today,
        })
    }

    /// Plans everything and applies the plan to the LMS and links; returns the plan.
    pub(crate) fn sync(&mut self) -> Plan {
        let plan = self.plan(SyncScope::All);
        simulate_apply(&plan, &mut self.lms, &mut self.links, &mut self.ids);
        plan
    }

    pub(crate) fn person(
        &mut self,
        key: &str,
        role: SisRole,
        first: &str,
        last: &str,
        school: &str,
    ) -> &mut Person {
        let domain = if role == SisRole::Student {
            "students.example.org"
        } else {
            "example.org"
        };
        self.sis.people.push(Person {
            key: key.into(),
            role,
            name: PersonName {
                first: first.into(),
                last: last.into(),
                ..PersonName::default()
            },
            email: Some(format!("{}@{domain}", key.to_lowercase()).into()),
            username: None,
            grade: (role == SisRole::Student).then(|| "09".into()),
            graduation_year: (role == SisRole::Student).then_some(2029),
            primary_school: school.into(),
            other_schools: Vec::new(),
            status: PersonStatus::Active,
        });
        self.sis.people.last_mut().unwrap()
    }

    /// The SIS person with `key`; panics when there is none.
    pub(crate) fn person_mut(&mut self, key: &str) -> &mut Person {
        self.sis
            .people
            .iter_mut()
            .find(|p| p.key.as_str() == key)
            .unwrap_or_else(|| panic!("no person {key}"))
    }

    pub(crate) fn student(
        &mut self,
        key: &str,
        first: &str,
        last: &str,
        school: &str,
    ) -> &mut Person {
        self.person(key, SisRole::Student, first, last, school)
    }

    pub(crate) fn teacher(
        &mut self,
        key: &str,
        first: &str,
        last: &str,
        school: &str,
    ) -> &mut Person {
        self.person(key, SisRole::Teacher, first, last, school)
    }

    pub(crate) fn course(&mut self, key: &str, school: &str, title: &str) -> &mut Course {
        self.sis.courses.push(Course {
            key: key.into(),
            school: school.into(),
            code: key.rsplit('-').next().unwrap_or(key).into(),
            title: title.into(),
            department: None,
            subject: Some(Subject::Mathematics),
            grade_low: Some(9),
            grade_high: Some(12),
            active: true,
        });
        self.sis.courses.last_mut().unwrap()
    }

    pub(crate) fn section(
        &mut self,
        key: &str,
        course: &str,
        school: &str,
        teacher: Option<&str>,
    ) -> &mut Section {
        self.sis.sections.push(Section {
            key: key.into(),
            course: course.into(),
            school: school.into(),
            title: format!("{course} {key}"),
            code: key.rsplit('-').next().unwrap_or(key).into(),
            terms: vec![format!("{school}-S1").into(), format!("{school}-S2").into()],
            primary_teacher: teacher.map(PersonKey::new),
            co_teachers: Vec::new(),
            periods: vec!["2".into()],
            room: Some("B12".into()),
            cross_list_group: None,
        });
        self.sis.sections.last_mut().unwrap()
    }

    pub(crate) fn enroll(&mut self, section: &str, person: &str) -> &mut Enrollment {
        self.sis.enrollments.push(Enrollment {
            section: section.into(),
            person: person.into(),
            role: EnrollmentRole::Student,
            primary: false,
            begin: Some(date(2025, 8, 15)),
            end: None,
        });
        self.sis.enrollments.last_mut().unwrap()
    }

    /// One course with one section in school 101, a teacher and two students.
    pub(crate) fn basic() -> World {
        let mut world = World::new();
        world.teacher("T1", "Grace", "Hopper", "101");
        world.student("S1", "Ada", "Lovelace", "101");
        world.student("S2", "Alan", "Turing", "101");
        world.course("101-ALG1", "101", "Algebra I");
        world.section("101-ALG1-01", "101-ALG1", "101", Some("T1"));
        world.enroll("101-ALG1-01", "S1");
        world.enroll("101-ALG1-01", "S2");
        world
    }
}

/// The counts of a plan as `entity.action=n` pairs, for short assertions.
pub(crate) fn counts(plan: &Plan) -> BTreeMap<String, u64> {
    let summary = crate::plan::PlanSummary::of(plan);
    let mut out = BTreeMap::new();
    for (entity, c) in &summary.0 {
        for (name, n) in [
            ("create", c.create),
            ("update", c.update),
            ("link", c.link),
            ("remove", c.remove),
            ("unchanged", c.unchanged),
            ("skipped", c.skipped),
        ] {
            if n > 0 {
                out.insert(format!("{entity}.{name}"), n);
            }
        }
    }
    out
}

/// The reason `key` of `entity` is skipped; panics when it is not.
pub(crate) fn skip_reason<'p>(plan: &'p Plan, entity: Entity, key: &str) -> &'p SkipReason {
    &plan
        .skips
        .iter()
        .find(|s| s.entity == entity && s.key == key)
        .unwrap_or_else(|| panic!("no skip for {entity} {key}: {:#?}", plan.skips))
        .reason
}

/// The enrollment operations of `person`: (section, action).
pub(crate) fn enrollment_ops<'p>(
    plan: &'p Plan,
    person: &str,
) -> Vec<(&'p str, &'p EnrollmentAction)> {
    plan.enrollments
        .iter()
        .filter(|op| op.person.as_str() == person)
        .map(|op| (op.section.as_str(), &op.action))
        .collect()
}

/// The notes about `key` of `entity`, in the plan's order.
pub(crate) fn notes(plan: &Plan, entity: Entity, key: &str) -> Vec<NoteReason> {
    plan.notes
        .iter()
        .filter(|n| n.entity == entity && n.key == key)
        .map(|n| n.note.clone())
        .collect()
}

/// An LMS account in building 9001 with the student role.
pub(crate) fn lms_user(
    id: &str,
    unique: Option<&str>,
    first: &str,
    last: &str,
    email: Option<&str>,
) -> LmsUser {
    LmsUser {
        id: id.into(),
        unique_id: unique.map(Into::into),
        fields: UserFields {
            first: first.into(),
            preferred_first: None,
            middle: None,
            last: last.into(),
            email: email.map(Into::into),
            username: None,
            graduation_year: None,
            building: "9001".into(),
            other_buildings: Vec::new(),
            role: "1214".into(),
        },
    }
}

/// The user op of `key`; panics when there is none.
pub(crate) fn user_op<'p>(plan: &'p Plan, key: &str) -> &'p UserOp {
    plan.users
        .iter()
        .find(|op| op.key.as_str() == key)
        .unwrap_or_else(|| panic!("no user op for {key}: {:#?}", plan.users))
}

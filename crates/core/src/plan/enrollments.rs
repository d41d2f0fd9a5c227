//! Planning enrollments: the SIS's current enrollments and section teachers
//! against the LMS, adding what is missing and dropping only what the links
//! say rostersync manages.

use foldhash::{HashMap, HashSet};

use crate::entity::Entity;
use crate::ids::{PersonKey, SectionKey};
use crate::mapping::DropPolicy;
use crate::model::sis::EnrollmentRole;
use crate::plan::PlanInput;
use crate::plan::builder::{Builder, Party};
use crate::plan::sections::SectionStates;
use crate::plan::types::{EnrollmentAction, EnrollmentOp, SkipReason};

/// The number of current student enrollments per SIS section.
pub(crate) fn students_per_section<'a>(b: &Builder<'a>) -> HashMap<&'a str, usize> {
    let mut counts: HashMap<&str, usize> = HashMap::default();
    for enrollment in &b.input.sis.enrollments {
        if enrollment.role == EnrollmentRole::Student && enrollment.is_current(b.input.today) {
            *counts.entry(enrollment.section.as_str()).or_insert(0) += 1;
        }
    }
    counts
}

/// What the SIS asks for one (target section, person) pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    /// A current enrollment with this role (teacher wins over student).
    Current(EnrollmentRole),
    /// Only ended enrollments.
    Ended,
}

/// Plans every enrollment.
pub(crate) fn plan_enrollments<'a>(
    b: &mut Builder<'a>,
    people: &HashMap<&'a str, Party>,
    sections: &SectionStates<'a>,
) {
    let today = b.input.today;
    let mut wants: HashMap<(&'a SectionKey, &'a PersonKey), Want> =
        HashMap::with_capacity_and_hasher(b.input.sis.enrollments.len(), Default::default());
    let mut merge = |section: &'a SectionKey, person: &'a PersonKey, want: Want| {
        let Some(target) = sections.target.get(section.as_str()) else {
            return;
        };
        wants
            .entry((*target, person))
            .and_modify(|kept| *kept = stronger(*kept, want))
            .or_insert(want);
    };
    for enrollment in &b.input.sis.enrollments {
        let want = if enrollment.is_current(today) {
            Want::Current(enrollment.role)
        } else {
            Want::Ended
        };
        merge(&enrollment.section, &enrollment.person, want);
    }
    for section in &b.input.sis.sections {
        for teacher in section.teachers() {
            merge(
                &section.key,
                teacher,
                Want::Current(EnrollmentRole::Teacher),
            );
        }
    }
    let owned: HashSet<(&str, &str)> = b
        .input
        .links
        .enrollments
        .keys()
        .map(|(section, person)| (section.as_str(), person.as_str()))
        .collect();
    let mut desired: HashMap<(&str, &str), EnrollmentRole> =
        HashMap::with_capacity_and_hasher(wants.len(), Default::default());
    let ids = LmsIds::new(b.input);
    // Iteration order does not show: `plan()` sorts every list at the end.
    for ((section, person), want) in wants {
        let Want::Current(role) = want else {
            // Ended enrollments are dropped below if rostersync manages them.
            continue;
        };
        let section_ready = sections
            .state
            .get(section.as_str())
            .is_some_and(|s| s.ready());
        let person_state = people.get(person.as_str()).copied();
        if person_state.is_some_and(|p| p.synced && !p.active) {
            // An inactive or withdrawn person keeps the account but no current
            // enrollments: dropped below if rostersync manages them.
            continue;
        }
        let person_ready = person_state.is_some_and(|p| p.ready());
        let key = || format!("{section}/{person}");
        if !section_ready {
            b.skip(
                Entity::Enrollment,
                key(),
                SkipReason::SectionNotSynced {
                    section: section.clone(),
                },
            );
            continue;
        }
        if !person_ready {
            b.skip(
                Entity::Enrollment,
                key(),
                SkipReason::PersonNotSynced {
                    person: person.clone(),
                },
            );
            continue;
        }
        desired.insert((section.as_str(), person.as_str()), role);
        match ids.existing(b, section.as_str(), person.as_str()) {
            None => push(b, section, person, EnrollmentAction::Enroll { role }),
            Some((id, current)) if current == role => {
                if owned.contains(&(section.as_str(), person.as_str())) {
                    b.unchanged(Entity::Enrollment);
                } else {
                    push(b, section, person, EnrollmentAction::Adopt { id });
                }
            }
            Some((id, current)) => {
                push(
                    b,
                    section,
                    person,
                    EnrollmentAction::ChangeRole {
                        id,
                        from: current,
                        to: role,
                    },
                );
            }
        }
    }
    if b.input.mapping.drop_policy() == DropPolicy::Keep {
        return;
    }
    for (section, person) in b.input.links.enrollments.keys() {
        if desired.contains_key(&(section.as_str(), person.as_str())) {
            continue;
        }
        let section_ready = sections
            .state
            .get(section.as_str())
            .is_some_and(|s| s.ready());
        let person_conflict = people.get(person.as_str()).is_some_and(|p| p.conflict);
        if !section_ready || person_conflict {
            continue;
        }
        if let Some((id, role)) = ids.existing(b, section.as_str(), person.as_str()) {
            push(b, section, person, EnrollmentAction::Unenroll { id, role });
        }
    }
}

fn stronger(a: Want, b: Want) -> Want {
    match (a, b) {
        (Want::Current(EnrollmentRole::Teacher), _)
        | (_, Want::Current(EnrollmentRole::Teacher)) => Want::Current(EnrollmentRole::Teacher),
        (Want::Current(role), _) | (_, Want::Current(role)) => Want::Current(role),
        (Want::Ended, Want::Ended) => Want::Ended,
    }
}

fn push(b: &mut Builder<'_>, section: &SectionKey, person: &PersonKey, action: EnrollmentAction) {
    b.plan.enrollments.push(EnrollmentOp {
        section: section.clone(),
        person: person.clone(),
        action,
    });
}

/// LMS ids of sections and people by SIS key: the links first, then the
/// unique field.
struct LmsIds<'a> {
    sections: HashMap<&'a str, &'a str>,
    users: HashMap<&'a str, &'a str>,
}

impl<'a> LmsIds<'a> {
    /// Built from the input alone (not the builder's index), so the builder stays free to change.
    fn new(input: &PlanInput<'a>) -> Self {
        fn keep_min<'a>(map: &mut HashMap<&'a str, &'a str>, key: Option<&'a str>, id: &'a str) {
            if let Some(key) = key.map(str::trim).filter(|key| !key.is_empty()) {
                map.entry(key)
                    .and_modify(|kept| *kept = (*kept).min(id))
                    .or_insert(id);
            }
        }
        let mut sections =
            HashMap::with_capacity_and_hasher(input.lms.sections.len(), Default::default());
        for section in &input.lms.sections {
            keep_min(
                &mut sections,
                section.unique_code.as_deref(),
                section.id.as_str(),
            );
        }
        sections.extend(
            input
                .links
                .sections
                .iter()
                .map(|(k, link)| (k.as_str(), link.id.as_str())),
        );
        let mut users =
            HashMap::with_capacity_and_hasher(input.lms.users.len(), Default::default());
        for user in &input.lms.users {
            keep_min(&mut users, user.unique_id.as_deref(), user.id.as_str());
        }
        users.extend(
            input
                .links
                .users
                .iter()
                .map(|(k, link)| (k.as_str(), link.id.as_str())),
        );
        LmsIds { sections, users }
    }

    /// The active LMS enrollment of a person in a section, by SIS keys.
    fn existing(
        &self,
        b: &Builder<'_>,
        section: &str,
        person: &str,
    ) -> Option<(crate::ids::EnrollmentId, EnrollmentRole)> {
        let section_id = self.sections.get(section)?;
        let user_id = self.users.get(person)?;
        let enrollment = b
            .lms
            .enrollments
            .get(&(*section_id, *user_id))
            .filter(|e| e.active)?;
        let role = if enrollment.admin {
            EnrollmentRole::Teacher
        } else {
            EnrollmentRole::Student
        };
        Some((enrollment.id.clone(), role))
    }
}

//! The LMS directory of a fresh district (buildings, roles, grading periods)
//! and the ready mapping from the SIS to it.

use rostersync_core::ids::{BuildingId, GradingPeriodId, RoleId};
use rostersync_core::mapping::{MappingSpec, RoleMap, RoleTarget, Selection, TermTarget};
use rostersync_core::model::lms::{LmsBuilding, LmsGradingPeriod, LmsRole};
use rostersync_core::model::sis::{School, SisSnapshot};

use super::LmsDirectoryFixture;
use super::schools::{Calendar, TermSlot};

/// The LMS role id students map to.
pub const STUDENT_ROLE_ID: &str = "1214";
/// The LMS (faculty) role id teachers map to.
pub const TEACHER_ROLE_ID: &str = "1215";
/// The LMS role id guardians map to.
pub const PARENT_ROLE_ID: &str = "1216";

/// The LMS building id of the school at `index` (0-based): "9001", "9002", ...
fn building_id(index: usize) -> BuildingId {
    BuildingId::new((9001 + index).to_string())
}

/// The id of the LMS grading period of a current-year term with one.
fn period_id(slot: TermSlot) -> Option<GradingPeriodId> {
    let id = match slot {
        TermSlot::Year => "7101",
        TermSlot::S1 => "7102",
        TermSlot::S2 => "7103",
        _ => return None,
    };
    Some(GradingPeriodId::new(id))
}

pub(crate) fn fixture(schools: &[School], calendar: &Calendar) -> LmsDirectoryFixture {
    let buildings = schools
        .iter()
        .enumerate()
        .map(|(i, school)| LmsBuilding {
            id: building_id(i),
            title: school.name.clone(),
            code: school.code.clone(),
        })
        .collect();
    let role = |id: &str, title: &str, faculty: bool| LmsRole {
        id: RoleId::new(id),
        title: title.to_owned(),
        faculty,
    };
    let roles = vec![
        role(STUDENT_ROLE_ID, "Student", false),
        role(TEACHER_ROLE_ID, "Teacher", true),
        role(PARENT_ROLE_ID, "Parent", false),
        role("1217", "School Admin", true),
        role("1218", "System Admin", true),
    ];
    let previous = Calendar::new(calendar.year - 1);
    let mut grading_periods = Vec::with_capacity(6);
    for (id, slot) in [
        ("7001", TermSlot::Year),
        ("7002", TermSlot::S1),
        ("7003", TermSlot::S2),
    ] {
        let (start, end) = previous.term_dates(slot);
        grading_periods.push(LmsGradingPeriod {
            id: GradingPeriodId::new(id),
            title: previous.term_title(slot),
            start,
            end,
        });
    }
    for slot in TermSlot::ALL {
        if let Some(id) = period_id(slot) {
            let (start, end) = calendar.term_dates(slot);
            grading_periods.push(LmsGradingPeriod {
                id,
                title: calendar.term_title(slot),
                start,
                end,
            });
        }
    }
    LmsDirectoryFixture {
        buildings,
        roles,
        grading_periods,
    }
}

pub(crate) fn mapping(
    sis: &SisSnapshot,
    directory: &LmsDirectoryFixture,
    calendar: &Calendar,
) -> MappingSpec {
    let mut spec = MappingSpec::default();
    for (school, building) in sis.schools.iter().zip(&directory.buildings) {
        spec.schools.insert(school.key.clone(), building.id.clone());
        spec.roles.insert(
            school.key.clone(),
            RoleMap::all(
                RoleTarget::Lms(RoleId::new(STUDENT_ROLE_ID)),
                RoleTarget::Lms(RoleId::new(TEACHER_ROLE_ID)),
                RoleTarget::Lms(RoleId::new(PARENT_ROLE_ID)),
            ),
        );
        for slot in TermSlot::ALL {
            let target = period_id(slot).map_or(TermTarget::Create, TermTarget::Existing);
            spec.terms
                .insert(calendar.term_key(&school.key, slot), target);
        }
    }
    let all = spec
        .schools
        .keys()
        .cloned()
        .collect::<std::collections::BTreeSet<_>>();
    spec.selection = Selection {
        users: all.clone(),
        courses: all.clone(),
        sections: all,
    };
    spec
}

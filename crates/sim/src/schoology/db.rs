//! The simulator's in-memory store: the district, its directory and its
//! records, with the lookups and uniqueness checks the endpoints share.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate};
use rostersync_core::model::lms::LmsBuilding;

use super::model::{
    Assignment, Course, Enrollment, Grade, GradingCategory, GradingPeriod, ParentLink, Section,
    Seed, State, User,
};

/// A role of the district.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Role {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) faculty: bool,
}

/// The whole store. Records change only through the `put_*`, `remove_*`
/// and link methods, which keep the lookup indexes in step.
#[derive(Debug, Default)]
pub(crate) struct Db {
    next_id: u64,
    pub(crate) school_id: String,
    pub(crate) school_title: String,
    pub(crate) buildings: Vec<LmsBuilding>,
    pub(crate) roles: Vec<Role>,
    pub(crate) grading_periods: BTreeMap<u64, GradingPeriod>,
    pub(crate) users: BTreeMap<u64, User>,
    pub(crate) courses: BTreeMap<u64, Course>,
    pub(crate) sections: BTreeMap<u64, Section>,
    pub(crate) enrollments: BTreeMap<u64, Enrollment>,
    pub(crate) parent_links: BTreeSet<ParentLink>,
    pub(crate) assignments: BTreeMap<u64, Assignment>,
    pub(crate) categories: BTreeMap<u64, GradingCategory>,
    pub(crate) grades: BTreeMap<(u64, u64), Grade>,
    pub(crate) foreign_emails: BTreeSet<String>,
    index: Index,
}

/// Lookups that would otherwise scan every record.
#[derive(Debug, Default)]
struct Index {
    /// `school_uid` → user (active or not).
    school_uid: HashMap<String, u64>,
    /// Lowercased e-mail → active user.
    email: HashMap<String, u64>,
    /// Lowercased username → user.
    username: HashMap<String, u64>,
    /// (building, course code) → course.
    course_code: HashMap<(String, String), u64>,
    /// `section_school_code` → section.
    section_code: HashMap<String, u64>,
    /// Section → its enrollments.
    section_enrollments: HashMap<u64, BTreeSet<u64>>,
    /// (section, user) → enrollment.
    enrollment: HashMap<(u64, u64), u64>,
    /// (child, parent) pairs.
    parents: BTreeSet<(u64, u64)>,
    /// Primary building → its active users.
    building_users: HashMap<String, BTreeSet<u64>>,
    /// Course → its sections.
    course_sections: HashMap<u64, BTreeSet<u64>>,
}

impl Db {
    pub(crate) fn new(school_id: String, school_title: String) -> Self {
        Db {
            next_id: 100_000,
            school_id,
            school_title,
            ..Db::default()
        }
    }

    /// A fresh id, above every id seen so far.
    pub(crate) fn fresh_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn id_or_fresh(&mut self, id: u64) -> u64 {
        if id == 0 {
            self.fresh_id()
        } else {
            self.next_id = self.next_id.max(id);
            id
        }
    }

    /// Puts a seeded record in; its id (0 for an e-mail).
    pub(crate) fn seed(&mut self, seed: Seed) -> u64 {
        match seed {
            Seed::User(mut user) => {
                user.id = self.id_or_fresh(user.id);
                let id = user.id;
                self.put_user(user);
                id
            }
            Seed::Course(mut course) => {
                course.id = self.id_or_fresh(course.id);
                let id = course.id;
                self.put_course(course);
                id
            }
            Seed::Section(mut section) => {
                section.id = self.id_or_fresh(section.id);
                let id = section.id;
                self.put_section(section);
                id
            }
            Seed::Enrollment(mut enrollment) => {
                enrollment.id = self.id_or_fresh(enrollment.id);
                if enrollment.status == 0 {
                    enrollment.status = 1;
                }
                let id = enrollment.id;
                self.put_enrollment(enrollment);
                id
            }
            Seed::GradingPeriod(mut period) => {
                period.id = self.id_or_fresh(period.id);
                let id = period.id;
                self.grading_periods.insert(id, period);
                id
            }
            Seed::ParentLink(link) => {
                self.link(link);
                0
            }
            Seed::Assignment(mut assignment) => {
                assignment.id = self.id_or_fresh(assignment.id);
                let id = assignment.id;
                self.assignments.insert(id, assignment);
                id
            }
            Seed::GradingCategory(mut category) => {
                category.id = self.id_or_fresh(category.id);
                let id = category.id;
                self.categories.insert(id, category);
                id
            }
            Seed::Grade(grade) => {
                self.grades
                    .insert((grade.enrollment_id, grade.assignment_id), grade);
                0
            }
            Seed::ForeignEmail(email) => {
                self.foreign_emails.insert(email.to_lowercase());
                0
            }
        }
    }

    /// Everything, copied out.
    pub(crate) fn state(&self) -> State {
        State {
            users: self.users.values().cloned().collect(),
            courses: self.courses.values().cloned().collect(),
            sections: self.sections.values().cloned().collect(),
            enrollments: self.enrollments.values().cloned().collect(),
            grading_periods: self.grading_periods.values().cloned().collect(),
            parent_links: self.parent_links.iter().copied().collect(),
            assignments: self.assignments.values().cloned().collect(),
            grading_categories: self.categories.values().cloned().collect(),
            grades: self.grades.values().cloned().collect(),
        }
    }

    pub(crate) fn is_building(&self, id: &str) -> bool {
        id == self.school_id || self.buildings.iter().any(|b| b.id.as_str() == id)
    }

    pub(crate) fn role(&self, id: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.id == id)
    }

    /// The user (active or not) holding this unique id.
    pub(crate) fn user_by_school_uid(&self, school_uid: &str) -> Option<u64> {
        self.index.school_uid.get(school_uid).copied()
    }

    pub(crate) fn active_user_by_school_uid(&self, school_uid: &str) -> Option<&User> {
        self.user_by_school_uid(school_uid)
            .and_then(|id| self.users.get(&id))
            .filter(|u| u.active)
    }

    /// Another active user with this e-mail (case-insensitive).
    pub(crate) fn email_owner(&self, email: &str, except: Option<u64>) -> Option<u64> {
        self.index
            .email
            .get(&email.to_lowercase())
            .copied()
            .filter(|id| Some(*id) != except)
    }

    pub(crate) fn username_taken(&self, username: &str, except: Option<u64>) -> bool {
        self.index
            .username
            .get(&username.to_lowercase())
            .is_some_and(|id| Some(*id) != except)
    }

    pub(crate) fn course_by_code(&self, building: &str, code: &str) -> Option<u64> {
        self.index
            .course_code
            .get(&(building.to_owned(), code.to_owned()))
            .copied()
    }

    pub(crate) fn section_by_code(&self, code: &str) -> Option<u64> {
        self.index.section_code.get(code).copied()
    }

    pub(crate) fn enrollment_of(&self, section: u64, uid: u64) -> Option<u64> {
        self.index.enrollment.get(&(section, uid)).copied()
    }

    /// The enrollments of a section, by id.
    pub(crate) fn section_enrollments(&self, section: u64) -> impl Iterator<Item = &Enrollment> {
        self.index
            .section_enrollments
            .get(&section)
            .into_iter()
            .flatten()
            .filter_map(|id| self.enrollments.get(id))
    }

    /// The parents of a user.
    pub(crate) fn parents_of(&self, child: u64) -> impl Iterator<Item = u64> + '_ {
        self.index
            .parents
            .range((child, 0)..=(child, u64::MAX))
            .map(|(_, parent)| *parent)
    }

    /// The children of a user.
    pub(crate) fn children_of(&self, parent: u64) -> impl Iterator<Item = u64> + '_ {
        let from = ParentLink { parent, child: 0 };
        let to = ParentLink {
            parent,
            child: u64::MAX,
        };
        self.parent_links.range(from..=to).map(|l| l.child)
    }

    /// Adds a parent link; whether it is new.
    pub(crate) fn link(&mut self, link: ParentLink) -> bool {
        self.index.parents.insert((link.child, link.parent));
        self.parent_links.insert(link)
    }

    /// Removes a parent link; whether it was there.
    pub(crate) fn unlink(&mut self, link: ParentLink) -> bool {
        self.index.parents.remove(&(link.child, link.parent));
        self.parent_links.remove(&link)
    }

    /// Stores a user (new or changed).
    pub(crate) fn put_user(&mut self, user: User) {
        if let Some(old) = self.users.remove(&user.id) {
            self.unindex_user(&old);
        }
        if let Some(uid) = &user.school_uid {
            self.index.school_uid.insert(uid.clone(), user.id);
        }
        if user.active {
            self.index
                .building_users
                .entry(user.building_id.clone())
                .or_default()
                .insert(user.id);
        }
        if let Some(name) = &user.username {
            self.index.username.insert(name.to_lowercase(), user.id);
        }
        if let Some(email) = user.primary_email.as_ref().filter(|_| user.active) {
            self.index.email.insert(email.to_lowercase(), user.id);
        }
        self.users.insert(user.id, user);
    }

    /// The ids of the active users whose primary building is `building`.
    pub(crate) fn active_in_building(&self, building: &str) -> Option<&BTreeSet<u64>> {
        self.index.building_users.get(building)
    }

    /// The sections of a course, by id.
    pub(crate) fn course_sections(&self, course: u64) -> impl Iterator<Item = &Section> {
        self.index
            .course_sections
            .get(&course)
            .into_iter()
            .flatten()
            .filter_map(|id| self.sections.get(id))
    }

    fn unindex_user(&mut self, user: &User) {
        if let Some(set) = self.index.building_users.get_mut(&user.building_id) {
            set.remove(&user.id);
        }
        fn drop_key(map: &mut HashMap<String, u64>, key: String, id: u64) {
            if map.get(&key) == Some(&id) {
                map.remove(&key);
            }
        }
        if let Some(uid) = &user.school_uid {
            drop_key(&mut self.index.school_uid, uid.clone(), user.id);
        }
        if let Some(name) = &user.username {
            drop_key(&mut self.index.username, name.to_lowercase(), user.id);
        }
        if let Some(email) = &user.primary_email {
            drop_key(&mut self.index.email, email.to_lowercase(), user.id);
        }
    }

    /// Drops the grades of an enrollment.
    fn remove_grades(&mut self, enrollment: u64) {
        let keys: Vec<(u64, u64)> = self
            .grades
            .range((enrollment, 0)..=(enrollment, u64::MAX))
            .map(|(k, _)| *k)
            .collect();
        for key in keys {
            self.grades.remove(&key);
        }
    }

    /// Stores a course (new or changed).
    pub(crate) fn put_course(&mut self, course: Course) {
        if let Some(old) = self.courses.remove(&course.id) {
            self.index
                .course_code
                .remove(&(old.building_id.clone(), old.course_code.clone()));
        }
        if !course.course_code.is_empty() {
            self.index.course_code.insert(
                (course.building_id.clone(), course.course_code.clone()),
                course.id,
            );
        }
        self.courses.insert(course.id, course);
    }

    /// Stores a section (new or changed).
    pub(crate) fn put_section(&mut self, section: Section) {
        if let Some(code) = self
            .sections
            .remove(&section.id)
            .and_then(|old| old.section_school_code)
        {
            self.index.section_code.remove(&code);
        }
        if let Some(code) = &section.section_school_code {
            self.index.section_code.insert(code.clone(), section.id);
        }
        self.index
            .course_sections
            .entry(section.course_id)
            .or_default()
            .insert(section.id);
        self.sections.insert(section.id, section);
    }

    /// Stores an enrollment (new or with a changed status or admin flag).
    pub(crate) fn put_enrollment(&mut self, enrollment: Enrollment) {
        self.index
            .section_enrollments
            .entry(enrollment.section_id)
            .or_default()
            .insert(enrollment.id);
        self.index
            .enrollment
            .insert((enrollment.section_id, enrollment.uid), enrollment.id);
        self.enrollments.insert(enrollment.id, enrollment);
    }

    /// Removes a section with its enrollments, assignments and grades; how
    /// many records went.
    pub(crate) fn remove_section(&mut self, id: u64) -> u64 {
        let Some(section) = self.sections.remove(&id) else {
            return 0;
        };
        if let Some(code) = section.section_school_code {
            self.index.section_code.remove(&code);
        }
        if let Some(set) = self.index.course_sections.get_mut(&section.course_id) {
            set.remove(&id);
        }
        let enrollments: Vec<u64> = self
            .index
            .section_enrollments
            .remove(&id)
            .unwrap_or_default()
            .into_iter()
            .collect();
        for enrollment in &enrollments {
            if let Some(e) = self.enrollments.remove(enrollment) {
                self.index.enrollment.remove(&(e.section_id, e.uid));
            }
            self.remove_grades(*enrollment);
        }
        self.assignments.retain(|_, a| a.section_id != id);
        self.categories.retain(|_, c| c.section_id != id);
        1 + enrollments.len() as u64
    }

    /// Removes a course with its sections; how many records went.
    pub(crate) fn remove_course(&mut self, id: u64) -> u64 {
        let Some(course) = self.courses.remove(&id) else {
            return 0;
        };
        self.index
            .course_code
            .remove(&(course.building_id, course.course_code));
        let sections: Vec<u64> = self
            .sections
            .values()
            .filter(|s| s.course_id == id)
            .map(|s| s.id)
            .collect();
        1 + sections
            .iter()
            .map(|s| self.remove_section(*s))
            .sum::<u64>()
    }

    /// Removes an enrollment and its grades.
    pub(crate) fn remove_enrollment(&mut self, id: u64) -> bool {
        let Some(e) = self.enrollments.remove(&id) else {
            return false;
        };
        self.index.enrollment.remove(&(e.section_id, e.uid));
        if let Some(set) = self.index.section_enrollments.get_mut(&e.section_id) {
            set.remove(&id);
        }
        self.remove_grades(id);
        true
    }
}

/// Today's date (UTC) from the system clock.
pub(crate) fn today() -> NaiveDate {
    let secs = now_secs();
    DateTime::from_timestamp(secs, 0).map_or(NaiveDate::MIN, |t| t.date_naive())
}

/// Unix seconds now.
pub(crate) fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

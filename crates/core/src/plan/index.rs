//! Look-up tables over the LMS snapshot and the links, built once per plan.
//!
//! Where the LMS holds two records that answer the same look-up (two users
//! with one e-mail), the one with the smallest id wins, so the plan does not
//! depend on the order the LMS listed them in.

use foldhash::{HashMap, HashSet};

use crate::model::links::Links;
use crate::model::lms::{
    LmsCourse, LmsEnrollment, LmsGradingPeriod, LmsSection, LmsSnapshot, LmsUser,
};

/// Inserts `value` under `key`, keeping the value with the smallest id.
fn keep_min<'a, T>(
    map: &mut HashMap<String, &'a T>,
    key: String,
    value: &'a T,
    id: fn(&T) -> &str,
) {
    map.entry(key)
        .and_modify(|kept| {
            if id(value) < id(kept) {
                *kept = value;
            }
        })
        .or_insert(value);
}

fn user_id_of(user: &LmsUser) -> &str {
    user.id.as_str()
}

/// Normalizes an e-mail or username for comparison.
pub(crate) fn fold(text: &str) -> String {
    text.trim().to_lowercase()
}

/// Look-ups over the LMS side.
#[derive(Debug)]
pub(crate) struct LmsIndex<'a> {
    pub(crate) users_by_id: HashMap<&'a str, &'a LmsUser>,
    pub(crate) users_by_unique: HashMap<String, &'a LmsUser>,
    pub(crate) users_by_email: HashMap<String, &'a LmsUser>,
    pub(crate) users_by_username: HashMap<String, &'a LmsUser>,
    pub(crate) courses_by_id: HashMap<&'a str, &'a LmsCourse>,
    pub(crate) courses_by_code: HashMap<String, &'a LmsCourse>,
    pub(crate) sections_by_id: HashMap<&'a str, &'a LmsSection>,
    pub(crate) sections_by_unique: HashMap<String, &'a LmsSection>,
    pub(crate) periods_by_id: HashMap<&'a str, &'a LmsGradingPeriod>,
    pub(crate) periods_by_title: HashMap<String, &'a LmsGradingPeriod>,
    /// Enrollments by (section id, user id); an active one wins over an inactive one.
    pub(crate) enrollments: HashMap<(&'a str, &'a str), &'a LmsEnrollment>,
    /// Parent links as (parent id, child id).
    pub(crate) parent_links: HashSet<(&'a str, &'a str)>,
}

impl<'a> LmsIndex<'a> {
    pub(crate) fn new(lms: &'a LmsSnapshot) -> Self {
        let mut index = LmsIndex {
            users_by_id: HashMap::with_capacity_and_hasher(lms.users.len(), Default::default()),
            users_by_unique: HashMap::with_capacity_and_hasher(lms.users.len(), Default::default()),
            users_by_email: HashMap::with_capacity_and_hasher(lms.users.len(), Default::default()),
            users_by_username: HashMap::default(),
            courses_by_id: HashMap::with_capacity_and_hasher(lms.courses.len(), Default::default()),
            courses_by_code: HashMap::with_capacity_and_hasher(
                lms.courses.len(),
                Default::default(),
            ),
            sections_by_id: HashMap::with_capacity_and_hasher(
                lms.sections.len(),
                Default::default(),
            ),
            sections_by_unique: HashMap::with_capacity_and_hasher(
                lms.sections.len(),
                Default::default(),
            ),
            periods_by_id: HashMap::default(),
            periods_by_title: HashMap::default(),
            enrollments: HashMap::with_capacity_and_hasher(
                lms.enrollments.len(),
                Default::default(),
            ),
            parent_links: HashSet::with_capacity_and_hasher(
                lms.parent_links.len(),
                Default::default(),
            ),
        };
        for user in &lms.users {
            index.users_by_id.insert(user.id.as_str(), user);
            if let Some(unique) = nonempty(user.unique_id.as_deref()) {
                keep_min(
                    &mut index.users_by_unique,
                    unique.to_owned(),
                    user,
                    user_id_of,
                );
            }
            if let Some(email) = nonempty(user.fields.email.as_deref()) {
                keep_min(&mut index.users_by_email, fold(email), user, user_id_of);
            }
            if let Some(username) = nonempty(user.fields.username.as_deref()) {
                keep_min(
                    &mut index.users_by_username,
                    fold(username),
                    user,
                    user_id_of,
                );
            }
        }
        for course in &lms.courses {
            index.courses_by_id.insert(course.id.as_str(), course);
            if let Some(code) = nonempty(Some(&course.code)) {
                keep_min(&mut index.courses_by_code, code.to_owned(), course, |c| {
                    c.id.as_str()
                });
            }
        }
        for section in &lms.sections {
            index.sections_by_id.insert(section.id.as_str(), section);
            if let Some(code) = nonempty(section.unique_code.as_deref()) {
                keep_min(
                    &mut index.sections_by_unique,
                    code.to_owned(),
                    section,
                    |s| s.id.as_str(),
                );
            }
        }
        for period in &lms.grading_periods {
            index.periods_by_id.insert(period.id.as_str(), period);
            keep_min(
                &mut index.periods_by_title,
                fold(&period.title),
                period,
                |p| p.id.as_str(),
            );
        }
        for enrollment in &lms.enrollments {
            let key = (enrollment.section.as_str(), enrollment.user.as_str());
            index
                .enrollments
                .entry(key)
                .and_modify(|kept| {
                    let better = (!enrollment.active, enrollment.id.as_str())
                        < (!kept.active, kept.id.as_str());
                    if better {
                        *kept = enrollment;
                    }
                })
                .or_insert(enrollment);
        }
        for link in &lms.parent_links {
            index
                .parent_links
                .insert((link.parent.as_str(), link.child.as_str()));
        }
        index
    }
}

/// The trimmed text, unless it is empty.
pub(crate) fn nonempty(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|text| !text.is_empty())
}

/// Reverse look-ups from LMS ids to the SIS keys linked to them.
#[derive(Debug)]
pub(crate) struct LinkIndex<'a> {
    pub(crate) users: HashMap<&'a str, &'a str>,
    pub(crate) courses: HashMap<&'a str, &'a str>,
    pub(crate) sections: HashMap<&'a str, &'a str>,
}

impl<'a> LinkIndex<'a> {
    pub(crate) fn new(links: &'a Links) -> Self {
        LinkIndex {
            users: links
                .users
                .iter()
                .map(|(key, link)| (link.id.as_str(), key.as_str()))
                .collect(),
            courses: links
                .courses
                .iter()
                .map(|(key, link)| (link.id.as_str(), key.as_str()))
                .collect(),
            sections: links
                .sections
                .iter()
                .map(|(key, link)| (link.id.as_str(), key.as_str()))
                .collect(),
        }
    }
}

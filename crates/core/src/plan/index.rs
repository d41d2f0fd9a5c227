//! Look-up tables over the LMS snapshot and the links, built once per plan.
//!
//! Where the LMS holds two records that answer the same look-up (two users
//! with one e-mail), the one with the smallest id wins, so the plan does not
//! depend on the order the LMS listed them in.

use std::borrow::Cow;

use foldhash::{HashMap, HashSet};

use crate::ids::{CourseId, SectionId, UserId};
use crate::model::links::{Link, Links};
use crate::model::lms::{LmsCourse, LmsGradingPeriod, LmsSection, LmsSnapshot, LmsUser};

/// Inserts `value` under `key`, keeping the value with the smallest id.
fn keep_min<'a, K: std::hash::Hash + Eq, T>(
    map: &mut HashMap<K, &'a T>,
    key: K,
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

/// Like [`fold`], without allocating when the text is already folded.
pub(crate) fn fold_cow(text: &str) -> Cow<'_, str> {
    let trimmed = text.trim();
    if trimmed.chars().any(char::is_uppercase) {
        Cow::Owned(trimmed.to_lowercase())
    } else {
        Cow::Borrowed(trimmed)
    }
}

/// Normalizes an e-mail or username for comparison.
pub(crate) fn fold(text: &str) -> String {
    text.trim().to_lowercase()
}

/// Look-ups over the LMS side.
#[derive(Debug)]
pub(crate) struct LmsIndex<'a> {
    pub(crate) users_by_id: HashMap<&'a str, &'a LmsUser>,
    pub(crate) users_by_unique: HashMap<&'a str, &'a LmsUser>,
    pub(crate) users_by_email: HashMap<Cow<'a, str>, &'a LmsUser>,
    pub(crate) users_by_username: HashMap<Cow<'a, str>, &'a LmsUser>,
    pub(crate) courses_by_id: HashMap<&'a str, &'a LmsCourse>,
    pub(crate) courses_by_code: HashMap<&'a str, &'a LmsCourse>,
    pub(crate) sections_by_id: HashMap<&'a str, &'a LmsSection>,
    pub(crate) sections_by_unique: HashMap<&'a str, &'a LmsSection>,
    pub(crate) periods_by_id: HashMap<&'a str, &'a LmsGradingPeriod>,
    pub(crate) periods_by_title: HashMap<Cow<'a, str>, &'a LmsGradingPeriod>,
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
            parent_links: HashSet::with_capacity_and_hasher(
                lms.parent_links.len(),
                Default::default(),
            ),
        };
        for user in &lms.users {
            index.users_by_id.insert(user.id.as_str(), user);
            if let Some(unique) = nonempty(user.unique_id.as_deref()) {
                keep_min(&mut index.users_by_unique, unique, user, user_id_of);
            }
            if let Some(email) = nonempty(user.fields.email.as_deref()) {
                keep_min(&mut index.users_by_email, fold_cow(email), user, user_id_of);
            }
            if let Some(username) = nonempty(user.fields.username.as_deref()) {
                keep_min(
                    &mut index.users_by_username,
                    fold_cow(username),
                    user,
                    user_id_of,
                );
            }
        }
        for course in &lms.courses {
            index.courses_by_id.insert(course.id.as_str(), course);
            if let Some(code) = nonempty(Some(&course.code)) {
                keep_min(&mut index.courses_by_code, code, course, |c| c.id.as_str());
            }
        }
        for section in &lms.sections {
            index.sections_by_id.insert(section.id.as_str(), section);
            if let Some(code) = nonempty(section.unique_code.as_deref()) {
                keep_min(&mut index.sections_by_unique, code, section, |s| {
                    s.id.as_str()
                });
            }
        }
        for period in &lms.grading_periods {
            index.periods_by_id.insert(period.id.as_str(), period);
            keep_min(
                &mut index.periods_by_title,
                fold_cow(&period.title),
                period,
                |p| p.id.as_str(),
            );
        }
        for link in &lms.parent_links {
            index
                .parent_links
                .insert((link.parent.as_str(), link.child.as_str()));
        }
        index
    }

    /// Empties the user look-ups and gives their memory back.
    pub(crate) fn release_users(&mut self) {
        self.users_by_id = HashMap::default();
        self.users_by_unique = HashMap::default();
        self.users_by_email = HashMap::default();
        self.users_by_username = HashMap::default();
    }
}

/// The trimmed text, unless it is empty.
pub(crate) fn nonempty(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|text| !text.is_empty())
}

/// Reverse look-ups from LMS ids to the SIS keys linked to them.
#[derive(Debug)]
pub(crate) struct LinkIndex<'a> {
    /// LMS user id → SIS key.
    pub(crate) users: HashMap<&'a str, &'a str>,
    /// LMS course id → SIS key.
    pub(crate) courses: HashMap<&'a str, &'a str>,
    /// LMS section id → SIS key.
    pub(crate) sections: HashMap<&'a str, &'a str>,
    /// SIS key → user link (a hash look-up beats the store's ordered map here).
    pub(crate) user_links: HashMap<&'a str, &'a Link<UserId>>,
    /// SIS key → course link.
    pub(crate) course_links: HashMap<&'a str, &'a Link<CourseId>>,
    /// SIS key → section link.
    pub(crate) section_links: HashMap<&'a str, &'a Link<SectionId>>,
}

impl<'a> LinkIndex<'a> {
    pub(crate) fn new(links: &'a Links) -> Self {
        type ById<'m> = HashMap<&'m str, &'m str>;
        fn both<K: AsRef<str>, Id: AsRef<str>>(
            map: &std::collections::BTreeMap<K, Link<Id>>,
        ) -> (ById<'_>, HashMap<&str, &Link<Id>>) {
            let mut by_id = HashMap::with_capacity_and_hasher(map.len(), Default::default());
            let mut by_key = HashMap::with_capacity_and_hasher(map.len(), Default::default());
            for (key, link) in map {
                by_id.insert(link.id.as_ref(), key.as_ref());
                by_key.insert(key.as_ref(), link);
            }
            (by_id, by_key)
        }
        let (users, user_links) = both(&links.users);
        let (courses, course_links) = both(&links.courses);
        let (sections, section_links) = both(&links.sections);
        LinkIndex {
            users,
            courses,
            sections,
            user_links,
            course_links,
            section_links,
        }
    }

    /// Empties the user look-ups and gives their memory back.
    pub(crate) fn release_users(&mut self) {
        self.users = HashMap::default();
        self.user_links = HashMap::default();
    }
}

//! Planning enrollments: the SIS's current enrollments and section teachers
//! against the LMS, adding what is missing and dropping only what the links
//! say rostersync manages.
//!
//! An enrollment that begins after today is not created before its first
//! day (a student moving schools mid-year is never in both schools' sections
//! at once); until then it is a note saying when it begins. One the LMS
//! already has is kept as it is, never dropped: the SIS still wants it.
//!
//! A district has millions of enrollments, so this phase works on ranks:
//! every section and person key gets its position in sorted key order, and
//! pairs are `u64`s. Hashing and sorting integers is what keeps `plan()` fast;
//! sorting by rank is sorting by key, so the output order is the key order.

use chrono::NaiveDate;
use compact_str::CompactString;
use foldhash::HashMap;

use crate::entity::Entity;
use crate::ids::{PersonKey, SectionKey};
use crate::mapping::DropPolicy;
use crate::model::lms::LmsEnrollment;
use crate::model::sis::{Enrollment, EnrollmentRole};
use crate::plan::PlanInput;
use crate::plan::builder::{Builder, Party, join};
use crate::plan::sections::SectionStates;
use crate::plan::types::{EnrollmentAction, EnrollmentOp, NoteReason, SkipReason};

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

/// What the SIS's rows say of one (target section, person) pair, merged
/// over every row of the pair; 8 bytes, like the pair's key, so that the
/// millions of them sort as compactly as before dates were kept. One date
/// serves both dated cases: a row that begins later outweighs every row
/// that ended, so the last day of ended rows matters only when none does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rows {
    /// The strongest role of a current row (teacher over student).
    now: Option<EnrollmentRole>,
    /// With `later`, the first day of the earliest row that begins after
    /// today; without, the last day of the latest row that ended.
    day: Option<NaiveDate>,
    /// A row begins after today.
    later: bool,
    /// The role of the earliest row that begins later (teacher, when two
    /// begin on the same day); student when no row begins later.
    later_role: EnrollmentRole,
    /// The section names the person as a teacher (primary or co-teacher).
    listed: bool,
}

// The pairs sort as (u64, Rows): 16 bytes each while `Rows` stays at 8.
const _: () = assert!(std::mem::size_of::<Rows>() == 8);

/// What the plan makes of a pair's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    /// Enrolled now, with this role.
    Now(EnrollmentRole),
    /// Enrolled from a day after today: not created before it, but an
    /// enrollment the LMS already has is kept.
    Later(EnrollmentRole, NaiveDate),
    /// Every row ended, the last on this day, and the section does not name
    /// the person as a teacher: not wanted, but said why.
    Ended(NaiveDate),
}

impl Rows {
    /// Nothing said yet.
    const NONE: Rows = Rows {
        now: None,
        day: None,
        later: false,
        later_role: EnrollmentRole::Student,
        listed: false,
    };

    /// What one enrollment row says on `today`.
    fn of(enrollment: &Enrollment, today: NaiveDate) -> Rows {
        if let Some(end) = enrollment.end.filter(|end| *end < today) {
            return Rows {
                day: Some(end),
                ..Rows::NONE
            };
        }
        match enrollment.begin.filter(|begin| *begin > today) {
            Some(begin) => Rows {
                day: Some(begin),
                later: true,
                later_role: enrollment.role,
                ..Rows::NONE
            },
            None => Rows {
                now: Some(enrollment.role),
                ..Rows::NONE
            },
        }
    }

    /// The section's naming of a teacher.
    fn listed() -> Rows {
        Rows {
            listed: true,
            ..Rows::NONE
        }
    }

    /// Both rows' say: commutative and associative, so the merge does not
    /// depend on the order rows come in.
    fn merge(self, other: Rows) -> Rows {
        let dated = match (self.later, other.later) {
            // The earliest first day; on the same day, the stronger role.
            (true, true) => match self.day.cmp(&other.day) {
                std::cmp::Ordering::Less => self,
                std::cmp::Ordering::Greater => other,
                std::cmp::Ordering::Equal => Rows {
                    later_role: self.later_role.max(other.later_role),
                    ..self
                },
            },
            (true, false) => self,
            (false, true) => other,
            // The latest last day (`None`, no ended row, is the smallest).
            (false, false) if self.day >= other.day => self,
            (false, false) => other,
        };
        Rows {
            now: self.now.max(other.now),
            day: dated.day,
            later: dated.later,
            later_role: dated.later_role,
            listed: self.listed || other.listed,
        }
    }

    /// What the plan wants of the pair. A section's teacher is wanted now,
    /// unless a teacher row of the pair begins later: then that row's day
    /// governs, as for any other row.
    fn want(self) -> Option<Want> {
        let later_teacher = self.later && self.later_role == EnrollmentRole::Teacher;
        let listed_now = (self.listed && !later_teacher).then_some(EnrollmentRole::Teacher);
        match (self.now.max(listed_now), self.day) {
            (Some(role), _) => Some(Want::Now(role)),
            (None, Some(begin)) if self.later => Some(Want::Later(self.later_role, begin)),
            (None, Some(end)) => Some(Want::Ended(end)),
            (None, None) => None,
        }
    }
}

/// Keys in sorted order, and each key's rank.
struct Ranks<'a, K> {
    keys: Vec<&'a K>,
    /// Keys held inline (ids are short), so a look-up compares without
    /// following a pointer into the snapshot.
    rank: HashMap<CompactString, u32>,
}

impl<'a, K: AsRef<str> + Ord + 'a> Ranks<'a, K> {
    /// Ranks `keys` in sorted order.
    fn new(keys: impl Iterator<Item = &'a K>) -> Self {
        let mut keys: Vec<&'a K> = keys.collect();
        keys.sort_unstable();
        keys.dedup();
        let rank = keys
            .iter()
            .enumerate()
            .map(|(i, key)| (CompactString::from((*key).as_ref()), i as u32))
            .collect();
        Ranks { keys, rank }
    }

    fn of(&self, key: &str) -> Option<u32> {
        self.rank.get(key).copied()
    }

    /// The rank of `key`, giving a key not seen yet the next rank. Such keys
    /// (people and sections only the links still name) come after the sorted
    /// ones, so their order is not key order; `plan()` sorts its output.
    fn of_or_add(&mut self, key: &'a K) -> u32 {
        if let Some(rank) = self.of(key.as_ref()) {
            return rank;
        }
        let rank = self.keys.len() as u32;
        self.keys.push(key);
        self.rank.insert(CompactString::from(key.as_ref()), rank);
        rank
    }
}

/// Remembers the last key looked up: enrollments come grouped by section,
/// so most look-ups repeat the previous one.
struct LastRank<'k> {
    key: &'k str,
    rank: Option<u32>,
}

impl<'k> LastRank<'k> {
    fn new() -> Self {
        LastRank {
            key: "",
            rank: None,
        }
    }

    fn get(&mut self, key: &'k str, look_up: impl FnOnce(&'k str) -> Option<u32>) -> Option<u32> {
        if key != self.key || self.key.is_empty() {
            self.key = key;
            self.rank = look_up(key);
        }
        self.rank
    }
}

/// Look-ups in a list sorted by key, for keys asked in ascending order: each
/// look-up walks on from the last instead of searching.
struct Walk<'s, T> {
    items: &'s [T],
    key: fn(&T) -> u64,
    at: usize,
}

impl<'s, T> Walk<'s, T> {
    fn new(items: &'s [T], key: fn(&T) -> u64) -> Self {
        Walk { items, key, at: 0 }
    }

    /// The item with `key`, if any; `key` must not be below the last one asked.
    fn get(&mut self, key: u64) -> Option<&'s T> {
        while self
            .items
            .get(self.at)
            .is_some_and(|item| (self.key)(item) < key)
        {
            self.at += 1;
        }
        self.items
            .get(self.at)
            .filter(|item| (self.key)(item) == key)
    }
}

fn pair(section: u32, person: u32) -> u64 {
    (u64::from(section) << 32) | u64::from(person)
}

fn unpair(key: u64) -> (usize, usize) {
    ((key >> 32) as usize, (key & u64::from(u32::MAX)) as usize)
}

/// Plans every enrollment.
pub(crate) fn plan_enrollments<'a>(
    b: &mut Builder<'a>,
    people: &HashMap<&'a str, Party>,
    sections: &SectionStates<'a>,
) {
    let input = b.input;
    let links = &input.links.enrollments;
    let mut section_ranks = Ranks::new(sections.target.values().copied());
    let mut person_ranks = Ranks::new(input.sis.people.iter().map(|p| &p.key));
    let mut owned: Vec<u64> = Vec::with_capacity(links.len());
    let mut last_section: Option<(&SectionKey, u32)> = None;
    for (section, person) in links.keys() {
        let s = match last_section {
            Some((last, rank)) if last == section => rank,
            _ => {
                let rank = section_ranks.of_or_add(section);
                last_section = Some((section, rank));
                rank
            }
        };
        owned.push(pair(s, person_ranks.of_or_add(person)));
    }
    owned.sort_unstable();
    let section_ranks = section_ranks;
    let person_ranks = person_ranks;
    let section_ready: Vec<bool> = section_ranks
        .keys
        .iter()
        .map(|key| sections.state.get(key.as_str()).is_some_and(|s| s.ready()))
        .collect();
    let person_state: Vec<Option<Party>> = person_ranks
        .keys
        .iter()
        .map(|key| people.get(key.as_str()).copied())
        .collect();
    // SIS section → the rank of the section that receives its enrollments.
    let target_rank: HashMap<&str, u32> = sections
        .target
        .iter()
        .filter_map(|(section, target)| Some((*section, section_ranks.of(target.as_str())?)))
        .collect();

    // What the SIS wants and what the LMS has are independent: two cores.
    let (wants, existing) = std::thread::scope(|scope| {
        let existing = scope.spawn(|| existing_enrollments(input, &section_ranks, &person_ranks));
        let wants = wanted_pairs(input, &target_rank, &person_ranks);
        (wants, join(existing))
    });
    // Only drops need the desired pairs, and only managed enrollments can drop.
    let drops = !owned.is_empty() && input.mapping.drop_policy() != DropPolicy::Keep;
    let mut desired: Vec<u64> = Vec::with_capacity(if drops { wants.len() } else { 0 });
    let mut owned_walk = Walk::new(&owned, |key| *key);
    let mut existing_walk = Walk::new(&existing, |(key, _)| *key);
    // Room for every op up front: a growing vector of millions would copy
    // itself and hold two copies at its peak; pages never written cost no memory.
    b.plan.enrollments.reserve(wants.len() + owned.len());
    for (key, rows) in wants {
        let Some(want) = rows.want() else {
            continue;
        };
        let (s, p) = unpair(key);
        let (section, person) = (section_ranks.keys[s], person_ranks.keys[p]);
        let (role, begins) = match want {
            Want::Now(role) => (role, None),
            Want::Later(role, begin) => (role, Some(begin)),
            Want::Ended(end) => {
                // Not wanted: one rostersync manages is dropped below (or
                // kept by the drop policy); otherwise a note says why the
                // pair is not in the LMS, or why the LMS's is left alone.
                let in_lms = existing_walk.get(key).is_some();
                if !(in_lms && owned_walk.get(key).is_some()) {
                    let reason = NoteReason::Ended {
                        end,
                        left_alone: in_lms,
                    };
                    b.note(Entity::Enrollment, format!("{section}/{person}"), reason);
                }
                continue;
            }
        };
        if person_state[p].is_some_and(|state| state.synced && !state.active) {
            // An inactive or withdrawn person keeps the account but no current
            // enrollments: dropped below if rostersync manages them.
            continue;
        }
        if !section_ready[s] {
            let reason = SkipReason::SectionNotSynced {
                section: section.clone(),
            };
            b.skip(Entity::Enrollment, format!("{section}/{person}"), reason);
            continue;
        }
        if !person_state[p].is_some_and(Party::ready) {
            let reason = SkipReason::PersonNotSynced {
                person: person.clone(),
            };
            b.skip(Entity::Enrollment, format!("{section}/{person}"), reason);
            continue;
        }
        // A pair that begins later is still wanted: what the LMS has of it
        // is kept, never dropped.
        if drops {
            desired.push(key);
        }
        // Every list is sorted by pair: walk them along instead of searching.
        let is_owned = owned_walk.get(key).is_some();
        let existing = existing_walk
            .get(key)
            .map(|(_, e)| (e.id.clone(), role_of(e)));
        let action = match (existing, begins) {
            (None, None) => EnrollmentAction::Enroll { role },
            // Not created before its first day; a note says when.
            (None, Some(begin)) => {
                b.note(
                    Entity::Enrollment,
                    format!("{section}/{person}"),
                    NoteReason::BeginsLater { begin },
                );
                continue;
            }
            (Some((_, current)), _) if current == role && is_owned => {
                b.unchanged(Entity::Enrollment);
                continue;
            }
            (Some((id, current)), _) if current == role => EnrollmentAction::Adopt { id },
            // The role it will have is not given before its first day.
            (Some(_), Some(begin)) => {
                b.note(
                    Entity::Enrollment,
                    format!("{section}/{person}"),
                    NoteReason::BeginsLater { begin },
                );
                continue;
            }
            (Some((id, current)), None) => EnrollmentAction::ChangeRole {
                id,
                from: current,
                to: role,
            },
        };
        push(b, section, person, action);
    }
    if !drops {
        return;
    }
    // `owned`, `desired` and `existing` are all sorted: walk them together.
    let mut desired_walk = Walk::new(&desired, |key| *key);
    let mut existing_walk = Walk::new(&existing, |(key, _)| *key);
    for &key in &owned {
        if desired_walk.get(key).is_some() {
            continue;
        }
        let (s, p) = unpair(key);
        let conflict = person_state[p].is_some_and(|state| state.conflict);
        if !section_ready[s] || conflict {
            continue;
        }
        if let Some((_, enrollment)) = existing_walk.get(key) {
            let action = EnrollmentAction::Unenroll {
                id: enrollment.id.clone(),
                role: role_of(enrollment),
            };
            push(b, section_ranks.keys[s], person_ranks.keys[p], action);
        }
    }
}

/// Every (target section, person) pair the SIS names, with its rows merged,
/// sorted: a sorted vector of integers is smaller and faster than a map of
/// millions. Pairs whose rows all ended are kept, with their last day, so
/// that the plan can say why they are not enrolled.
fn wanted_pairs<'a>(
    input: &PlanInput<'a>,
    target_rank: &HashMap<&str, u32>,
    person_ranks: &Ranks<'a, PersonKey>,
) -> Vec<(u64, Rows)> {
    let today = input.today;
    let teachers: usize = input
        .sis
        .sections
        .iter()
        .map(|s| s.teachers().count())
        .sum();
    let mut named: Vec<(u64, Rows)> = Vec::with_capacity(input.sis.enrollments.len() + teachers);
    let mut last = LastRank::new();
    let mut name = |section: &'a SectionKey, person: &PersonKey, rows: Rows| {
        let target = last.get(section.as_str(), |key| target_rank.get(key).copied());
        if let (Some(s), Some(p)) = (target, person_ranks.of(person.as_str())) {
            named.push((pair(s, p), rows));
        }
    };
    for enrollment in &input.sis.enrollments {
        name(
            &enrollment.section,
            &enrollment.person,
            Rows::of(enrollment, today),
        );
    }
    for section in &input.sis.sections {
        for teacher in section.teachers() {
            name(&section.key, teacher, Rows::listed());
        }
    }
    named.sort_unstable_by_key(|(key, _)| *key);
    // Merge the rows of one pair in place.
    named.dedup_by(|current, kept| {
        let same = current.0 == kept.0;
        if same {
            kept.1 = kept.1.merge(current.1);
        }
        same
    });
    named
}

fn role_of(enrollment: &LmsEnrollment) -> EnrollmentRole {
    if enrollment.admin {
        EnrollmentRole::Teacher
    } else {
        EnrollmentRole::Student
    }
}

fn push(b: &mut Builder<'_>, section: &SectionKey, person: &PersonKey, action: EnrollmentAction) {
    b.plan.enrollments.push(EnrollmentOp {
        section: section.clone(),
        person: person.clone(),
        action,
    });
}

/// The active LMS enrollments by (section rank, person rank), sorted by pair,
/// each pair once. A section or user is found by its link first, then by the
/// SIS key in its unique field; where two enrollments answer, the smallest id wins.
fn existing_enrollments<'a>(
    input: &PlanInput<'a>,
    sections: &Ranks<'a, SectionKey>,
    people: &Ranks<'a, PersonKey>,
) -> Vec<(u64, &'a LmsEnrollment)> {
    /// LMS id → rank. A key's LMS id comes from its link, else from the
    /// unique field of the LMS records that carry it (the smallest id wins).
    /// An LMS id that two keys claim goes to the linked key, else to the
    /// smaller rank, whatever order the maps list them in.
    fn by_lms_id<'a>(
        ranks: &HashMap<CompactString, u32>,
        count: usize,
        unique: impl Iterator<Item = (Option<&'a str>, &'a str)>,
        linked: impl Iterator<Item = (&'a str, &'a str)>,
    ) -> HashMap<CompactString, u32> {
        let mut id_of: Vec<Option<(&str, bool)>> = vec![None; count];
        for (key, id) in unique {
            let key = key.map(str::trim).filter(|key| !key.is_empty());
            if let Some(&rank) = key.and_then(|key| ranks.get(key)) {
                let kept = &mut id_of[rank as usize];
                *kept = Some((kept.map_or(id, |(kept, _)| kept.min(id)), false));
            }
        }
        for (key, id) in linked {
            if let Some(&rank) = ranks.get(key) {
                id_of[rank as usize] = Some((id, true));
            }
        }
        let mut rank_of = HashMap::with_capacity_and_hasher(count, Default::default());
        for pass_linked in [true, false] {
            for (rank, found) in id_of.iter().enumerate() {
                if let Some((id, linked)) = *found {
                    if linked == pass_linked {
                        rank_of
                            .entry(CompactString::from(id))
                            .or_insert(rank as u32);
                    }
                }
            }
        }
        rank_of
    }
    let section_of = by_lms_id(
        &sections.rank,
        sections.keys.len(),
        input
            .lms
            .sections
            .iter()
            .map(|s| (s.unique_code.as_deref(), s.id.as_str())),
        input
            .links
            .sections
            .iter()
            .map(|(k, link)| (k.as_str(), link.id.as_str())),
    );
    let person_of = by_lms_id(
        &people.rank,
        people.keys.len(),
        input
            .lms
            .users
            .iter()
            .map(|u| (u.unique_id.as_deref(), u.id.as_str())),
        input
            .links
            .users
            .iter()
            .map(|(k, link)| (k.as_str(), link.id.as_str())),
    );
    let mut existing: Vec<(u64, &LmsEnrollment)> = Vec::with_capacity(input.lms.enrollments.len());
    let mut last = LastRank::new();
    for enrollment in input.lms.enrollments.iter().filter(|e| e.active) {
        let s = last.get(enrollment.section.as_str(), |id| {
            section_of.get(id).copied()
        });
        if let (Some(s), Some(p)) = (s, person_of.get(enrollment.user.as_str())) {
            existing.push((pair(s, *p), enrollment));
        }
    }
    // Ids break ties only between enrollments of one pair; the first of each
    // run, the smallest id, is the one kept.
    existing.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
    existing.dedup_by_key(|(key, _)| *key);
    existing
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(2025, 9, d)
    }

    #[test]
    fn merging_rows_ignores_their_order_and_keeps_the_latest_end() {
        let (student, teacher) = (EnrollmentRole::Student, EnrollmentRole::Teacher);
        let ended = |d| Rows {
            day: day(d),
            ..Rows::NONE
        };
        let later = |d, role| Rows {
            day: day(d),
            later: true,
            later_role: role,
            ..Rows::NONE
        };
        let now = |role| Rows {
            now: Some(role),
            ..Rows::NONE
        };
        let samples = [
            Rows::NONE,
            Rows::listed(),
            ended(1),
            ended(9),
            later(20, student),
            later(20, teacher),
            later(25, student),
            now(student),
            now(teacher),
        ];
        for a in samples {
            for b in samples {
                assert_eq!(a.merge(b), b.merge(a), "{a:?} {b:?}");
                for c in samples {
                    assert_eq!(a.merge(b).merge(c), a.merge(b.merge(c)));
                }
            }
        }
        assert_eq!(
            ended(1).merge(ended(9)).want(),
            Some(Want::Ended(day(9).unwrap()))
        );
        assert_eq!(
            ended(9).merge(later(20, student)).want(),
            Some(Want::Later(student, day(20).unwrap()))
        );
        assert_eq!(
            ended(9).merge(now(student)).want(),
            Some(Want::Now(student))
        );
        assert_eq!(
            ended(9).merge(Rows::listed()).want(),
            Some(Want::Now(teacher))
        );
    }
}

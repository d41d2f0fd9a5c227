//! Property tests of `plan()`: idempotence, order independence, safety and
//! that every SIS record lands in exactly one bucket, over districts with
//! names the LMS takes differently, enrollments that begin later and
//! accounts that make a match ambiguous.

use std::collections::{BTreeSet, HashSet};

use proptest::prelude::*;

use crate::entity::{Action, Entity};
use crate::model::sis::{EnrollmentRole, PersonStatus};
use crate::plan::tests::fixture::{World, date, lms_user};
use crate::plan::{
    IdSource, Landed, Landing, NoteReason, Plan, PlanSummary, SkipReason, apply_landed,
    simulate_apply,
};
use crate::scope::SyncScope;

/// A first name of one of the kinds the LMS takes differently: plain, too
/// long, with control characters, with lost letters, with spaces to collapse.
fn first_name(kind: u8, i: usize) -> String {
    match kind {
        0 => format!("{}{i}", "N".repeat(300)),
        1 => format!("Ma\u{0}ry\n{i}"),
        2 => format!("Jos?{i}"),
        3 => format!("  Ann   {i} "),
        _ => "Stu".to_owned(),
    }
}

/// A random district built from small choices, so shrinking stays readable.
fn world_strategy() -> impl Strategy<Value = World> {
    // E-mail: 0 none, 1 their own, 2 one that several people share.
    // Name: see `first_name`; 4 and above are plain.
    let people = prop::collection::vec((0u8..3, 0u8..3, 0u8..4, 0u8..3, 0u8..8), 1..25);
    let sections = prop::collection::vec(
        (0u8..3, 0u8..6, prop::collection::vec(0usize..25, 0..8)),
        0..8,
    );
    // Hand-made LMS accounts that make P0's match ambiguous.
    let look_alikes = any::<bool>();
    (people, sections, any::<bool>(), any::<bool>(), look_alikes).prop_map(
        |(people, sections, merge, keep, look_alikes)| {
            let mut w = World::new();
            w.spec.options.merge_cross_listed = merge;
            if keep {
                w.spec.drop_policy = crate::mapping::DropPolicy::Keep;
            }
            let schools = ["101", "102", "103"];
            for (i, (school, kind, status, email, name)) in people.iter().enumerate() {
                let key = format!("P{i}");
                let school = schools[*school as usize];
                let first = first_name(*name, i);
                let person = match kind {
                    0 => w.teacher(&key, &first, &format!("Cher{i}"), school),
                    _ => w.student(&key, &first, &format!("Dent{i}"), school),
                };
                person.status = match status {
                    0 => PersonStatus::Withdrawn,
                    1 => PersonStatus::Inactive,
                    _ => PersonStatus::Active,
                };
                match email {
                    0 => person.email = None,
                    1 => {}
                    _ => person.email = Some("Shared@example.org".into()),
                }
            }
            if look_alikes {
                let p0 = &w.sis.people[0];
                let (first, last) = (p0.name.first.to_string(), p0.name.last.to_string());
                let building = if p0.primary_school.as_str() == "102" {
                    "9002"
                } else {
                    "9001"
                };
                for id in ["h2", "h1"] {
                    let mut user = lms_user(id, None, &first, &last, None);
                    user.fields.building = building.into();
                    w.lms.users.push(user);
                }
            }
            let teachers: Vec<String> = w
                .sis
                .people
                .iter()
                .filter(|p| p.role == crate::model::sis::SisRole::Teacher)
                .map(|p| p.key.to_string())
                .collect();
            for (i, (school, group, members)) in sections.iter().enumerate() {
                let school = schools[*school as usize];
                let course = format!("{school}-C{}", i % 3);
                if !w.sis.courses.iter().any(|c| c.key.as_str() == course) {
                    w.course(&course, school, "Course");
                }
                let key = format!("{course}-{i}");
                let teacher = teachers.get(i % teachers.len().max(1)).cloned();
                let section = w.section(&key, &course, school, teacher.as_deref());
                section.cross_list_group = (*group < 2).then(|| format!("X{group}"));
                for member in members {
                    if *member < people.len() {
                        let enrollment = w.enroll(&key, &format!("P{member}"));
                        if member % 5 == 0 {
                            enrollment.end = Some(date(2025, 9, 1));
                        } else if (member + i) % 3 == 1 {
                            // Begins after today: planned as a note, not created.
                            enrollment.begin = Some(date(2026, 1, 11));
                        }
                    }
                }
            }
            w
        },
    )
}

/// Changes a synced world the way a next-day export does.
fn mutate(w: &mut World, seed: usize) {
    if w.sis.people.is_empty() {
        return;
    }
    let i = seed % w.sis.people.len();
    w.sis.people[i].name.last.push('x');
    if seed % 2 == 0 {
        w.sis
            .enrollments
            .retain(|e| e.person != w.sis.people[i].key);
    }
    if seed % 3 == 0 {
        let j = (seed / 3) % w.sis.people.len();
        w.sis.people[j].status = PersonStatus::Withdrawn;
    }
    if let Some(e) = w.sis.enrollments.first_mut() {
        e.role = EnrollmentRole::Teacher;
    }
}

/// Whether the write of `entity` `key` fails, by a hash of both and `mask`:
/// about one write in four fails.
fn fails(entity: Entity, key: &str, mask: u64) -> bool {
    let mut hash = mask ^ 0xcbf2_9ce4_8422_2325;
    for byte in entity.as_str().bytes().chain(key.bytes()) {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    hash % 4 == 0
}

/// The engine's view of an applied plan: what landed, by entity and key,
/// with the ids the LMS gave creates.
struct Outcomes {
    ids: IdSource,
    mask: u64,
}

impl Landing for Outcomes {
    fn landed(&mut self, entity: Entity, key: &str, creates: bool) -> Landed {
        if fails(entity, key, self.mask) {
            Landed::No
        } else {
            Landed::Yes(creates.then(|| self.ids.next_id()))
        }
    }
}

/// `plan` without the operations whose writes fail under `mask`: what an
/// LMS takes when those are refused.
fn landed_part(plan: &Plan, mask: u64) -> Plan {
    let mut part = plan.clone();
    part.grading_periods
        .retain(|op| !fails(Entity::GradingPeriod, op.term.as_str(), mask));
    part.users
        .retain(|op| !fails(Entity::User, op.key.as_str(), mask));
    part.courses
        .retain(|op| !fails(Entity::Course, op.key.as_str(), mask));
    part.sections
        .retain(|op| !fails(Entity::Section, op.key.as_str(), mask));
    part.enrollments.retain(|op| {
        !fails(
            Entity::Enrollment,
            &format!("{}/{}", op.section, op.person),
            mask,
        )
    });
    part.guardian_links.retain(|op| {
        !fails(
            Entity::GuardianLink,
            &format!("{}/{}", op.guardian, op.student),
            mask,
        )
    });
    part
}

fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut state = seed | 1;
    for i in (1..items.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        items.swap(i, (state % (i as u64 + 1)) as usize);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn applying_a_plan_then_planning_again_gives_an_empty_plan(mut w in world_strategy(), seed in 0usize..100) {
        w.sync();
        let again = w.plan(SyncScope::All);
        prop_assert!(PlanSummary::of(&again).writes_nothing(), "{:#?}", again);
        mutate(&mut w, seed);
        w.sync();
        let again = w.plan(SyncScope::All);
        prop_assert!(PlanSummary::of(&again).writes_nothing(), "{:#?}", again);
    }

    /// The engine's shadow: the LMS as read in full, carried over the
    /// writes that landed (some fail). As long as nobody edits the LMS by
    /// hand, the next day's plan against the shadow is the plan against a
    /// full read of the LMS.
    #[test]
    fn planning_against_the_shadow_gives_the_plan_of_a_full_read(mut w in world_strategy(), synced in any::<bool>(), seed in 0usize..100, mask in any::<u64>()) {
        if synced {
            w.sync();
            mutate(&mut w, seed.wrapping_add(1));
        }
        let mut shadow = w.lms.clone();
        let plan = w.plan(SyncScope::All);
        // The LMS takes what did not fail, with ids in the order it hands
        // them out; the shadow is carried over the same outcomes.
        let ids = w.ids.clone();
        simulate_apply(&landed_part(&plan, mask), &mut w.lms, &mut w.links, &mut w.ids);
        let mut links = w.links.clone();
        apply_landed(&plan, &mut shadow, &mut links, &mut Outcomes { ids, mask });
        prop_assert_eq!(&links, &w.links);
        mutate(&mut w, seed);
        let full = w.plan(SyncScope::All);
        std::mem::swap(&mut w.lms, &mut shadow);
        let against_shadow = w.plan(SyncScope::All);
        prop_assert_eq!(against_shadow, full);
    }

    #[test]
    fn input_order_does_not_change_the_plan(mut w in world_strategy(), seed in any::<u64>()) {
        w.sync();
        mutate(&mut w, seed as usize);
        let before = w.plan(SyncScope::All);
        shuffle(&mut w.sis.people, seed);
        shuffle(&mut w.sis.sections, seed.rotate_left(7));
        shuffle(&mut w.sis.enrollments, seed.rotate_left(13));
        shuffle(&mut w.sis.courses, seed.rotate_left(19));
        shuffle(&mut w.lms.users, seed.rotate_left(23));
        shuffle(&mut w.lms.enrollments, seed.rotate_left(29));
        prop_assert_eq!(before, w.plan(SyncScope::All));
    }

    #[test]
    fn nothing_unowned_is_removed(mut w in world_strategy(), seed in 0usize..100) {
        w.sync();
        // Forget ownership of every other enrollment, as if made by hand.
        let mut flip = false;
        w.links.enrollments.retain(|_, _| { flip = !flip; flip });
        mutate(&mut w, seed);
        w.sis.enrollments.clear();
        let plan = w.plan(SyncScope::All);
        for op in &plan.enrollments {
            if op.action.action() == Action::Remove {
                prop_assert!(w.links.enrollments.contains_key(&(op.section.clone(), op.person.clone())), "removed unowned {op:?}");
            }
        }
        prop_assert_eq!(PlanSummary::of(&plan).count(Entity::User, Action::Remove), 0);
        prop_assert_eq!(PlanSummary::of(&plan).count(Entity::Course, Action::Remove), 0);
    }

    #[test]
    fn what_is_held_or_begins_later_is_never_created_and_skips_have_no_notes(mut w in world_strategy(), synced in any::<bool>(), seed in 0usize..100) {
        if synced {
            w.sync();
            mutate(&mut w, seed);
        }
        let plan = w.plan(SyncScope::All);
        for skip in &plan.skips {
            if matches!(skip.reason, SkipReason::AmbiguousMatch { .. }) {
                prop_assert!(!plan.users.iter().any(|op| op.key.as_str() == skip.key), "{skip:?}");
            }
            prop_assert!(!plan.notes.iter().any(|n| n.entity == skip.entity && n.key == skip.key), "a skipped record has a note: {skip:?}");
        }
        for note in &plan.notes {
            if matches!(note.note, NoteReason::BeginsLater { .. }) {
                let enrolled = plan.enrollments.iter().any(|op| {
                    format!("{}/{}", op.section, op.person) == note.key
                        && op.action.action() == Action::Create
                });
                prop_assert!(!enrolled, "{note:?}");
            }
        }
    }

    #[test]
    fn every_sis_record_lands_in_exactly_one_bucket(mut w in world_strategy(), synced in any::<bool>(), seed in 0usize..100) {
        if synced {
            w.sync();
            mutate(&mut w, seed);
        }
        let plan = w.plan(SyncScope::All);
        check_buckets(&plan, Entity::User, w.sis.people.iter().map(|p| p.key.to_string()), plan.users.iter().map(|op| op.key.to_string()));
        check_buckets(&plan, Entity::Course, w.sis.courses.iter().map(|c| c.key.to_string()), plan.courses.iter().map(|op| op.key.to_string()));
        check_buckets(&plan, Entity::Section, w.sis.sections.iter().map(|s| s.key.to_string()), plan.sections.iter().map(|op| op.key.to_string()));
    }
}

fn check_buckets(
    plan: &Plan,
    entity: Entity,
    sis: impl Iterator<Item = String>,
    ops: impl Iterator<Item = String>,
) {
    let keys: BTreeSet<String> = sis.collect();
    let ops: Vec<String> = ops.collect();
    let skips: Vec<&str> = plan
        .skips
        .iter()
        .filter(|s| s.entity == entity)
        .map(|s| s.key.as_str())
        .collect();
    let op_set: HashSet<&str> = ops.iter().map(String::as_str).collect();
    let skip_set: HashSet<&str> = skips.iter().copied().collect();
    assert_eq!(op_set.len(), ops.len(), "{entity}: a key planned twice");
    assert_eq!(skip_set.len(), skips.len(), "{entity}: a key skipped twice");
    assert!(
        op_set.is_disjoint(&skip_set),
        "{entity}: a key both planned and skipped"
    );
    let unchanged = plan.unchanged.get(&entity).copied().unwrap_or(0) as usize;
    assert_eq!(
        ops.len() + skips.len() + unchanged,
        keys.len(),
        "{entity}: buckets do not add up"
    );
    for key in op_set.iter().chain(skip_set.iter()) {
        assert!(keys.contains(*key), "{entity}: {key} is not a SIS record");
    }
}

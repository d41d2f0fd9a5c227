//! The state one `plan()` call accumulates: the input, look-up tables, the
//! plan under construction, and the per-record state later phases read.

use foldhash::HashMap;

use crate::entity::Entity;
use crate::plan::PlanInput;
use crate::plan::index::{LinkIndex, LmsIndex};
use crate::plan::record::Decided;
use crate::plan::types::{Note, NoteReason, Plan, Skip, SkipReason};

/// The plan under construction.
#[derive(Debug)]
pub(crate) struct Builder<'a> {
    pub(crate) input: &'a PlanInput<'a>,
    pub(crate) lms: LmsIndex<'a>,
    pub(crate) linked: LinkIndex<'a>,
    pub(crate) plan: Plan,
}

/// The result of a scoped thread; a panic there is re-raised here, as if
/// the work had run on this thread.
pub(crate) fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    match handle.join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Below this many items, a second thread costs more than it saves.
const WORTH_A_THREAD: usize = 10_000;

/// The items for which `work` returns something, with their index, in index
/// order; split over two threads when there are enough items to pay for one
/// (planning is pure, so the result does not depend on the split).
pub(crate) fn filter_map_on_two_cores<T: Sync, R: Send>(
    items: &[T],
    work: impl Fn(&T) -> Option<R> + Sync,
) -> Vec<(usize, R)> {
    let run = |offset: usize, part: &[T]| -> Vec<(usize, R)> {
        part.iter()
            .enumerate()
            .filter_map(|(i, item)| Some((offset + i, work(item)?)))
            .collect()
    };
    if items.len() < WORTH_A_THREAD {
        return run(0, items);
    }
    let (head, tail) = items.split_at(items.len() / 2);
    std::thread::scope(|scope| {
        let second = scope.spawn(|| run(head.len(), tail));
        let mut first = run(0, head);
        first.extend(join(second));
        first
    })
}

impl<'a> Builder<'a> {
    pub(crate) fn new(input: &'a PlanInput<'a>) -> Self {
        // The two indexes are independent: build them on two cores.
        let (lms, linked) = std::thread::scope(|scope| {
            let lms = scope.spawn(|| LmsIndex::new(input.lms));
            let linked = LinkIndex::new(input.links);
            (join(lms), linked)
        });
        Builder {
            input,
            lms,
            linked,
            plan: Plan::default(),
        }
    }

    /// Frees the look-ups of users once the user and guardian phases are
    /// done: nothing after them reads these, and the enrollment phase, the
    /// largest, then has their memory to itself.
    pub(crate) fn release_user_lookups(&mut self) {
        self.lms.release_users();
        self.linked.release_users();
    }

    pub(crate) fn skip(&mut self, entity: Entity, key: impl Into<String>, reason: SkipReason) {
        self.plan.skips.push(Skip {
            entity,
            key: key.into(),
            reason,
        });
    }

    pub(crate) fn note(&mut self, entity: Entity, key: impl Into<String>, note: NoteReason) {
        self.plan.notes.push(Note {
            entity,
            key: key.into(),
            note,
        });
    }

    pub(crate) fn unchanged(&mut self, entity: Entity) {
        *self.plan.unchanged.entry(entity).or_insert(0) += 1;
    }

    /// Records what was decided about one user, course or section: its
    /// change (pushed by `push`) or that it is unchanged, with its notes; or
    /// its skip. Returns its state for the later phases (`active` when synced).
    pub(crate) fn settle<A>(
        &mut self,
        entity: Entity,
        key: &str,
        decided: Result<Decided<A>, SkipReason>,
        active: bool,
        push: impl FnOnce(&mut Plan, A),
    ) -> Party {
        match decided {
            Ok(decided) => {
                match decided.action {
                    Some(action) => push(&mut self.plan, action),
                    None => self.unchanged(entity),
                }
                for note in decided.notes {
                    self.note(entity, key, note);
                }
                Party::synced(active)
            }
            Err(reason) => {
                let state = Party::skipped(&reason);
                self.skip(entity, key, reason);
                state
            }
        }
    }
}

/// What later phases need to know about a person, course or section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Party {
    /// The LMS record exists, or this plan creates it.
    pub(crate) synced: bool,
    /// The SIS record is active (people: status active).
    pub(crate) active: bool,
    /// The record was skipped for a conflict: leave everything hanging off it alone.
    pub(crate) conflict: bool,
}

impl Party {
    pub(crate) fn synced(active: bool) -> Self {
        Party {
            synced: true,
            active,
            conflict: false,
        }
    }

    pub(crate) fn skipped(reason: &SkipReason) -> Self {
        Party {
            synced: false,
            active: false,
            conflict: reason.is_conflict(),
        }
    }

    pub(crate) fn absent() -> Self {
        Party {
            synced: false,
            active: false,
            conflict: false,
        }
    }

    /// Whether the record takes part in this run.
    pub(crate) fn ready(self) -> bool {
        self.synced && self.active
    }
}

/// Keeps the records whose key occurs once; every key that occurs more than
/// once becomes one `DuplicateKey` skip, whichever order the records came in.
pub(crate) fn dedupe<'a, T>(
    records: &'a [T],
    key: fn(&T) -> &str,
    b: &mut Builder<'_>,
    entity: Entity,
) -> Vec<&'a T> {
    let mut counts: HashMap<&str, usize> =
        HashMap::with_capacity_and_hasher(records.len(), Default::default());
    for record in records {
        *counts.entry(key(record)).or_insert(0) += 1;
    }
    let mut duplicates: Vec<(&str, usize)> = counts
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(k, n)| (*k, *n))
        .collect();
    duplicates.sort_unstable();
    for (dup, count) in duplicates {
        b.skip(entity, dup, SkipReason::DuplicateKey { count });
    }
    records
        .iter()
        .filter(|record| counts.get(key(record)) == Some(&1))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::filter_map_on_two_cores;

    #[test]
    fn two_cores_give_what_one_gives_in_the_same_order() {
        for len in [0, 7, 9_999, 10_000, 25_001] {
            let items: Vec<u32> = (0..len).collect();
            let work = |n: &u32| (n % 3 == 0).then(|| n * 2);
            let one: Vec<(usize, u32)> = items
                .iter()
                .enumerate()
                .filter_map(|(i, n)| Some((i, work(n)?)))
                .collect();
            assert_eq!(filter_map_on_two_cores(&items, work), one, "{len} items");
        }
    }
}

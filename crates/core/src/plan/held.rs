//! Records held back rather than created: where data prep finds two or more
//! unlinked LMS records that fit a record the plan would create, creating it
//! would make one more, so it waits until the administrator links one.
//!
//! The plan asks data prep's own matching ([`crate::prep`]) rather than a
//! rule of its own, so the plan holds exactly the records the prep report
//! lists as ambiguous, and the two cannot drift apart. Only records the plan
//! would create are asked about, and nothing is indexed when there are none.

use std::iter::Peekable;
use std::vec;

use foldhash::HashMap;

use crate::model::sis::{Course, Person, Section};
use crate::plan::builder::{Builder, filter_map_on_two_cores};
use crate::plan::record::Decided;
use crate::plan::types::SkipReason;
use crate::prep::{self, MatchOutcome};

/// The records held, by their position among the records decided, in order.
#[derive(Debug)]
pub(crate) struct Held(Peekable<vec::IntoIter<(usize, SkipReason)>>);

impl Held {
    /// The decision about the record at `at`, or its hold. Positions are
    /// asked in increasing order.
    pub(crate) fn over<A>(
        &mut self,
        at: usize,
        decided: Result<Decided<A>, SkipReason>,
    ) -> Result<Decided<A>, SkipReason> {
        match self.0.next_if(|(held, _)| *held == at) {
            Some((_, reason)) => Err(reason),
            None => decided,
        }
    }
}

/// The skip of a record whose data-prep match is ambiguous.
fn held<Id: ToString>(outcome: MatchOutcome<Id>) -> Option<SkipReason> {
    match outcome {
        MatchOutcome::Ambiguous {
            candidates,
            more,
            how,
        } => Some(SkipReason::AmbiguousMatch {
            how,
            candidates: candidates.iter().map(ToString::to_string).collect(),
            more,
        }),
        _ => None,
    }
}

fn reasons<Id: ToString>(found: Vec<(usize, MatchOutcome<Id>)>) -> Held {
    let reasons: Vec<(usize, SkipReason)> = found
        .into_iter()
        .filter_map(|(at, outcome)| Some((at, held(outcome)?)))
        .collect();
    Held(reasons.into_iter().peekable())
}

fn none() -> Held {
    Held(Vec::new().into_iter().peekable())
}

/// The LMS records no link claims: the only candidates data prep has. Each
/// is looked up once, on two cores when there are many (a district has
/// hundreds of thousands of accounts, nearly all of them linked).
fn unlinked<'a, R: Sync>(
    records: &'a [R],
    linked: &HashMap<&str, &str>,
    id: impl Fn(&R) -> &str + Sync,
) -> Vec<&'a R> {
    filter_map_on_two_cores(records, |record| {
        (!linked.contains_key(id(record))).then_some(())
    })
    .into_iter()
    .map(|(at, ())| &records[at])
    .collect()
}

/// Of the people the plan would create, those held, by their position.
pub(crate) fn people(b: &Builder<'_>, creating: &[(usize, &Person)]) -> Held {
    if creating.is_empty() {
        return none();
    }
    let unlinked = unlinked(&b.input.lms.users, &b.linked.users, |user| user.id.as_str());
    reasons(prep::ambiguous_people(creating, unlinked, b.input.mapping))
}

/// Of the courses the plan would create, those held, by their position.
pub(crate) fn courses(b: &Builder<'_>, creating: &[(usize, &Course)]) -> Held {
    if creating.is_empty() {
        return none();
    }
    let input = b.input;
    let unlinked = unlinked(&input.lms.courses, &b.linked.courses, |course| {
        course.id.as_str()
    });
    reasons(prep::ambiguous_courses(
        creating,
        &input.sis.courses,
        unlinked,
        input.mapping,
    ))
}

/// Of the sections the plan would create, those held, by their position.
pub(crate) fn sections(b: &Builder<'_>, creating: &[(usize, &Section)]) -> Held {
    if creating.is_empty() {
        return none();
    }
    let input = b.input;
    let unlinked = unlinked(&input.lms.sections, &b.linked.sections, |section| {
        section.id.as_str()
    });
    reasons(prep::ambiguous_sections(
        creating,
        input.sis,
        input.lms,
        input.links,
        unlinked,
        input.mapping,
    ))
}

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

use crate::model::sis::{Course, Person, Section};
use crate::plan::builder::Builder;
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

/// Of the people the plan would create, those held, by their position.
pub(crate) fn people(b: &Builder<'_>, creating: &[(usize, &Person)]) -> Held {
    if creating.is_empty() {
        return none();
    }
    let linked = &b.linked.users;
    reasons(prep::ambiguous_people(
        creating,
        &b.input.lms.users,
        |id| linked.contains_key(id.as_str()),
        b.input.mapping,
    ))
}

/// Of the courses the plan would create, those held, by their position.
pub(crate) fn courses(b: &Builder<'_>, creating: &[(usize, &Course)]) -> Held {
    if creating.is_empty() {
        return none();
    }
    let input = b.input;
    reasons(prep::ambiguous_courses(
        creating,
        &input.sis.courses,
        &input.lms.courses,
        input.links,
        input.mapping,
    ))
}

/// Of the sections the plan would create, those held, by their position.
pub(crate) fn sections(b: &Builder<'_>, creating: &[(usize, &Section)]) -> Held {
    if creating.is_empty() {
        return none();
    }
    let input = b.input;
    reasons(prep::ambiguous_sections(
        creating,
        input.sis,
        input.lms,
        input.links,
        input.mapping,
    ))
}

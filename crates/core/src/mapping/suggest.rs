//! Suggested mapping pairs: SIS schools to LMS buildings by name, code or
//! abbreviation, and SIS terms to LMS grading periods by dates and title,
//! each with its reason, a confidence and whether it is safe to apply.
//!
//! The rule for applying (`--auto`) is the same for both: a suggestion is
//! applied only when exactly one candidate has the best confidence, that
//! confidence is at least [`Confidence::Medium`], and (for schools) the
//! building is neither mapped from another school nor the one candidate of
//! another school as well. Everything else is listed for the administrator.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::ids::{BuildingId, GradingPeriodId, SchoolKey, TermKey};
use crate::mapping::MappingSpec;
use crate::model::lms::{LmsBuilding, LmsGradingPeriod};
use crate::model::sis::{School, Term};

/// How sure a suggestion is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// A guess worth a look, never applied on its own.
    Low,
    /// Probably right: applied when it is the only one.
    Medium,
    /// The same name or code; the same dates and title.
    High,
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        })
    }
}

/// Why a candidate was suggested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The same name, ignoring case, spacing and punctuation.
    SameName,
    /// The same code.
    SameCode,
    /// One side's code is the other's initials ("LHS", Lincoln High School).
    Initials,
    /// The same name once words such as "School" are left out.
    SimilarName,
    /// The same first and last day and the same title.
    SameDatesAndTitle,
    /// The same first and last day.
    SameDates,
    /// The same title, but other dates.
    SameTitle,
}

impl Reason {
    /// How sure this reason makes a suggestion.
    pub fn confidence(self) -> Confidence {
        match self {
            Reason::SameName | Reason::SameCode | Reason::SameDatesAndTitle => Confidence::High,
            Reason::Initials | Reason::SimilarName | Reason::SameDates => Confidence::Medium,
            Reason::SameTitle => Confidence::Low,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::SameName => "same name",
            Reason::SameCode => "same code",
            Reason::Initials => "code is the initials of the name",
            Reason::SimilarName => "same name apart from words like \"School\"",
            Reason::SameDatesAndTitle => "same dates and title",
            Reason::SameDates => "same dates",
            Reason::SameTitle => "same title, other dates",
        })
    }
}

/// One LMS record that may be the counterpart of a SIS record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate<Id> {
    /// The LMS id.
    pub id: Id,
    /// The LMS title.
    pub title: String,
    /// Why.
    pub reason: Reason,
    /// How sure.
    pub confidence: Confidence,
}

/// What `--auto` does with a suggestion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome<Id, K> {
    /// Apply it: one candidate, sure enough, free.
    Apply {
        /// The LMS record to map to.
        id: Id,
    },
    /// Two or more candidates are equally likely.
    Ambiguous,
    /// The only candidates are low-confidence guesses.
    Unsure,
    /// The one candidate is already mapped from another SIS record.
    Taken {
        /// The SIS record mapped to it.
        by: K,
    },
    /// The one candidate is also the one candidate of other SIS records.
    Contested {
        /// The other SIS records.
        with: Vec<K>,
    },
    /// Nothing on the LMS side fits.
    NoCandidate,
}

/// The candidates for one unmapped SIS record and what `--auto` does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion<K, Id> {
    /// The SIS record.
    pub sis: K,
    /// Its name or title.
    pub title: String,
    /// Its candidates, most likely first.
    pub candidates: Vec<Candidate<Id>>,
    /// What `--auto` does.
    #[serde(flatten)]
    pub outcome: Outcome<Id, K>,
}

impl<K, Id: Clone> Suggestion<K, Id> {
    /// The LMS record `--auto` maps it to, if any.
    pub fn to_apply(&self) -> Option<&Id> {
        match &self.outcome {
            Outcome::Apply { id } => Some(id),
            _ => None,
        }
    }
}

/// A school suggestion.
pub type SchoolSuggestion = Suggestion<SchoolKey, BuildingId>;

/// A term suggestion.
pub type TermSuggestion = Suggestion<TermKey, GradingPeriodId>;

/// Suggests a building for every SIS school the mapping does not map yet,
/// in the SIS's order.
pub fn suggest_schools(
    schools: &[School],
    buildings: &[LmsBuilding],
    spec: &MappingSpec,
) -> Vec<SchoolSuggestion> {
    let taken: BTreeMap<&BuildingId, &SchoolKey> = spec
        .schools
        .iter()
        .map(|(school, building)| (building, school))
        .collect();
    let mut suggestions: Vec<SchoolSuggestion> = schools
        .iter()
        .filter(|school| !spec.schools.contains_key(&school.key))
        .map(|school| {
            let candidates = ranked(buildings.iter().filter_map(|building| {
                let reason = school_reason(school, building)?;
                Some((&building.id, building.title.as_str(), reason))
            }));
            let outcome = match decide(&candidates) {
                Outcome::Apply { id } => match taken.get(&id) {
                    Some(by) => Outcome::Taken { by: (*by).clone() },
                    None => Outcome::Apply { id },
                },
                other => other,
            };
            Suggestion {
                sis: school.key.clone(),
                title: school.name.clone(),
                candidates,
                outcome,
            }
        })
        .collect();
    // A building that two schools would each take is given to neither.
    let mut wanted: BTreeMap<BuildingId, Vec<SchoolKey>> = BTreeMap::new();
    for suggestion in &suggestions {
        if let Some(id) = suggestion.to_apply() {
            wanted
                .entry(id.clone())
                .or_default()
                .push(suggestion.sis.clone());
        }
    }
    for suggestion in &mut suggestions {
        let Some(id) = suggestion.to_apply() else {
            continue;
        };
        if let Some(rivals) = wanted.get(id).filter(|rivals| rivals.len() > 1) {
            let with = rivals
                .iter()
                .filter(|rival| **rival != suggestion.sis)
                .cloned()
                .collect();
            suggestion.outcome = Outcome::Contested { with };
        }
    }
    suggestions
}

/// Suggests a grading period for every unmapped term of a mapped school, in
/// the SIS's order. Terms of several schools may share one grading period,
/// so a period is never "taken".
pub fn suggest_terms(
    terms: &[Term],
    periods: &[LmsGradingPeriod],
    spec: &MappingSpec,
) -> Vec<TermSuggestion> {
    terms
        .iter()
        .filter(|term| {
            spec.schools.contains_key(&term.school) && !spec.terms.contains_key(&term.key)
        })
        .map(|term| {
            let candidates = ranked(
                periods
                    .iter()
                    .filter_map(|p| Some((&p.id, p.title.as_str(), term_reason(term, p)?))),
            );
            let outcome = decide(&candidates);
            Suggestion {
                sis: term.key.clone(),
                title: term.title.clone(),
                candidates,
                outcome,
            }
        })
        .collect()
}

/// The candidates found (id, title, reason), most likely first (then by
/// id, for a stable order).
fn ranked<'a, Id: Ord + Clone + 'a>(
    found: impl Iterator<Item = (&'a Id, &'a str, Reason)>,
) -> Vec<Candidate<Id>> {
    let mut candidates: Vec<Candidate<Id>> = found
        .map(|(id, title, reason)| Candidate {
            id: id.clone(),
            title: title.to_owned(),
            reason,
            confidence: reason.confidence(),
        })
        .collect();
    candidates.sort_by(|a, b| b.confidence.cmp(&a.confidence).then(a.id.cmp(&b.id)));
    candidates
}

/// The outcome from the candidates alone (most likely first).
fn decide<Id: Clone, K>(candidates: &[Candidate<Id>]) -> Outcome<Id, K> {
    let Some(best) = candidates.first() else {
        return Outcome::NoCandidate;
    };
    if best.confidence < Confidence::Medium {
        return Outcome::Unsure;
    }
    let ties = candidates
        .iter()
        .take_while(|c| c.confidence == best.confidence)
        .count();
    if ties > 1 {
        Outcome::Ambiguous
    } else {
        Outcome::Apply {
            id: best.id.clone(),
        }
    }
}

/// Why a building may be a school's, the strongest reason first.
fn school_reason(school: &School, building: &LmsBuilding) -> Option<Reason> {
    let name = squash(&school.name);
    let title = squash(&building.title);
    let sis_code = school.code.as_deref().map(squash).filter(|c| !c.is_empty());
    let lms_code = building
        .code
        .as_deref()
        .map(squash)
        .filter(|c| !c.is_empty());
    if !name.is_empty() && name == title {
        return Some(Reason::SameName);
    }
    if sis_code.is_some() && sis_code == lms_code {
        return Some(Reason::SameCode);
    }
    let initials_match = |code: &Option<String>, of: &str| {
        code.as_deref()
            .is_some_and(|code| code.len() > 1 && code == initials(of))
    };
    if initials_match(&sis_code, &building.title) || initials_match(&lms_code, &school.name) {
        return Some(Reason::Initials);
    }
    let core = |text: &str| squash(&without_generic_words(text));
    let (a, b) = (core(&school.name), core(&building.title));
    if !a.is_empty() && a == b {
        return Some(Reason::SimilarName);
    }
    None
}

/// Why a grading period may be a term's.
fn term_reason(term: &Term, period: &LmsGradingPeriod) -> Option<Reason> {
    let same_dates = term.start == period.start && term.end == period.end;
    let same_title = {
        let title = squash(&term.title);
        !title.is_empty() && title == squash(&period.title)
    };
    match (same_dates, same_title) {
        (true, true) => Some(Reason::SameDatesAndTitle),
        (true, false) => Some(Reason::SameDates),
        (false, true) => Some(Reason::SameTitle),
        (false, false) => None,
    }
}

/// Letters and digits only, lowercased: "St. Mary's  High" → "stmaryshigh".
fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The first letter of each word, lowercased: "Lincoln High School" → "lhs".
fn initials(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter_map(|word| word.chars().next())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Words that say what kind of place a school is, not which one.
const GENERIC_WORDS: [&str; 3] = ["school", "the", "campus"];

/// The name without [`GENERIC_WORDS`].
fn without_generic_words(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| {
            !word.is_empty()
                && !GENERIC_WORDS
                    .iter()
                    .any(|generic| word.eq_ignore_ascii_case(generic))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests;

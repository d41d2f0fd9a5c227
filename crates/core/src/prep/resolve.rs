//! What the three matchers share once candidates are found: the rule that
//! turns candidates into an outcome, duplicate SIS keys and shared claims.

use super::index::Hits;
use super::report::{ConflictReason, MAX_CANDIDATES, MatchEntry, MatchMethod, MatchOutcome};

/// The text trimmed, or `None` when nothing is left.
pub(super) fn trimmed(raw: &str) -> Option<&str> {
    let text = raw.trim();
    (!text.is_empty()).then_some(text)
}

/// The candidates one method found, or `None` when it found none.
pub(super) fn found(how: MatchMethod, hits: Hits) -> Option<(MatchMethod, Hits)> {
    (!hits.is_empty()).then_some((how, hits))
}

/// Turns the candidates of the first method that found any into an outcome.
///
/// `id` gives the LMS id of a record by position; `other_key` gives the other
/// SIS key a record carries in its unique field, if any. Candidates are
/// deduplicated by LMS id and sorted, so the result does not depend on input
/// order; an ambiguous outcome lists at most [`MAX_CANDIDATES`] of them.
pub(super) fn decide<Id: Ord + Clone>(
    found: Option<(MatchMethod, Hits)>,
    id: impl Fn(usize) -> Id,
    other_key: impl Fn(usize) -> Option<String>,
) -> MatchOutcome<Id> {
    let Some((how, hits)) = found else {
        return MatchOutcome::Unmatched;
    };
    let mut candidates: Vec<(Id, usize)> =
        hits.positions.into_iter().map(|at| (id(at), at)).collect();
    candidates.sort();
    candidates.dedup_by(|a, b| a.0 == b.0);
    // An account that carries another SIS key belongs to that record: it is
    // never one of this record's candidates (after a run cut short, the
    // accounts it made for namesakes would otherwise hold this one back).
    let (mut own, others): (Vec<_>, Vec<_>) = candidates
        .into_iter()
        .partition(|(_, at)| other_key(*at).is_none());
    let more = hits.more || own.len() > MAX_CANDIDATES;
    own.truncate(MAX_CANDIDATES);
    match (own.as_slice(), others.as_slice()) {
        // The only account found is another record's: say so.
        ([], [(lms_id, at)]) if !hits.more => match other_key(*at) {
            Some(key) => MatchOutcome::Conflicting {
                lms_id: lms_id.clone(),
                how,
                reason: ConflictReason::OtherKey { key },
            },
            None => MatchOutcome::Unmatched,
        },
        ([], _) => MatchOutcome::Unmatched,
        ([(lms_id, _)], _) if !more => MatchOutcome::Matched {
            lms_id: lms_id.clone(),
            how,
        },
        _ => MatchOutcome::Ambiguous {
            candidates: own.into_iter().map(|(lms_id, _)| lms_id).collect(),
            more,
            how,
        },
    }
}

/// Puts the entries in report order, marks every key that occurs more than
/// once as a duplicate, and makes the `Matched` entries that share an LMS
/// record `Conflicting`, each naming the others.
pub(super) fn finish<Id: Ord + Clone>(entries: &mut [MatchEntry<Id>]) {
    entries.sort_unstable();
    mark_duplicates(entries);
    settle_shared_claims(entries);
    // Only outcomes changed, and only where they tie on key; restore the order.
    entries.sort_unstable();
}

/// Replaces the outcome of every entry whose key occurs more than once
/// (among the records in scope) with `DuplicateKey`. `entries` is sorted.
fn mark_duplicates<Id>(entries: &mut [MatchEntry<Id>]) {
    let mut start = 0;
    while start < entries.len() {
        let key = &entries[start].key;
        let end = start
            + entries[start..]
                .iter()
                .take_while(|entry| entry.key == *key)
                .count();
        if end - start > 1 {
            let count = u64::try_from(end - start).unwrap_or(u64::MAX);
            for entry in &mut entries[start..end] {
                entry.outcome = MatchOutcome::DuplicateKey { count };
            }
        }
        start = end;
    }
}

/// Makes every `Matched` entry whose LMS record another entry also matched
/// `Conflicting`, naming the others.
fn settle_shared_claims<Id: Ord + Clone>(entries: &mut [MatchEntry<Id>]) {
    let mut claims: Vec<(Id, usize)> = entries
        .iter()
        .enumerate()
        .filter_map(|(at, entry)| match &entry.outcome {
            MatchOutcome::Matched { lms_id, .. } => Some((lms_id.clone(), at)),
            _ => None,
        })
        .collect();
    claims.sort_unstable();
    for group in claims.chunk_by(|a, b| a.0 == b.0) {
        if group.len() < 2 {
            continue;
        }
        for &(ref lms_id, at) in group {
            let others: Vec<String> = group
                .iter()
                .filter(|&&(_, other)| other != at)
                .map(|&(_, other)| entries[other].key.clone())
                .collect();
            if let MatchOutcome::Matched { how, .. } = entries[at].outcome {
                entries[at].outcome = MatchOutcome::Conflicting {
                    lms_id: lms_id.clone(),
                    how,
                    reason: ConflictReason::SharedWith { keys: others },
                };
            }
        }
    }
}

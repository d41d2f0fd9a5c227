//! A plan in brief, for the summary a report prints first: the records it
//! leaves alone and its warnings, grouped by kind of record and reason, each
//! group with its count and a few examples. The full listing is
//! [`render_listing`](crate::plan::render_listing).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::entity::Entity;
use crate::plan::types::{NoteReason, Plan, SkipReason};

/// Examples a group keeps unless told otherwise.
pub const EXAMPLES: usize = 3;

/// A plan's skips and warnings, grouped by kind of record and reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanDigest {
    /// Records left alone; per kind of record, the largest group first.
    pub skips: Vec<ReasonGroup>,
    /// Records synced with something to read; grouped the same way.
    pub warnings: Vec<ReasonGroup>,
}

/// Records of one kind that share one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonGroup {
    /// The kind of record.
    pub entity: Entity,
    /// The reason's name, as the plan's JSON spells it (`school_unmapped`).
    pub reason: String,
    /// What the reason means, for a heading.
    pub about: String,
    /// Whether two records claim the same identity (skips only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub conflict: bool,
    /// How many records.
    pub count: u64,
    /// The first few records of the group, by key.
    pub examples: Vec<Example>,
}

/// One record of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Example {
    /// Its SIS key.
    pub key: String,
    /// The reason in full, for this record.
    pub reason: String,
}

impl PlanDigest {
    /// Groups the skips and notes of `plan`, keeping `examples` examples per
    /// group (the plan is sorted by key, so they are the smallest keys).
    pub fn of(plan: &Plan, examples: usize) -> PlanDigest {
        PlanDigest {
            skips: group(
                plan.skips.iter().map(|skip| {
                    let (name, about) = skip_words(&skip.reason);
                    (
                        skip.entity,
                        name,
                        about,
                        skip.reason.is_conflict(),
                        &skip.key,
                        &skip.reason as &dyn std::fmt::Display,
                    )
                }),
                examples,
            ),
            warnings: group(
                plan.notes.iter().map(|note| {
                    let (name, about) = note_words(&note.note);
                    (
                        note.entity,
                        name,
                        about,
                        false,
                        &note.key,
                        &note.note as &dyn std::fmt::Display,
                    )
                }),
                examples,
            ),
        }
    }

    /// Whether the plan skips nothing and warns about nothing.
    pub fn is_empty(&self) -> bool {
        self.skips.is_empty() && self.warnings.is_empty()
    }

    /// The groups as text: a heading per list with its total, then per group
    /// its count, kind of record and meaning, and its examples.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for (title, groups) in [("Skipped", &self.skips), ("Warnings", &self.warnings)] {
            if groups.is_empty() {
                continue;
            }
            let total: u64 = groups.iter().map(|group| group.count).sum();
            let _ = writeln!(out, "{title}: {total} record(s), by reason");
            for group in groups {
                let _ = writeln!(
                    out,
                    "  {:>6} {}{}: {}",
                    group.count,
                    group.entity,
                    if group.conflict { " [conflict]" } else { "" },
                    group.about
                );
                for example in &group.examples {
                    let _ = writeln!(out, "           e.g. {}: {}", example.key, example.reason);
                }
            }
        }
        out
    }
}

/// One record to group: kind, reason name, meaning, conflict, key, reason.
type Member<'p> = (
    Entity,
    &'static str,
    &'static str,
    bool,
    &'p String,
    &'p dyn std::fmt::Display,
);

fn group<'p>(members: impl Iterator<Item = Member<'p>>, examples: usize) -> Vec<ReasonGroup> {
    let mut groups: BTreeMap<(Entity, &'static str), ReasonGroup> = BTreeMap::new();
    for (entity, name, about, conflict, key, reason) in members {
        let group = groups.entry((entity, name)).or_insert_with(|| ReasonGroup {
            entity,
            reason: name.to_owned(),
            about: about.to_owned(),
            conflict,
            count: 0,
            examples: Vec::new(),
        });
        group.count += 1;
        if group.examples.len() < examples {
            group.examples.push(Example {
                key: key.clone(),
                reason: reason.to_string(),
            });
        }
    }
    let mut groups: Vec<ReasonGroup> = groups.into_values().collect();
    // Per kind of record (dependency order), the largest group first; the
    // name breaks ties, so the order never depends on input order.
    groups.sort_by(|a, b| {
        (a.entity, std::cmp::Reverse(a.count), &a.reason).cmp(&(
            b.entity,
            std::cmp::Reverse(b.count),
            &b.reason,
        ))
    });
    groups
}

/// A skip reason's name (its JSON tag) and what it means.
fn skip_words(reason: &SkipReason) -> (&'static str, &'static str) {
    match reason {
        SkipReason::DuplicateKey { .. } => (
            "duplicate_key",
            "the SIS has several records with this key; fix the duplicates in the SIS",
        ),
        SkipReason::MissingField { .. } => {
            ("missing_field", "a required field is empty in the SIS")
        }
        SkipReason::SchoolUnmapped { .. } => (
            "school_unmapped",
            "the school is not mapped to an LMS building (`rostersync schools map`)",
        ),
        SkipReason::SchoolNotSelected { .. } => (
            "school_not_selected",
            "the school is not selected for this object type (`rostersync roles select`)",
        ),
        SkipReason::RoleNotSynced { .. } => (
            "role_not_synced",
            "the person's role is set to Do not sync in the building",
        ),
        SkipReason::RoleUnset { .. } => (
            "role_unset",
            "the building's role map sets no role for the person's SIS role (`rostersync roles set`)",
        ),
        SkipReason::NotActive { .. } => (
            "not_active",
            "inactive or withdrawn in the SIS, with no LMS account to keep",
        ),
        SkipReason::EmailTaken { .. } => (
            "email_taken",
            "the e-mail is used by another LMS account (link them in data prep)",
        ),
        SkipReason::UsernameTaken { .. } => (
            "username_taken",
            "the username is used by another LMS account (link them in data prep)",
        ),
        SkipReason::UniqueIdClaimed { .. } => (
            "unique_id_claimed",
            "the LMS record with this key is linked to another SIS record",
        ),
        SkipReason::StaleLink { .. } => ("stale_link", "the linked LMS record no longer exists"),
        SkipReason::NoMappedTerm { .. } => (
            "no_mapped_term",
            "none of the section's terms is mapped to a grading period (`rostersync terms map`)",
        ),
        SkipReason::CourseNotSynced { .. } => (
            "course_not_synced",
            "the section's course is not in the LMS",
        ),
        SkipReason::CourseChanged { .. } => (
            "course_changed",
            "the SIS moved the section to another course, which the LMS cannot do",
        ),
        SkipReason::EmptySection => (
            "empty_section",
            "the section has no enrollments and empty sections are not created",
        ),
        SkipReason::CourseInactive => (
            "course_inactive",
            "the course is inactive in the SIS catalog, with no LMS course to keep",
        ),
        SkipReason::MergedInto { .. } => {
            ("merged_into", "cross-listed: merged into another section")
        }
        SkipReason::SectionNotSynced { .. } => ("section_not_synced", "the section is not synced"),
        SkipReason::PersonNotSynced { .. } => ("person_not_synced", "the person is not synced"),
        SkipReason::PeriodTitleTaken { .. } => (
            "period_title_taken",
            "a grading period with the term's title already exists; map the term to it",
        ),
        SkipReason::AmbiguousMatch { .. } => (
            "ambiguous_match",
            "several LMS records fit; link one in data prep (`rostersync prep`) before it is created",
        ),
        SkipReason::KeyUnfit { .. } => (
            "key_unfit",
            "the SIS key cannot be the LMS unique id; change the key in the SIS",
        ),
    }
}

/// A note's name (its JSON tag) and what it means.
fn note_words(note: &NoteReason) -> (&'static str, &'static str) {
    match note {
        NoteReason::KeepsSharedEmail { .. } => (
            "keeps_shared_email",
            "keeps an e-mail other SIS people have too (they are synced without it)",
        ),
        NoteReason::SharedEmailWithheld { .. } => (
            "shared_email_withheld",
            "synced without an e-mail another SIS person keeps",
        ),
        NoteReason::EmailHeldElsewhere { .. } => (
            "email_held_elsewhere",
            "synced without an e-mail the LMS holds for an account elsewhere",
        ),
        NoteReason::TextCleaned { .. } => (
            "text_cleaned",
            "text the LMS would refuse or store differently was cleaned or shortened",
        ),
        NoteReason::LossyName { .. } => (
            "lossy_name",
            "the SIS name lost letters in its export (`?`); it never overwrites an LMS name",
        ),
        NoteReason::BeginsLater { .. } => (
            "begins_later",
            "the enrollment begins later; it is created on its begin date",
        ),
        NoteReason::Ended { .. } => (
            "ended",
            "every SIS row of the enrollment ended; it is not created (one rostersync made is dropped)",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{
        CourseId, CourseKey, GradingPeriodId, PersonKey, SchoolKey, SectionKey, UserId,
    };
    use crate::model::sis::{PersonStatus, SisRole};
    use crate::plan::types::{Note, Skip};

    fn skip(entity: Entity, key: &str, reason: SkipReason) -> Skip {
        Skip {
            entity,
            key: key.to_owned(),
            reason,
        }
    }

    #[test]
    fn skips_are_grouped_by_kind_and_reason_with_counts_and_the_first_examples() {
        let unmapped = |key: &str, school: &str| {
            skip(
                Entity::User,
                key,
                SkipReason::SchoolUnmapped {
                    school: SchoolKey::new(school),
                },
            )
        };
        let plan = Plan {
            skips: vec![
                unmapped("P1", "101"),
                unmapped("P2", "102"),
                unmapped("P3", "101"),
                unmapped("P4", "101"),
                skip(
                    Entity::User,
                    "P5",
                    SkipReason::EmailTaken {
                        email: "a@b.org".into(),
                        by: UserId::new("9"),
                    },
                ),
                skip(Entity::Section, "S1", SkipReason::EmptySection),
            ],
            notes: vec![Note {
                entity: Entity::User,
                key: "P6".into(),
                note: NoteReason::EmailHeldElsewhere {
                    email: "c@d.org".into(),
                },
            }],
            ..Plan::default()
        };
        let digest = PlanDigest::of(&plan, EXAMPLES);
        let shape: Vec<(Entity, &str, u64, usize)> = digest
            .skips
            .iter()
            .map(|g| (g.entity, g.reason.as_str(), g.count, g.examples.len()))
            .collect();
        assert_eq!(
            shape,
            [
                (Entity::User, "school_unmapped", 4, 3),
                (Entity::User, "email_taken", 1, 1),
                (Entity::Section, "empty_section", 1, 1),
            ]
        );
        assert_eq!(digest.skips[0].examples[1].key, "P2");
        assert!(digest.skips[0].examples[1].reason.contains("school 102"));
        assert!(digest.skips[1].conflict);
        assert_eq!(digest.warnings[0].reason, "email_held_elsewhere");

        let text = digest.to_text();
        assert!(
            text.starts_with("Skipped: 6 record(s), by reason\n"),
            "{text}"
        );
        assert!(
            text.contains("     4 user: the school is not mapped"),
            "{text}"
        );
        assert!(text.contains("e.g. P1: school 101 is not mapped"), "{text}");
        assert!(!text.contains("P4"), "three examples only: {text}");
        assert!(text.contains("Warnings: 1 record(s)"), "{text}");
        assert!(PlanDigest::of(&Plan::default(), EXAMPLES).is_empty());
    }

    /// The names are the JSON tags, so a group and the plan's JSON agree.
    #[test]
    fn reason_names_are_the_json_tags() {
        let person = PersonKey::new("P");
        let reasons = vec![
            SkipReason::DuplicateKey { count: 2 },
            SkipReason::MissingField { field: "x".into() },
            SkipReason::SchoolUnmapped {
                school: SchoolKey::new("1"),
            },
            SkipReason::SchoolNotSelected {
                school: SchoolKey::new("1"),
            },
            SkipReason::RoleNotSynced {
                role: SisRole::Guardian,
                school: SchoolKey::new("1"),
            },
            SkipReason::RoleUnset {
                role: SisRole::Teacher,
                school: SchoolKey::new("1"),
                building: "9001".into(),
            },
            SkipReason::NotActive {
                status: PersonStatus::Withdrawn,
            },
            SkipReason::EmailTaken {
                email: "e".into(),
                by: UserId::new("1"),
            },
            SkipReason::UsernameTaken {
                username: "u".into(),
                by: UserId::new("1"),
            },
            SkipReason::UniqueIdClaimed { id: "1".into() },
            SkipReason::StaleLink { id: "1".into() },
            SkipReason::NoMappedTerm { terms: Vec::new() },
            SkipReason::CourseNotSynced {
                course: CourseKey::new("C"),
            },
            SkipReason::CourseChanged {
                lms_course: CourseId::new("1"),
                sis_course: CourseKey::new("C"),
            },
            SkipReason::EmptySection,
            SkipReason::CourseInactive,
            SkipReason::MergedInto {
                section: SectionKey::new("S"),
            },
            SkipReason::SectionNotSynced {
                section: SectionKey::new("S"),
            },
            SkipReason::PersonNotSynced {
                person: person.clone(),
            },
            SkipReason::PeriodTitleTaken {
                title: "t".into(),
                by: GradingPeriodId::new("1"),
            },
        ];
        for reason in &reasons {
            let json = serde_json::to_value(reason).unwrap();
            assert_eq!(json["reason"], skip_words(reason).0, "{json}");
        }
        let notes = [
            NoteReason::KeepsSharedEmail {
                email: "e".into(),
                others: vec![person.clone()],
            },
            NoteReason::SharedEmailWithheld {
                email: "e".into(),
                owner: person,
            },
            NoteReason::EmailHeldElsewhere { email: "e".into() },
        ];
        for note in &notes {
            let json = serde_json::to_value(note).unwrap();
            assert_eq!(json["note"], note_words(note).0, "{json}");
        }
    }
}

//! Planning grading periods (from the term map) and sections: scope, the
//! key and the text made to fit the LMS, course, terms, cross-listing, then
//! create / update / link, holding a create whose data-prep match is
//! ambiguous.

use std::borrow::Cow;
use std::collections::BTreeMap;

use foldhash::HashMap;

use crate::entity::Entity;
use crate::ids::{SectionId, SectionKey};
use crate::lms_text::{self, Fitted, TextKind};
use crate::mapping::TermTarget;
use crate::model::lms::{LmsSection, SectionFields};
use crate::model::sis::{Section, Term};
use crate::plan::builder::{Builder, Party, dedupe};
use crate::plan::index::{fold, nonempty};
use crate::plan::record::{Decided, Diff, Found, find, is_create, unless_quiet};
use crate::plan::types::{
    GradingPeriodOp, NoteReason, PeriodRef, RecordAction, SectionOp, SectionSpec, SkipReason,
};
use crate::plan::{fit, held};

/// Plans the grading periods the term map asks to create; returns the
/// grading period of every mapped term.
pub(crate) fn plan_grading_periods<'a>(b: &mut Builder<'a>) -> HashMap<&'a str, PeriodRef> {
    let terms = dedupe(
        &b.input.sis.terms,
        |term| term.key.as_str(),
        b,
        Entity::GradingPeriod,
    );
    let mut refs = HashMap::with_capacity_and_hasher(terms.len(), Default::default());
    for term in terms {
        let key = term.key.as_str();
        let Some(target) = b.input.mapping.term(&term.key) else {
            continue;
        };
        match period_for(b, term, target) {
            Ok((reference, op)) => {
                match op {
                    Some((op, note)) => {
                        b.plan.grading_periods.push(op);
                        if let Some(note) = note {
                            b.note(Entity::GradingPeriod, key, note);
                        }
                    }
                    None => b.unchanged(Entity::GradingPeriod),
                }
                refs.insert(key, reference);
            }
            Err(reason) => b.skip(Entity::GradingPeriod, key, reason),
        }
    }
    distinguish_titles(&mut b.plan.grading_periods);
    refs
}

/// Titles are unique in the district, so periods this plan would create
/// under one title (terms named alike by the SIS) each get their term key
/// appended; none keeps the bare title, so the result does not depend on
/// order. The title is cut before the key, if it must be, to fit the LMS.
fn distinguish_titles(ops: &mut [GradingPeriodOp]) {
    let mut count: HashMap<String, usize> = HashMap::default();
    for op in ops.iter() {
        *count.entry(fold(&op.title)).or_default() += 1;
    }
    for op in ops.iter_mut() {
        if count.get(&fold(&op.title)).is_some_and(|n| *n > 1) {
            let suffix = format!("({})", op.term);
            op.title = lms_text::fit_with_suffix(&op.title, &suffix, TextKind::Title)
                .text
                .into_owned();
        }
    }
}

/// A grading period created, with the note about its title if it had to be cleaned.
type PeriodCreate = (GradingPeriodOp, Option<NoteReason>);

fn period_for(
    b: &Builder<'_>,
    term: &Term,
    target: &TermTarget,
) -> Result<(PeriodRef, Option<PeriodCreate>), SkipReason> {
    match target {
        TermTarget::Existing(id) => match b.lms.periods_by_id.get(id.as_str()) {
            Some(_) => Ok((PeriodRef::Existing(id.clone()), None)),
            None => Err(SkipReason::StaleLink { id: id.to_string() }),
        },
        TermTarget::Create => {
            if let Some(link) = b.input.links.grading_periods.get(&term.key) {
                if b.lms.periods_by_id.contains_key(link.id.as_str()) {
                    return Ok((PeriodRef::Existing(link.id.clone()), None));
                }
            }
            if b.input.mapping.building(&term.school).is_none() {
                return Err(SkipReason::SchoolUnmapped {
                    school: term.school.clone(),
                });
            }
            let fitted = period_title(b, term);
            let note = fit::note("title", &fitted);
            let title = fitted.text.into_owned();
            if let Some(existing) = b.lms.periods_by_title.get(fold(&title).as_str()) {
                return Err(SkipReason::PeriodTitleTaken {
                    title,
                    by: existing.id.clone(),
                });
            }
            let op = GradingPeriodOp {
                term: term.key.clone(),
                title,
                start: term.start,
                end: term.end,
            };
            Ok((PeriodRef::FromTerm(term.key.clone()), Some((op, note))))
        }
    }
}

fn period_title(b: &Builder<'_>, term: &Term) -> Fitted<'static> {
    let school = b
        .input
        .sis
        .schools
        .iter()
        .find(|school| school.key == term.school)
        .map_or(term.school.as_str(), |school| school.name.as_str());
    grading_period_title(term, school)
}

/// The title of the grading period made from a term: "Lincoln High Q1
/// 2025-26", since grading period titles are unique in the district. The
/// school year is named once: a term title that already holds it ("2025-26
/// Semester 1", "S1 2025-2026", "Fall 2025") is not followed by it again.
/// A school name too long for the LMS is cut, never the term and the years
/// that tell its periods apart.
pub fn grading_period_title(term: &Term, school_name: &str) -> Fitted<'static> {
    let title = term.title.trim();
    let when = if names_school_year(title, term.school_year) {
        title.to_owned()
    } else {
        format!(
            "{title} {}-{:02}",
            term.school_year - 1,
            term.school_year.rem_euclid(100)
        )
    };
    let school = school_name.trim();
    let school = if school.is_empty() {
        term.school.as_str()
    } else {
        school
    };
    lms_text::fit_with_suffix(school, &when, TextKind::Title)
}

/// Whether a term title already names its school year (ending in `year`):
/// either calendar year in full, or the short "25-26" / "25/26" form.
fn names_school_year(title: &str, year: i32) -> bool {
    let short = |sep: char| {
        format!(
            "{:02}{sep}{:02}",
            (year - 1).rem_euclid(100),
            year.rem_euclid(100)
        )
    };
    [
        year.to_string(),
        (year - 1).to_string(),
        short('-'),
        short('/'),
    ]
    .iter()
    .any(|needle| title.contains(needle.as_str()))
}

/// Where each SIS section's enrollments go, and the state of each target section.
#[derive(Debug, Default)]
pub(crate) struct SectionStates<'a> {
    /// SIS section → the section that receives its enrollments (itself unless merged).
    pub(crate) target: HashMap<&'a str, &'a SectionKey>,
    /// The state of each target section.
    pub(crate) state: HashMap<&'a str, Party>,
}

/// Plans every section.
pub(crate) fn plan_sections<'a>(
    b: &mut Builder<'a>,
    courses: &HashMap<&'a str, Party>,
    periods: &HashMap<&'a str, PeriodRef>,
    students_per_section: &HashMap<&'a str, usize>,
) -> SectionStates<'a> {
    let sections = dedupe(
        &b.input.sis.sections,
        |section| section.key.as_str(),
        b,
        Entity::Section,
    );
    let mut states = SectionStates::default();
    let leaders = cross_list_leaders(b, &sections);
    // Decide every section first: the creates among them are held when data
    // prep finds their match ambiguous. Merged members are not decided.
    let merged = |section: &Section| {
        leaders
            .get(section.key.as_str())
            .is_some_and(|leader| **leader != section.key)
    };
    let telling: Vec<_> = sections
        .iter()
        .enumerate()
        .filter(|(_, section)| !merged(section))
        .filter_map(|(at, section)| {
            let enrolled = group_members(&leaders, &section.key)
                .map(|member| students_per_section.get(member).copied().unwrap_or(0))
                .sum::<usize>()
                + section.teachers().count();
            let decided = decide(b, section, courses, periods, enrolled);
            Some((at, unless_quiet(decided)?))
        })
        .collect();
    let creating: Vec<(usize, &Section)> = telling
        .iter()
        .filter(|(_, decided)| is_create(decided))
        .map(|&(at, _)| (at, sections[at]))
        .collect();
    let mut held = held::sections(b, &creating);
    let mut telling = telling.into_iter().peekable();
    for (at, section) in sections.into_iter().enumerate() {
        let key = section.key.as_str();
        let leader = leaders.get(key).copied().unwrap_or(&section.key);
        states.target.insert(key, leader);
        if merged(section) {
            let reason = SkipReason::MergedInto {
                section: leader.clone(),
            };
            b.skip(Entity::Section, key, reason);
            continue;
        }
        let decided = match telling.next_if(|(told, _)| *told == at) {
            Some((_, decided)) => held.over(at, decided),
            None => Ok(Decided::quiet()),
        };
        let state = b.settle(Entity::Section, key, decided, true, |plan, action| {
            plan.sections.push(SectionOp {
                key: section.key.clone(),
                action,
            });
        });
        states.state.insert(key, state);
    }
    states
}

/// With merging on, maps every member of a cross-list group to the member with the smallest key.
fn cross_list_leaders<'a>(
    b: &Builder<'_>,
    sections: &[&'a Section],
) -> HashMap<&'a str, &'a SectionKey> {
    let mut leaders = HashMap::default();
    if !b.input.mapping.options().merge_cross_listed {
        return leaders;
    }
    let mut groups: BTreeMap<&str, Vec<&'a SectionKey>> = BTreeMap::new();
    for section in sections {
        if let Some(group) = nonempty(section.cross_list_group.as_deref()) {
            groups.entry(group).or_default().push(&section.key);
        }
    }
    for members in groups.values() {
        if let Some(leader) = members.iter().min() {
            for member in members {
                leaders.insert(member.as_str(), *leader);
            }
        }
    }
    leaders
}

fn group_members<'m>(
    leaders: &'m HashMap<&str, &SectionKey>,
    leader: &'m SectionKey,
) -> impl Iterator<Item = &'m str> {
    let merged = leaders
        .iter()
        .filter(move |(_, l)| **l == leader)
        .map(|(member, _)| *member);
    let alone = (!leaders.contains_key(leader.as_str())).then_some(leader.as_str());
    merged.chain(alone)
}

fn decide(
    b: &Builder<'_>,
    section: &Section,
    courses: &HashMap<&str, Party>,
    periods: &HashMap<&str, PeriodRef>,
    enrolled: usize,
) -> Result<Decided<RecordAction<SectionId, SectionSpec>>, SkipReason> {
    let mapping = b.input.mapping;
    if mapping.building(&section.school).is_none() {
        return Err(SkipReason::SchoolUnmapped {
            school: section.school.clone(),
        });
    }
    if !mapping.selection().sections.contains(&section.school) {
        return Err(SkipReason::SchoolNotSelected {
            school: section.school.clone(),
        });
    }
    fit::key(section.key.as_str(), "section school code")?;
    let mut notes = Vec::new();
    let code = fit::field(&mut notes, "section code", &section.code, TextKind::Code);
    let title = fit::optional(&mut notes, "title", Some(&section.title), TextKind::Title)
        .unwrap_or_else(|| code.clone());
    if title.is_empty() {
        return Err(SkipReason::MissingField {
            field: "title".into(),
        });
    }
    if !courses
        .get(section.course.as_str())
        .is_some_and(|course| course.synced)
    {
        return Err(SkipReason::CourseNotSynced {
            course: section.course.clone(),
        });
    }
    let mut grading_periods: Vec<PeriodRef> = section
        .terms
        .iter()
        .filter_map(|term| periods.get(term.as_str()).cloned())
        .collect();
    grading_periods.sort();
    grading_periods.dedup();
    if grading_periods.is_empty() {
        return Err(SkipReason::NoMappedTerm {
            terms: section.terms.clone(),
        });
    }
    let room = section.room.as_deref();
    let spec = SectionSpec {
        course: section.course.clone(),
        title: title.into_owned(),
        code: code.into_owned(),
        grading_periods,
        location: fit::optional(&mut notes, "room", room, TextKind::Title).map(Cow::into_owned),
        periods: (!section.periods.is_empty())
            .then(|| {
                fit::owned(
                    &mut notes,
                    "class periods",
                    section.periods.join(","),
                    TextKind::Code,
                )
            })
            .flatten(),
    };
    let key = section.key.as_str();
    let found = find(
        key,
        b.linked.section_links.get(key).copied(),
        &b.lms.sections_by_id,
        &b.lms.sections_by_unique,
        &b.linked.sections,
        |lms: &LmsSection| lms.id.as_str(),
    )?;
    let (lms, linked) = match found {
        Found::Linked(lms) => (lms, true),
        Found::ByUniqueId(lms) => (lms, false),
        Found::Nowhere if enrolled == 0 && !mapping.options().create_empty_sections => {
            return Err(SkipReason::EmptySection);
        }
        Found::Nowhere => {
            let action = Some(RecordAction::Create { fields: spec });
            return Ok(Decided { action, notes });
        }
    };
    let lms_course = b
        .input
        .links
        .courses
        .get(section.course.as_str())
        .map(|link| link.id.as_str())
        .or_else(|| {
            b.lms
                .courses_by_code
                .get(section.course.as_str())
                .map(|course| course.id.as_str())
        });
    if lms_course != Some(lms.course.as_str()) {
        return Err(SkipReason::CourseChanged {
            lms_course: lms.course.clone(),
            sis_course: section.course.clone(),
        });
    }
    let spec = keep_unset(spec, &lms.fields);
    let changes = section_diff(&lms.fields, &spec);
    let id = lms.id.clone();
    let action = if linked {
        (!changes.is_empty()).then_some(RecordAction::Update {
            id,
            fields: spec,
            changes,
        })
    } else {
        Some(RecordAction::Link {
            id,
            fields: spec,
            changes,
        })
    };
    Ok(Decided { action, notes })
}

fn keep_unset(spec: SectionSpec, current: &SectionFields) -> SectionSpec {
    SectionSpec {
        location: spec.location.or_else(|| current.location.clone()),
        periods: spec.periods.or_else(|| current.periods.clone()),
        ..spec
    }
}

/// The text of a grading period reference, as diffs show it.
pub(crate) fn period_text(reference: &PeriodRef) -> String {
    match reference {
        PeriodRef::Existing(id) => id.to_string(),
        PeriodRef::FromTerm(term) => format!("new:{term}"),
    }
}

fn section_diff(
    current: &SectionFields,
    new: &SectionSpec,
) -> Vec<crate::plan::types::FieldChange> {
    let mut diff = Diff::default();
    diff.text("title", &current.title, &new.title);
    // The section code is sent when a section is created but not compared:
    // Schoology ignores `section_code` when `section_school_code` (our key)
    // is set, so the LMS may never hold it, and comparing would update forever.
    let mut old_periods: Vec<String> = current
        .grading_periods
        .iter()
        .map(ToString::to_string)
        .collect();
    old_periods.sort();
    let new_periods: Vec<String> = new.grading_periods.iter().map(period_text).collect();
    diff.list("grading_periods", &old_periods, &new_periods);
    diff.opt("location", &current.location, &new.location);
    diff.opt("periods", &current.periods, &new.periods);
    diff.0
}

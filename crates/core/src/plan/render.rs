//! Renderings of a plan: a readable dry-run text and a stable JSON form.

use std::fmt::Write as _;

use serde::Serialize;

use crate::entity::Entity;
use crate::model::lms::{CourseFields, UserFields};
use crate::plan::sections::period_text;
use crate::plan::summary::PlanSummary;
use crate::plan::types::{
    EnrollmentAction, FieldChange, GuardianLinkAction, Plan, RecordAction, SectionSpec,
};

/// How much of a plan the text shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderOptions {
    /// At most this many lines per list; the rest is counted ("... and 12 more").
    pub max_lines: Option<usize>,
}

impl RenderOptions {
    /// Every line.
    pub fn full() -> Self {
        RenderOptions { max_lines: None }
    }
}

/// The plan as readable text: the summary table, then every change with
/// field-level diffs, then every skip with its reason.
pub fn render_text(plan: &Plan, options: RenderOptions) -> String {
    let summary = PlanSummary::of(plan);
    let mut out = String::new();
    render_summary(&mut out, &summary);
    out.push_str(&render_listing(plan, options));
    out
}

/// The plan's lists without the summary table: every change with
/// field-level diffs, every skip with its reason and every warning, each
/// list under a heading with its length.
pub fn render_listing(plan: &Plan, options: RenderOptions) -> String {
    let mut out = String::new();
    let mut list = |title: &str, lines: Vec<String>| {
        if lines.is_empty() {
            return;
        }
        let _ = writeln!(out, "\n{title} ({})", lines.len());
        let shown = options.max_lines.unwrap_or(usize::MAX);
        for line in lines.iter().take(shown) {
            let _ = writeln!(out, "  {line}");
        }
        if lines.len() > shown {
            let _ = writeln!(out, "  ... and {} more", lines.len() - shown);
        }
    };
    list(
        "Grading periods",
        plan.grading_periods
            .iter()
            .map(|op| {
                format!(
                    "+ {} create \"{}\" {}..{}",
                    op.term, op.title, op.start, op.end
                )
            })
            .collect(),
    );
    list(
        "Users",
        plan.users
            .iter()
            .map(|op| record_line(op.key.as_str(), &op.action, user_text))
            .collect(),
    );
    list(
        "Courses",
        plan.courses
            .iter()
            .map(|op| record_line(op.key.as_str(), &op.action, course_text))
            .collect(),
    );
    list(
        "Sections",
        plan.sections
            .iter()
            .map(|op| record_line(op.key.as_str(), &op.action, section_text))
            .collect(),
    );
    list(
        "Enrollments",
        plan.enrollments
            .iter()
            .map(|op| {
                let (section, person) = (&op.section, &op.person);
                match &op.action {
                    EnrollmentAction::Enroll { role } => {
                        format!("+ {section} enroll {person} as {}", role.as_str())
                    }
                    EnrollmentAction::ChangeRole { from, to, .. } => {
                        format!(
                            "~ {section} {person} role {} -> {}",
                            from.as_str(),
                            to.as_str()
                        )
                    }
                    EnrollmentAction::Adopt { id } => {
                        format!("= {section} adopt {person} (LMS enrollment {id})")
                    }
                    EnrollmentAction::Unenroll { role, .. } => {
                        format!("- {section} unenroll {person} ({})", role.as_str())
                    }
                }
            })
            .collect(),
    );
    list(
        "Guardian links",
        plan.guardian_links
            .iter()
            .map(|op| {
                let (sign, verb) = match op.action {
                    GuardianLinkAction::Associate => ('+', "associate"),
                    GuardianLinkAction::Adopt => ('=', "adopt"),
                    GuardianLinkAction::Dissociate => ('-', "dissociate"),
                };
                format!(
                    "{sign} {verb} guardian {} with student {}",
                    op.guardian, op.student
                )
            })
            .collect(),
    );
    list(
        "Skipped",
        plan.skips
            .iter()
            .map(|skip| {
                let tag = if skip.reason.is_conflict() {
                    "conflict"
                } else {
                    "skip"
                };
                format!("! {} {} [{tag}]: {}", skip.entity, skip.key, skip.reason)
            })
            .collect(),
    );
    list(
        "Warnings",
        plan.notes
            .iter()
            .map(|note| format!("! {} {} [warning]: {}", note.entity, note.key, note.note))
            .collect(),
    );
    out
}

fn render_summary(out: &mut String, summary: &PlanSummary) {
    let _ = writeln!(
        out,
        "{:<15} {:>8} {:>8} {:>8} {:>8} {:>10} {:>8} {:>10} {:>9}",
        "entity",
        "create",
        "update",
        "link",
        "remove",
        "unchanged",
        "skipped",
        "conflicts",
        "warnings"
    );
    for entity in Entity::ROSTER {
        let c = summary.entity(entity);
        let _ = writeln!(
            out,
            "{:<15} {:>8} {:>8} {:>8} {:>8} {:>10} {:>8} {:>10} {:>9}",
            entity.as_str(),
            c.create,
            c.update,
            c.link,
            c.remove,
            c.unchanged,
            c.skipped,
            c.conflicts,
            c.warnings
        );
    }
}

fn record_line<Id: std::fmt::Display, F>(
    key: &str,
    action: &RecordAction<Id, F>,
    describe: fn(&F) -> String,
) -> String {
    match action {
        RecordAction::Create { fields } => format!("+ {key} create {}", describe(fields)),
        RecordAction::Update { id, changes, .. } => {
            format!("~ {key} update LMS {id}: {}", changes_text(changes))
        }
        RecordAction::Link { id, changes, .. } if changes.is_empty() => {
            format!("= {key} link LMS {id}")
        }
        RecordAction::Link { id, changes, .. } => format!(
            "= {key} link LMS {id}, then update: {}",
            changes_text(changes)
        ),
    }
}

fn changes_text(changes: &[FieldChange]) -> String {
    let show = |value: &Option<String>| {
        value
            .as_deref()
            .map_or_else(|| "(empty)".to_owned(), |v| format!("{v:?}"))
    };
    changes
        .iter()
        .map(|change| {
            format!(
                "{} {} -> {}",
                change.field,
                show(&change.old),
                show(&change.new)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn user_text(fields: &UserFields) -> String {
    let mut text = format!("{:?} {:?}", fields.first, fields.last);
    if let Some(preferred) = &fields.preferred_first {
        let _ = write!(text, " preferred {preferred:?}");
    }
    if let Some(email) = &fields.email {
        let _ = write!(text, " <{email}>");
    }
    if let Some(username) = &fields.username {
        let _ = write!(text, " username {username}");
    }
    if let Some(year) = fields.graduation_year {
        let _ = write!(text, " class of {year}");
    }
    let _ = write!(text, " role {} building {}", fields.role, fields.building);
    if !fields.other_buildings.is_empty() {
        let others: Vec<&str> = fields.other_buildings.iter().map(|b| b.as_str()).collect();
        let _ = write!(text, " (+{})", others.join(","));
    }
    text
}

fn course_text(fields: &CourseFields) -> String {
    let mut text = format!("{:?} building {}", fields.title, fields.building);
    if let Some(department) = &fields.department {
        let _ = write!(text, " department {department:?}");
    }
    if let (Some(low), Some(high)) = (fields.grade_low, fields.grade_high) {
        let _ = write!(text, " grades {low}..{high}");
    }
    text
}

fn section_text(spec: &SectionSpec) -> String {
    let periods: Vec<String> = spec.grading_periods.iter().map(period_text).collect();
    let mut text = format!(
        "{:?} code {:?} in course {} periods [{}]",
        spec.title,
        spec.code,
        spec.course,
        periods.join(",")
    );
    if let Some(location) = &spec.location {
        let _ = write!(text, " room {location:?}");
    }
    text
}

/// The stable JSON form: `{"summary": ..., "plan": ...}`, lists in key order.
///
/// # Errors
///
/// Never in practice: every type in a plan serializes; the error of
/// `serde_json` is passed through rather than hidden.
pub fn render_json(plan: &Plan) -> Result<String, serde_json::Error> {
    #[derive(Serialize)]
    struct Document<'a> {
        summary: PlanSummary,
        plan: &'a Plan,
    }
    serde_json::to_string_pretty(&Document {
        summary: PlanSummary::of(plan),
        plan,
    })
}

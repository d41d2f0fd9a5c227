//! `grades check|sync`: grade passback of one section, or of every section of
//! a teacher, with the settings of the section, of its course, or under `[grades]`.

use anyhow::{Context, bail};
use rostersync_core::Links;
use rostersync_core::grades::{GradeSettings, PeriodWindow};
use std::collections::BTreeMap;

use rostersync_core::ids::{CourseKey, GradingPeriodId, SectionKey, UserId};
use rostersync_core::mapping::TermTarget;
use rostersync_core::model::sis::Term;
use rostersync_engine::{GradeOptions, GradeReport, Requester};
use rostersync_ports::{GradeSource, RunStatus, SisRequest};

use crate::cli::{GradesArgs, GradesCommand, UsageError};
use crate::config::{AdapterKind, Config, ConfigError};
use crate::output::{Lines, Out};
use crate::wire;
use crate::{EXIT_FAILURES, EXIT_OK};

/// `grades check|sync`.
pub(crate) async fn grades(
    command: &GradesCommand,
    config: &Config,
    out: Out,
) -> anyhow::Result<u8> {
    let reports = passback(command, config).await?;
    if out.json {
        out.json(&reports)?;
    } else {
        for report in &reports {
            write_grade_report(report, out);
        }
    }
    let failed = reports
        .iter()
        .any(|report| report.status == RunStatus::CompletedWithFailures);
    Ok(if failed { EXIT_FAILURES } else { EXIT_OK })
}

/// The passback (or, for `check` and `--dry-run`, its plan) of the
/// command's sections, refused as the command refuses it.
pub(crate) async fn passback(
    command: &GradesCommand,
    config: &Config,
) -> anyhow::Result<Vec<GradeReport>> {
    let (target, dry_run, overwrite) = match command {
        GradesCommand::Check(target) => (target, true, false),
        GradesCommand::Sync {
            target,
            dry_run,
            overwrite,
        } => (target, *dry_run, *overwrite),
    };
    if config.sis.kind() == AdapterKind::OneRosterCsv {
        return Err(no_grade_sink(config));
    }
    if config.grades.is_none()
        && config.grades_by_section.is_empty()
        && config.grades_by_course.is_empty()
    {
        return Err(ConfigError::new(format!(
            "grade passback is not configured: add a [grades] table (or [grades_by_course.\"COURSE\"] or [grades_by_section.\"SECTION\"] tables) to {} (categories, sis_categories, missing, \
             incomplete_mark, excused_exception, rounding, scale, averaging, tolerance, max_title_len; see docs/admin-guide.md)",
            config.path.display()
        ))
        .into());
    }
    let now = wire::now();
    let wired = wire::engine(config, now).await?;
    wired
        .sis
        .closing(pass_back(config, &wired, target, dry_run, overwrite, now))
        .await
}

/// The passback of the command's sections, over one SIS session.
async fn pass_back(
    config: &Config,
    wired: &wire::Wired,
    target: &GradesArgs,
    dry_run: bool,
    overwrite: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Vec<GradeReport>> {
    let sink = wired
        .sis
        .grades
        .clone()
        .ok_or_else(|| no_grade_sink(config))?;
    let links = wired.store.links().await.context("read the links")?;
    let requester = match &target.teacher {
        Some(teacher) => Requester::Teacher(UserId::new(teacher.as_str())),
        None => Requester::SystemAdmin,
    };
    let sections = sections(target, &links, &*wired.lms).await?;
    let courses = courses_of(config, wired, &sections, now).await?;
    let mut chosen = Vec::with_capacity(sections.len());
    for section in &sections {
        let course = courses.get(section).map(CourseKey::as_str);
        let Some(settings) = config.grade_settings(section.as_str(), course) else {
            return Err(ConfigError::new(format!(
                "section {section} (course {}) has no grade settings: add [grades], [grades_by_course.\"COURSE\"] or [grades_by_section.\"{section}\"]",
                course.unwrap_or("unknown")
            ))
            .into());
        };
        chosen.push((section, settings));
    }
    // The SIS reads every section's gradebook together.
    sink.prepare(&sections)
        .await
        .context("name the sections to the SIS gradebook")?;
    let terms = wired
        .sis
        .source
        .terms(wired.engine.school_year(now))
        .await
        .context("read the SIS terms")?;
    let periods = windows(config, &links, &terms);
    let mut reports = Vec::new();
    for (section, settings) in chosen {
        let settings = GradeSettings {
            periods: periods.clone(),
            ..settings.clone()
        };
        let options = GradeOptions {
            now,
            dry_run,
            overwrite,
            period: target.period.as_deref().map(GradingPeriodId::new),
        };
        let report = wired
            .engine
            .grades(&*wired.lms, &*sink, &settings, section, &requester, options)
            .await
            .with_context(|| format!("grade passback of section {section}"))?;
        reports.push(report);
    }
    Ok(reports)
}

/// The SIS course of each section that has no settings of its own, read
/// from the SIS only when settings per course are configured.
async fn courses_of(
    config: &Config,
    wired: &wire::Wired,
    sections: &[SectionKey],
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<BTreeMap<SectionKey, CourseKey>> {
    let needed = !config.grades_by_course.is_empty()
        && sections
            .iter()
            .any(|section| !config.grades_by_section.contains_key(section.as_str()));
    if !needed {
        return Ok(BTreeMap::new());
    }
    let request = SisRequest {
        schools: config.mapping.spec().selection.sections.clone(),
        school_year: wired.engine.school_year(now),
    };
    let read = wired
        .sis
        .source
        .snapshot(&request)
        .await
        .context("read the SIS sections to find their courses ([grades_by_course])")?;
    Ok(read
        .snapshot
        .sections
        .into_iter()
        .filter(|section| sections.contains(&section.key))
        .map(|section| (section.key, section.course))
        .collect())
}

/// Why grades cannot go back to the configured SIS.
fn no_grade_sink(config: &Config) -> anyhow::Error {
    ConfigError::new(format!(
        "the SIS adapter {:?} cannot take grades back (a CSV package is read only): \
         grade passback needs sis.adapter \"eschoolplus\" or \"oneroster-rest\"",
        config.sis.kind().name()
    ))
    .into()
}

/// The mapped grading periods with the dates of the terms they come from.
fn windows(config: &Config, links: &Links, terms: &[Term]) -> Vec<PeriodWindow> {
    config
        .mapping
        .spec()
        .terms
        .iter()
        .filter_map(|(key, target)| {
            let period = match target {
                TermTarget::Existing(id) => id.clone(),
                TermTarget::Create => links.grading_periods.get(key)?.id.clone(),
            };
            let term = terms.iter().find(|term| &term.key == key)?;
            Some(PeriodWindow {
                period,
                term: key.clone(),
                school: term.school.clone(),
                start: term.start,
                end: term.end,
            })
        })
        .collect()
}

/// The section asked for, or every linked section the teacher is an admin of.
async fn sections(
    target: &GradesArgs,
    links: &Links,
    lms: &dyn GradeSource,
) -> anyhow::Result<Vec<SectionKey>> {
    if let Some(section) = &target.section {
        return Ok(vec![SectionKey::new(section.as_str())]);
    }
    let Some(teacher) = &target.teacher else {
        return Err(UsageError::new(
            "say which section (--section KEY), or whose sections (--teacher LMS-ID)",
        )
        .into());
    };
    let teacher = UserId::new(teacher.as_str());
    let mut mine = Vec::new();
    for section in links.sections.keys() {
        let admins = lms
            .section_admins(section)
            .await
            .with_context(|| format!("read the admins of section {section}"))?;
        if admins.contains(&teacher) {
            mine.push(section.clone());
        }
    }
    if mine.is_empty() {
        bail!("LMS user {teacher} is a section admin of no section rostersync manages");
    }
    Ok(mine)
}

/// One section's passback as text: what `grades` prints (the console shows
/// the same).
pub(crate) fn write_grade_report(report: &GradeReport, out: impl Lines) {
    let plan = &report.plan;
    out.line(format!(
        "section {} (run {}): {:?}; {} item(s) and {} score(s) to write, {} unchanged, {} written",
        report.section,
        report.run,
        report.status,
        plan.items.len(),
        plan.scores.len(),
        plan.unchanged,
        report.written
    ));
    for problem in &plan.problems {
        out.line(format!("  problem: {}", problem.message));
    }
    for conflict in &plan.conflicts {
        out.line(format!(
            "  conflict: {} on {}: the SIS holds {}, the LMS has {} ({}); not overwritten without --overwrite",
            conflict.student, conflict.item, conflict.sis, conflict.lms, conflict.reason
        ));
    }
    for diff in &plan.averages {
        out.line(format!(
            "  average: {} in period {}: the SIS will compute {:?}, the LMS shows {:?}",
            diff.student, diff.period, diff.sis, diff.lms
        ));
    }
    for failure in &report.failures {
        out.line(format!(
            "  failed: {} {}: {}",
            failure.entity,
            failure.key,
            failure.reason.as_deref().unwrap_or("")
        ));
    }
}

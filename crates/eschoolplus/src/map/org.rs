//! Buildings → schools; marking periods (REG_MP_WEEKS with TERM and RC_RUN,
//! REG_MP_DATES) → terms with dates, grouped under a term per TERM code and a
//! school year per building.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rostersync_core::ids::TermKey;
use rostersync_core::model::sis::{School, Term};
use rostersync_ports::{RecordKind, SourceProblem};

use super::{marking_period_key, non_empty, parse_date, school_key};
use crate::assumptions::keys;
use crate::parse::Table;

/// Schools from `REG_BUILDING`.
pub(crate) fn schools(table: &Table, problems: &mut Vec<SourceProblem>) -> Vec<School> {
    let mut out = Vec::new();
    for row in &table.rows {
        let building = table.get(row, "BUILDING");
        let name = table.get(row, "NAME");
        if building.is_empty() || name.is_empty() {
            problems.push(
                table
                    .record_problem(
                        row,
                        RecordKind::School,
                        building,
                        "a building without a number or name; the row was not read",
                    )
                    .field(if building.is_empty() {
                        "BUILDING"
                    } else {
                        "NAME"
                    })
                    .reason("building without a number or name"),
            );
            continue;
        }
        out.push(School {
            key: school_key(building),
            name: name.to_owned(),
            code: non_empty(table.get(row, "ABBREVIATION")),
        });
    }
    out
}

type Span = (NaiveDate, NaiveDate);

fn widen(span: &mut Option<Span>, start: NaiveDate, end: NaiveDate) {
    *span = Some(match *span {
        Some((s, e)) => (s.min(start), e.max(end)),
        None => (start, end),
    });
}

/// Terms from `REG_MP_WEEKS` and `REG_MP_DATES`: one per marking period,
/// one per `TERM` code grouping them, and one school year per building.
pub(crate) fn terms(weeks: &Table, dates: &Table, problems: &mut Vec<SourceProblem>) -> Vec<Term> {
    // (building, year, marking period) → the widest span over tracks.
    let mut spans: BTreeMap<(String, i32, String), Option<Span>> = BTreeMap::new();
    for row in &dates.rows {
        let (Some(year), Some(start), Some(end)) = (
            dates.get(row, "SCHOOL_YEAR").parse::<i32>().ok(),
            parse_date(dates.get(row, "START_DATE")),
            parse_date(dates.get(row, "END_DATE")),
        ) else {
            problems.push(
                dates
                    .record_problem(
                        row,
                        RecordKind::Term,
                        dates.get(row, "MARKING_PERIOD"),
                        "a marking period date row without a valid year, start or end date; \
                         the marking period takes its dates from its other rows",
                    )
                    .warning()
                    .reason("marking period dates unreadable"),
            );
            continue;
        };
        let key = (
            dates.get(row, "BUILDING").to_owned(),
            year,
            dates.get(row, "MARKING_PERIOD").to_owned(),
        );
        widen(spans.entry(key).or_default(), start, end);
    }
    let mut periods = Vec::new();
    for row in &weeks.rows {
        let building = weeks.get(row, "BUILDING");
        let period = weeks.get(row, "MARKING_PERIOD");
        let Ok(year) = weeks.get(row, "SCHOOL_YEAR").parse::<i32>() else {
            problems.push(
                weeks
                    .record_problem(
                        row,
                        RecordKind::Term,
                        period,
                        "a marking period without a valid school year",
                    )
                    .field("SCHOOL_YEAR")
                    .reason("marking period without a school year"),
            );
            continue;
        };
        if building.is_empty() || period.is_empty() {
            problems.push(
                weeks
                    .record_problem(
                        row,
                        RecordKind::Term,
                        period,
                        "a marking period without a building or code",
                    )
                    .reason("marking period without a building or code"),
            );
            continue;
        }
        let span = spans
            .get(&(building.to_owned(), year, period.to_owned()))
            .copied()
            .flatten();
        let Some((start, end)) = span else {
            problems.push(
                weeks
                    .record_problem(
                        row,
                        RecordKind::Term,
                        marking_period_key(building, year, period).as_str(),
                        format!(
                            "marking period {period} of building {building} has no dates in REG_MP_DATES"
                        ),
                    )
                    .reason("marking period without dates"),
            );
            continue;
        };
        let order: i64 = weeks.get(row, "MP_ORDER").parse().unwrap_or(i64::MAX);
        let title = non_empty(weeks.get(row, "DESCRIPTION")).unwrap_or_else(|| period.to_owned());
        periods.push((
            order,
            building.to_owned(),
            year,
            period.to_owned(),
            non_empty(weeks.get(row, "TERM")),
            title,
            (start, end),
        ));
    }
    periods.sort();
    let sep = keys::KEY_SEPARATOR;
    let year_key = |b: &str, y: i32| TermKey::new(format!("{b}{sep}{y}"));
    let group_key = |b: &str, y: i32, t: &str| {
        TermKey::new(format!("{b}{sep}{y}{sep}{}{t}", keys::TERM_GROUP_PREFIX))
    };
    let mut groups: BTreeMap<(String, i32, String), Option<Span>> = BTreeMap::new();
    let mut years: BTreeMap<(String, i32), Option<Span>> = BTreeMap::new();
    let mut out = Vec::new();
    for (_, building, year, period, term, title, (start, end)) in &periods {
        let parent = match term {
            Some(term) => {
                widen(
                    groups
                        .entry((building.clone(), *year, term.clone()))
                        .or_default(),
                    *start,
                    *end,
                );
                group_key(building, *year, term)
            }
            None => year_key(building, *year),
        };
        widen(
            years.entry((building.clone(), *year)).or_default(),
            *start,
            *end,
        );
        out.push(Term {
            key: marking_period_key(building, *year, period),
            school: school_key(building),
            school_year: *year,
            title: title.clone(),
            start: *start,
            end: *end,
            parent: Some(parent),
        });
    }
    for ((building, year, term), span) in groups {
        if let Some((start, end)) = span {
            out.push(Term {
                key: group_key(&building, year, &term),
                school: school_key(&building),
                school_year: year,
                title: format!("Term {term}"),
                start,
                end,
                parent: Some(year_key(&building, year)),
            });
        }
    }
    for ((building, year), span) in years {
        if let Some((start, end)) = span {
            out.push(Term {
                key: year_key(&building, year),
                school: school_key(&building),
                school_year: year,
                title: format!("{}-{}", year - 1, year),
                start,
                end,
                parent: None,
            });
        }
    }
    out
}

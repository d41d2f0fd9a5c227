//! The gradebook of a section: assignments, grading categories and scales,
//! and grades with the period and final percentages Schoology computes.
//!
//! Percentages here are total points (grade × factor over max points ×
//! factor) of the graded, non-excepted items; category weights are not
//! applied.

use serde_json::{Value, json};

use super::db::{Db, now_secs};
use super::enrollments::members;
use super::model::{Assignment, Grade, GradingCategory};
use super::wire::{
    Call, Reply, Total, bit, bulk_items, flag, has, int, item_error, number, or_empty, page, text,
};

/// Whether the caller may change the section's gradebook: an administrator
/// or an admin (teacher) of the section.
fn can_teach(db: &Db, call: &Call, section: u64) -> bool {
    call.admin
        || db
            .enrollment_of(section, call.actor)
            .and_then(|id| db.enrollments.get(&id))
            .is_some_and(|e| e.admin)
}

fn max_points(a: &Assignment) -> f64 {
    if a.max_points > 0.0 {
        a.max_points
    } else {
        100.0
    }
}

fn factor(a: &Assignment) -> f64 {
    if a.factor > 0.0 { a.factor } else { 1.0 }
}

fn assignment_json(call: &Call, a: &Assignment) -> Value {
    json!({
        "id": a.id,
        "title": a.title,
        "description": or_empty(a.description.as_ref()),
        "due": or_empty(a.due.as_ref()),
        "grading_scale": "0",
        "grading_period": a.grading_period.to_string(),
        "grading_category": a.grading_category.to_string(),
        "max_points": max_points(a).to_string(),
        "factor": factor(a).to_string(),
        "is_final": if a.is_final { "1" } else { "0" },
        "show_comments": "1",
        "grade_stats": "0",
        "allow_dropbox": "1",
        "allow_discussion": "0",
        "published": 1,
        "type": "assignment",
        "grade_item_id": a.id,
        "available": 1,
        "completed": 0,
        "dropbox_locked": 0,
        "grading_scale_type": 0,
        "show_rubric": false,
        "num_assignees": 0,
        "assignees": [],
        "grading_group_ids": [],
        "links": { "self": call.link(&format!("sections/{}/assignments/{}", a.section_id, a.id)) },
    })
}

pub(crate) fn assignments(db: &Db, call: &Call, section: u64) -> Reply {
    if !db.sections.contains_key(&section) {
        return Reply::not_found();
    }
    let items = db
        .assignments
        .values()
        .filter(|a| a.section_id == section)
        .map(|a| assignment_json(call, a))
        .collect();
    let path = format!("sections/{section}/assignments");
    Reply::ok(page(call, &path, "assignment", items, Total::Number))
}

pub(crate) fn assignment(db: &Db, call: &Call, section: u64, id: u64) -> Reply {
    match db.assignments.get(&id).filter(|a| a.section_id == section) {
        Some(a) => Reply::ok(assignment_json(call, a)),
        None => Reply::not_found(),
    }
}

pub(crate) fn create_assignment(db: &mut Db, call: &Call, section: u64) -> Reply {
    if !db.sections.contains_key(&section) {
        return Reply::not_found();
    }
    if !can_teach(db, call, section) {
        return Reply::forbidden();
    }
    let body = &call.body;
    let Some(title) = text(body, "title") else {
        return Reply::bad_request("title is required");
    };
    let id_of = |name: &str| int(body, name).and_then(|v| u64::try_from(v).ok());
    let assignment = Assignment {
        id: db.fresh_id(),
        section_id: section,
        title,
        description: text(body, "description"),
        due: text(body, "due"),
        max_points: number(body, "max_points").unwrap_or(100.0),
        factor: number(body, "factor").unwrap_or(1.0),
        grading_category: id_of("grading_category").unwrap_or(0),
        grading_period: id_of("grading_period").unwrap_or(0),
        is_final: flag(body, "is_final").unwrap_or(false),
    };
    let answer = assignment_json(call, &assignment);
    db.assignments.insert(assignment.id, assignment);
    Reply::created(answer).wrote(1, 0)
}

fn category_json(c: &GradingCategory) -> Value {
    json!({
        "id": c.id.to_string(),
        "title": c.title,
        "calculation_type": if c.calculation_type == 0 { 1 } else { c.calculation_type },
        "default_max_points": 100,
        "default_grading_scale_id": 0,
        "drop_lowest": c.drop_lowest,
        "weight": c.weight,
        "delta": 0,
    })
}

pub(crate) fn categories(db: &Db, call: &Call, section: u64) -> Reply {
    if !db.sections.contains_key(&section) {
        return Reply::not_found();
    }
    let items = db
        .categories
        .values()
        .filter(|c| c.section_id == section)
        .map(category_json)
        .collect();
    let path = format!("sections/{section}/grading_categories");
    Reply::ok(page(call, &path, "grading_category", items, Total::Number))
}

pub(crate) fn create_categories(db: &mut Db, call: &Call, section: u64) -> Reply {
    if !db.sections.contains_key(&section) {
        return Reply::not_found();
    }
    if !can_teach(db, call, section) {
        return Reply::forbidden();
    }
    let items = match bulk_items(&call.body, "grading_categories", "grading_category") {
        Ok(items) => items,
        Err(reply) => return reply,
    };
    let mut written = 0;
    let answers: Vec<Value> = items
        .iter()
        .map(|item| {
            let Some(title) = text(item, "title") else {
                return item_error(400, "title is required");
            };
            let category = GradingCategory {
                id: db.fresh_id(),
                section_id: section,
                title,
                weight: number(item, "weight"),
                drop_lowest: int(item, "drop_lowest").unwrap_or(0),
                calculation_type: int(item, "calculation_type").unwrap_or(1),
            };
            written += 1;
            let mut answer = category_json(&category);
            answer["response_code"] = json!(200);
            db.categories.insert(category.id, category);
            answer
        })
        .collect();
    Reply::multi(json!({ "grading_category": answers })).wrote(written, 0)
}

pub(crate) fn scales(db: &Db, call: &Call, section: u64) -> Reply {
    if !db.sections.contains_key(&section) {
        return Reply::not_found();
    }
    let levels: Vec<Value> = [("A", 90), ("B", 80), ("C", 70), ("D", 60), ("F", 0)]
        .iter()
        .map(|(grade, cutoff)| json!({ "grade": grade, "cutoff": cutoff, "average": cutoff }))
        .collect();
    let scale = json!({
        "id": 1,
        "title": "Default letter scale",
        "type": 1,
        "auto_averaging": 0,
        "hide_numeric": 0,
        "scale": { "level": levels },
    });
    let path = format!("sections/{section}/grading_scales");
    Reply::ok(page(
        call,
        &path,
        "grading_scale",
        vec![scale],
        Total::Number,
    ))
}

fn grade_json(call: &Call, section: u64, g: &Grade, a: Option<&Assignment>) -> Value {
    json!({
        "enrollment_id": g.enrollment_id,
        "assignment_id": g.assignment_id,
        "grade": g.grade,
        "exception": g.exception,
        "max_points": a.map_or(100.0, max_points),
        "is_final": a.map_or(0, |a| bit(a.is_final)),
        "timestamp": g.timestamp,
        "comment": g.comment,
        "comment_status": null,
        "override": null,
        "calculated_grade": null,
        "pending": null,
        "type": "assignment",
        "location": call.link(&format!("sections/{section}/assignments/{}", g.assignment_id)),
        "scale_id": 0,
        "scale_type": 0,
        "category_id": a.map_or(0, |a| a.grading_category),
    })
}

/// The percentage of one enrollment over the assignments `include` accepts.
fn percent(db: &Db, enrollment: u64, section: u64, include: impl Fn(&Assignment) -> bool) -> Value {
    let (mut earned, mut possible) = (0.0, 0.0);
    for a in db
        .assignments
        .values()
        .filter(|a| a.section_id == section && include(a))
    {
        let Some(grade) = db.grades.get(&(enrollment, a.id)) else {
            continue;
        };
        if let (Some(points), 0) = (grade.grade, grade.exception) {
            earned += points * factor(a);
            possible += max_points(a) * factor(a);
        }
    }
    if possible > 0.0 {
        json!((earned / possible * 10_000.0).round() / 100.0)
    } else {
        Value::Null
    }
}

pub(crate) fn section_grades(db: &Db, call: &Call, section: u64) -> Reply {
    let Some(s) = db.sections.get(&section) else {
        return Reply::not_found();
    };
    let assignment: Option<u64> = call.param("assignment_id").and_then(|v| v.parse().ok());
    let enrollment: Option<u64> = call.param("enrollment_id").and_then(|v| v.parse().ok());
    let since = call.param("timestamp").and_then(|v| v.parse::<i64>().ok());
    let grades: Vec<Value> = db
        .grades
        .values()
        .filter(|g| {
            db.assignments
                .get(&g.assignment_id)
                .is_some_and(|a| a.section_id == section)
        })
        .filter(|g| assignment.is_none_or(|a| g.assignment_id == a))
        .filter(|g| enrollment.is_none_or(|e| g.enrollment_id == e))
        .filter(|g| since.is_none_or(|t| g.timestamp >= t))
        .map(|g| grade_json(call, section, g, db.assignments.get(&g.assignment_id)))
        .collect();
    let weight = if s.grading_periods.is_empty() {
        100.0
    } else {
        100.0 / s.grading_periods.len() as f64
    };
    let periods: Vec<Value> = s
        .grading_periods
        .iter()
        .map(|id| {
            json!({
                "period_id": format!("p{id}"),
                "period_title": db.grading_periods.get(id).map(|p| p.title.clone()),
                "weight": format!("{weight:.2}"),
            })
        })
        .collect();
    let finals: Vec<Value> = members(db, section)
        .into_iter()
        .map(|e| {
            let mut list: Vec<Value> = s
                .grading_periods
                .iter()
                .map(|p| {
                    let grade = percent(db, e, section, |a| a.grading_period == *p);
                    json!({ "period_id": format!("p{p}"), "grade": grade, "comment": "", "comment_status": null })
                })
                .collect();
            let other = percent(db, e, section, |a| a.grading_period == 0);
            let total = percent(db, e, section, |_| true);
            list.push(json!({ "period_id": "other", "grade": other, "comment": "", "comment_status": null }));
            list.push(json!({ "period_id": "final", "grade": total, "comment": "", "comment_status": null }));
            json!({ "enrollment_id": e.to_string(), "period": list, "scale_id": 0 })
        })
        .collect();
    Reply::ok(json!({
        "grades": { "grade": grades },
        "period": periods,
        "final_grade": finals,
    }))
}

pub(crate) fn set_grades(db: &mut Db, call: &Call, section: u64) -> Reply {
    if !db.sections.contains_key(&section) {
        return Reply::not_found();
    }
    if !can_teach(db, call, section) {
        return Reply::forbidden();
    }
    let items = match bulk_items(&call.body, "grades", "grade") {
        Ok(items) => items,
        Err(reply) => return reply,
    };
    let mut written = 0;
    for item in &items {
        let id = |name: &str| int(item, name).and_then(|v| u64::try_from(v).ok());
        let (Some(assignment), Some(enrollment)) = (id("assignment_id"), id("enrollment_id"))
        else {
            return Reply::bad_request("Each grade needs assignment_id and enrollment_id");
        };
        let known = db
            .assignments
            .get(&assignment)
            .is_some_and(|a| a.section_id == section)
            && db
                .enrollments
                .get(&enrollment)
                .is_some_and(|e| e.section_id == section);
        if !known {
            return Reply::bad_request("Unknown assignment or enrollment");
        }
        let grade = db.grades.entry((enrollment, assignment)).or_insert(Grade {
            enrollment_id: enrollment,
            assignment_id: assignment,
            ..Grade::default()
        });
        let before = grade.clone();
        if has(item, "grade") {
            grade.grade = number(item, "grade");
        }
        if let Some(exception) = int(item, "exception") {
            grade.exception = exception;
            if exception > 0 {
                grade.grade = None;
            }
        }
        if let Some(comment) = item.get("comment").and_then(Value::as_str) {
            comment.clone_into(&mut grade.comment);
        }
        if *grade != before {
            grade.timestamp = now_secs();
            written += 1;
        }
    }
    Reply::no_content().wrote(written, 0)
}

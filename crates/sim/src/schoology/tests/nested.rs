//! Sections nested in a course bulk: refused as the sections endpoint
//! refuses them, and the answer names only the course.

use serde_json::{Value, json};

use super::{Api, sim_with_period_7101};

#[tokio::test]
async fn nested_sections_are_refused_as_the_sections_endpoint_refuses_them_without_a_word() {
    let sim = sim_with_period_7101().await;
    let mut api = Api::new(&sim, sim.admin_credentials());
    let section = |code: &str, title: &str, period: u64| json!({"title": title, "section_school_code": code, "grading_periods": [period]});
    let bad = [
        section(
            "LONG",
            &"T".repeat(rostersync_core::lms_text::TITLE_LIMIT + 1),
            7101,
        ),
        section("CTRL", "P\u{7}", 7101),
        section("NOPERIOD", "P2", 999),
    ];
    // The separate endpoint refuses each of them per record.
    let made = api
        .call(
            "POST",
            "courses",
            Some(json!({"courses": {"course": [{"title": "Seed", "course_code": "SEED", "building_id": "9001"}]}})),
        )
        .await;
    let seed = made.body["course"][0]["id"].as_str().unwrap().to_owned();
    let body = json!({"sections": {"section": bad.to_vec()}});
    let answer = api
        .call("POST", &format!("courses/{seed}/sections"), Some(body))
        .await;
    let codes: Vec<i64> = answer.body["section"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["response_code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, [400, 400, 400]);
    assert!(sim.state().sections.is_empty());

    // Nested, the same sections are left out, and the course's answer says
    // nothing of them; the good one is created.
    let mut nested = bad.to_vec();
    nested.push(section("GOOD", "P1", 7101));
    let body = json!({"courses": {"course": [{
        "title": "English 9", "course_code": "ENG9", "building_id": "9001",
        "sections": {"section": nested}
    }]}});
    let answer = api
        .call("POST", "courses?update_existing=1", Some(body))
        .await;
    assert_eq!(answer.status, 207);
    assert_eq!(answer.body["course"][0]["response_code"], 200);
    assert!(answer.body["course"][0].get("sections").is_none());
    let state = sim.state();
    let held: Vec<Option<&str>> = state
        .sections
        .iter()
        .map(|s| s.section_school_code.as_deref())
        .collect();
    assert_eq!(held, [Some("GOOD")]);

    // A taken unique code is refused nested as it is on its own, and more
    // than fifty nested sections refuse the course item, creating nothing.
    let body = json!({"courses": {"course": [{
        "title": "English 10", "course_code": "ENG10", "building_id": "9001",
        "sections": {"section": [section("GOOD", "P1", 7101)]}
    }]}});
    api.call("POST", "courses?update_existing=1", Some(body))
        .await;
    let state = sim.state();
    assert_eq!(state.sections.len(), 1);
    let eng9 = state
        .courses
        .iter()
        .find(|c| c.course_code == "ENG9")
        .unwrap()
        .id;
    assert_eq!(state.sections[0].course_id, eng9);
    let many: Vec<Value> = (0..51)
        .map(|i| section(&format!("M{i}"), "P", 7101))
        .collect();
    let body = json!({"courses": {"course": [{
        "title": "Big", "course_code": "BIG", "building_id": "9001",
        "sections": {"section": many}
    }]}});
    let answer = api
        .call("POST", "courses?update_existing=1", Some(body))
        .await;
    assert_eq!(answer.body["course"][0]["response_code"], 400);
    let state = sim.state();
    assert!(state.courses.iter().all(|c| c.course_code != "BIG"));
    assert_eq!(state.sections.len(), 1);
}

//! Sections nested in their course's create: sent inside the course bulk,
//! no section call of their own, then read back by their unique codes to
//! learn their ids; one Schoology does not hold fails with the reason.

use rostersync_core::ids::{BuildingId, CourseId, CourseKey, GradingPeriodId, SectionKey};
use rostersync_core::model::lms::{CourseFields, SectionFields};
use rostersync_core::plan::{CourseOp, RecordAction};
use rostersync_ports::{
    CourseWrite, LmsTarget, LmsWrite, NestedSection, SectionWrite, WriteResult,
};
use rostersync_schoology::{AdapterConfig, SchoologyLms};
use serde_json::Value;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{client, received, server};

fn lms(server: &MockServer) -> SchoologyLms {
    SchoologyLms::new(client(server), AdapterConfig::default())
}

fn fields(title: &str) -> SectionFields {
    SectionFields {
        title: title.into(),
        code: String::new(),
        grading_periods: vec![GradingPeriodId::new("13011"), GradingPeriodId::new("13012")],
        location: None,
        periods: None,
    }
}

fn create(key: &str, sections: &[&str]) -> CourseWrite {
    CourseWrite {
        op: CourseOp {
            key: CourseKey::new(key),
            action: RecordAction::Create {
                fields: CourseFields {
                    title: format!("Course {key}"),
                    building: BuildingId::new("5592393"),
                    department: None,
                    subject: None,
                    grade_low: None,
                    grade_high: None,
                },
            },
        },
        sections: sections
            .iter()
            .map(|code| NestedSection {
                key: SectionKey::new(*code),
                fields: fields(&format!("Section {code}")),
            })
            .collect(),
    }
}

#[tokio::test]
async fn new_courses_carry_their_sections_in_one_course_bulk() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/courses"))
        .and(query_param("update_existing", "1"))
        .respond_with(ResponseTemplate::new(207).set_body_raw(
            r#"{"course":[{"response_code":200,"id":"101","course_code":"ENG9"},{"response_code":200,"id":"102","course_code":"ART"}]}"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let write = LmsWrite::CoursesWithSections(vec![
        create("ENG9", &["ENG9-1", "ENG9-2"]),
        create("ART", &[]),
    ]);
    let outcomes = lms(&server).apply(&write).await.unwrap();
    let ids: Vec<_> = outcomes
        .iter()
        .map(|o| match &o.result {
            WriteResult::Done { id } => id.clone().unwrap(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(ids, ["101", "102"], "one outcome per course");

    let requests = received(&server).await;
    assert_eq!(requests.len(), 1, "no section call of their own");
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    let courses = &body["courses"]["course"];
    let nested = courses[0]["sections"]["section"].as_array().unwrap();
    let codes: Vec<&str> = nested
        .iter()
        .map(|s| s["section_school_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["ENG9-1", "ENG9-2"]);
    assert_eq!(nested[0]["title"], "Section ENG9-1");
    assert_eq!(nested[0]["grading_periods"][1], 13012);
    assert_eq!(courses[0]["course_code"], "ENG9");
    assert!(
        courses[1].get("sections").is_none(),
        "a course without sections carries none"
    );
}

#[tokio::test]
async fn nested_sections_are_read_back_and_one_not_held_fails_with_the_reason() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/sections"))
        .and(query_param("section_school_codes", "A-1,A-2,B-1,C-1"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"section":[
                {"id":"501","course_id":"101","section_school_code":"A-1","section_title":"x","grading_periods":[13011]},
                {"id":502,"course_id":101,"section_school_code":"A-2","section_title":"y","grading_periods":[13011]},
                {"id":"777","course_id":"999","section_school_code":"C-1","section_title":"z","grading_periods":[13011]}
            ],"total":"3","links":{}}"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let found = |key: &str, course: &str| SectionWrite {
        key: SectionKey::new(key),
        id: None,
        course: CourseId::new(course),
        fields: fields(key),
    };
    let write = LmsWrite::NestedSections(vec![
        found("A-1", "101"),
        found("A-2", "101"),
        found("B-1", "102"),
        found("C-1", "103"),
    ]);
    let lms = lms(&server);
    let outcomes = lms.apply(&write).await.unwrap();
    let done: Vec<&WriteResult> = outcomes[..2].iter().map(|o| &o.result).collect();
    let ids = ["501", "502"].map(|id| WriteResult::Done {
        id: Some(id.into()),
    });
    assert_eq!(done, [&ids[0], &ids[1]]);
    let reason = |index: usize| match &outcomes[index].result {
        WriteResult::Failed {
            message,
            may_have_been_applied,
            ..
        } => {
            assert!(!may_have_been_applied);
            message.clone()
        }
        other => panic!("{other:?}"),
    };
    let missing = reason(2);
    assert!(
        missing.contains("does not hold section B-1") && missing.contains("course 102"),
        "{missing}"
    );
    let elsewhere = reason(3);
    assert!(elsewhere.contains("course 999"), "{elsewhere}");
    assert_eq!(received(&server).await.len(), 1, "one read for the batch");
}

#[tokio::test]
async fn a_failed_read_back_fails_the_batch_as_possibly_applied() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/sections"))
        .respond_with(ResponseTemplate::new(403))
        .mount(&server)
        .await;
    let write = LmsWrite::NestedSections(vec![SectionWrite {
        key: SectionKey::new("A-1"),
        id: None,
        course: CourseId::new("101"),
        fields: fields("A-1"),
    }]);
    let error = lms(&server).apply(&write).await.unwrap_err();
    assert!(error.may_have_been_applied(), "{error}");
    assert!(error.to_string().contains("reading back"), "{error}");
}

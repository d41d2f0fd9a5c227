//! The `LmsTarget` and `GradeSource` adapter: acting user, snapshot
//! conversion, apply with the fewest calls, and the gradebook.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use rostersync_core::ids::{
    BuildingId, CourseId, CourseKey, EnrollmentId, GradingPeriodId, PersonKey, RoleId, SectionId,
    SectionKey, TermKey, UserId,
};
use rostersync_core::model::grades::ScoreStatus;
use rostersync_core::model::lms::{CourseFields, SectionFields, UserFields};
use rostersync_core::model::sis::{EnrollmentRole, Subject};
use rostersync_core::plan::{
    CourseOp, EnrollmentAction, EnrollmentOp, FieldChange, GradingPeriodOp, GuardianLinkAction,
    GuardianLinkOp, RecordAction, UserOp,
};
use rostersync_ports::{
    ErrorKind, GradeSource, LmsRequest, LmsTarget, LmsWrite, SectionWrite, WriteResult,
};
use rostersync_schoology::{AdapterConfig, SchoologyLms};
use serde_json::Value;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{client, json, received, server};

fn lms(server: &MockServer) -> SchoologyLms {
    let config = AdapterConfig {
        school_id: Some("344232".into()),
        ..AdapterConfig::default()
    };
    SchoologyLms::new(client(server), config)
}

async fn get(server: &MockServer, route: &str, fixture: &str) {
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(json(fixture, server))
        .mount(server)
        .await;
}

fn ok(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(207).set_body_raw(body.to_owned(), "application/json")
}

fn body_of(request: &wiremock::Request) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

async fn me_redirect(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/v1/users/me"))
        .respond_with(
            ResponseTemplate::new(303)
                .insert_header("Location", format!("{}/v1/users/45552", server.uri())),
        )
        .mount(server)
        .await;
}

#[tokio::test]
async fn the_acting_user_is_a_system_admin_by_role_title() {
    let server = server().await;
    me_redirect(&server).await;
    get(&server, "/v1/users/45552", "me.json").await;
    get(&server, "/v1/roles", "roles.json").await;
    let acting = lms(&server).acting_user().await.unwrap();
    assert_eq!(acting.id, UserId::new("45552"));
    assert_eq!(acting.name, "Ada Admin");
    assert!(acting.is_system_admin);
    assert_eq!(acting.role_title.as_deref(), Some("System Administrator"));
}

#[tokio::test]
async fn schoologys_own_title_system_admin_counts_by_default() {
    let server = server().await;
    me_redirect(&server).await;
    get(&server, "/v1/users/45552", "me.json").await;
    let roles = crate::support::fixture("roles.json", &server)
        .replace("\"System Administrator\"", "\"System Admin\"");
    Mock::given(method("GET"))
        .and(path("/v1/roles"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(roles, "application/json"))
        .mount(&server)
        .await;
    let acting = lms(&server).acting_user().await.unwrap();
    assert!(acting.is_system_admin);
    assert_eq!(acting.role_title.as_deref(), Some("System Admin"));
}

#[tokio::test]
async fn another_role_is_not_a_system_admin() {
    let server = server().await;
    me_redirect(&server).await;
    let me = crate::support::fixture("me.json", &server).replace("\"796\"", "\"1215\"");
    Mock::given(method("GET"))
        .and(path("/v1/users/45552"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(me, "application/json"))
        .mount(&server)
        .await;
    get(&server, "/v1/roles", "roles.json").await;
    let acting = lms(&server).acting_user().await.unwrap();
    assert!(!acting.is_system_admin);
    assert_eq!(
        acting.role_title.as_deref(),
        Some("Teacher"),
        "the refusal can name it"
    );
}

#[tokio::test]
async fn the_snapshot_converts_the_requested_buildings() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/schools/344232"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"id":344232,"title":"Springfield District","building_code":null}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    get(&server, "/v1/schools/344232/buildings", "buildings.json").await;
    get(&server, "/v1/roles", "roles.json").await;
    get(&server, "/v1/gradingperiods", "gradingperiods.json").await;
    for (start, page) in [("0", 1), ("2", 2), ("4", 3)] {
        Mock::given(method("GET"))
            .and(path("/v1/users"))
            .and(query_param("start", start))
            .respond_with(json(&format!("users_page{page}.json"), &server))
            .mount(&server)
            .await;
    }
    get(&server, "/v1/courses", "courses.json").await;
    get(&server, "/v1/courses/1407691/sections", "sections.json").await;
    get(
        &server,
        "/v1/sections/5614973/enrollments",
        "enrollments.json",
    )
    .await;
    let request = LmsRequest {
        buildings: BTreeSet::from([BuildingId::new("5592393")]),
        users: true,
        courses: true,
        sections: true,
    };
    let snapshot = lms(&server).snapshot(&request).await.unwrap();
    let buildings: Vec<&str> = snapshot.buildings.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(buildings, ["344232", "5592393", "5592394"]);
    assert_eq!(snapshot.buildings[1].code.as_deref(), Some("NORTH"));
    assert_eq!(snapshot.roles.len(), 4);
    assert_eq!(snapshot.grading_periods.len(), 2);
    assert_eq!(
        snapshot.grading_periods[0].start,
        NaiveDate::from_ymd_opt(2025, 8, 25).unwrap()
    );
    assert_eq!(snapshot.users.len(), 5);
    let cy = snapshot
        .users
        .iter()
        .find(|u| u.id.as_str() == "103")
        .unwrap();
    assert_eq!(cy.unique_id.as_deref(), Some("T1"));
    assert_eq!(
        cy.fields.other_buildings,
        [BuildingId::new("344232"), BuildingId::new("5592394")]
    );
    assert_eq!(cy.fields.role, RoleId::new("1215"));
    let course = &snapshot.courses[0];
    assert_eq!(course.code, "CC106");
    assert_eq!(course.fields.subject, Some(Subject::Science));
    assert_eq!(course.fields.grade_low, Some(10));
    assert_eq!(course.fields.grade_high, Some(12));
    assert_eq!(course.fields.department, None);
    let section = &snapshot.sections[0];
    assert_eq!(section.course, CourseId::new("1407691"));
    assert_eq!(section.unique_code.as_deref(), Some("SEC-1"));
    assert_eq!(
        section.fields.grading_periods,
        [GradingPeriodId::new("13011"), GradingPeriodId::new("13012")]
    );
    assert_eq!(section.fields.periods.as_deref(), Some("2"));
    assert_eq!(snapshot.enrollments.len(), 3);
    let teacher = snapshot.enrollments.iter().find(|e| e.admin).unwrap();
    assert_eq!(teacher.user, UserId::new("103"));
    assert_eq!(snapshot.enrollments.iter().filter(|e| !e.active).count(), 1);
    assert_eq!(snapshot.parent_links.len(), 1);
    assert_eq!(snapshot.parent_links[0].parent, UserId::new("104"));
    assert_eq!(snapshot.parent_links[0].child, UserId::new("101"));
}

fn user_fields(last: &str) -> UserFields {
    UserFields {
        first: "Ann".into(),
        preferred_first: None,
        middle: None,
        last: last.into(),
        email: Some(format!("{last}@x.example").into()),
        username: None,
        graduation_year: Some(2030),
        building: BuildingId::new("5592393"),
        other_buildings: vec![BuildingId::new("5592394")],
        role: RoleId::new("1214"),
    }
}

fn change() -> Vec<FieldChange> {
    vec![FieldChange {
        field: "last".into(),
        old: Some("Old".into()),
        new: Some("New".into()),
    }]
}

#[tokio::test]
async fn users_apply_as_one_bulk_create_and_one_bulk_update() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/users"))
        .and(query_param("update_existing", "1"))
        .respond_with(ok(
            r#"{"user":[{"response_code":200,"id":"501","school_uid":"P1"}]}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/v1/users"))
        .respond_with(ok(
            r#"{"user":[{"response_code":200,"id":"9"},{"response_code":400,"message":"Invalid role"}]}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let ops = vec![
        UserOp {
            key: PersonKey::new("P1"),
            action: RecordAction::Create {
                fields: user_fields("One"),
            },
        },
        UserOp {
            key: PersonKey::new("P2"),
            action: RecordAction::Update {
                id: UserId::new("9"),
                fields: user_fields("Two"),
                changes: change(),
            },
        },
        UserOp {
            key: PersonKey::new("P3"),
            action: RecordAction::Link {
                id: UserId::new("10"),
                fields: user_fields("Three"),
                changes: Vec::new(),
            },
        },
        UserOp {
            key: PersonKey::new("P4"),
            action: RecordAction::Link {
                id: UserId::new("11"),
                fields: user_fields("Four"),
                changes: change(),
            },
        },
    ];
    let outcomes = lms(&server).apply(&LmsWrite::Users(ops)).await.unwrap();
    let keys: Vec<&str> = outcomes.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(keys, ["P1", "P2", "P3", "P4"]);
    assert_eq!(
        outcomes[0].result,
        WriteResult::Done {
            id: Some("501".into())
        }
    );
    assert_eq!(
        outcomes[1].result,
        WriteResult::Done {
            id: Some("9".into())
        }
    );
    assert_eq!(
        outcomes[2].result,
        WriteResult::Done {
            id: Some("10".into())
        }
    );
    assert!(matches!(
        &outcomes[3].result,
        WriteResult::Failed { status: Some(400), message, .. } if message == "Invalid role"
    ));
    let requests = received(&server).await;
    let post = requests
        .iter()
        .find(|r| r.method.as_str() == "POST")
        .unwrap();
    let created = &body_of(post)["users"]["user"][0];
    assert_eq!(created["school_uid"], "P1");
    assert_eq!(created["additional_buildings"], "5592394");
    assert_eq!(created["synced"], 1);
    assert!(created.get("password").is_none());
    let put = requests
        .iter()
        .find(|r| r.method.as_str() == "PUT")
        .unwrap();
    let updated = &body_of(put)["users"]["user"];
    assert_eq!(updated[0]["id"], "9");
    assert_eq!(updated[1]["school_uid"], "P4");
}

#[tokio::test]
async fn a_batch_that_fails_as_a_whole_is_an_error() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/courses"))
        .respond_with(ResponseTemplate::new(401).set_body_string("Bad signature"))
        .expect(1)
        .mount(&server)
        .await;
    let op = CourseOp {
        key: CourseKey::new("ENG9"),
        action: RecordAction::Create {
            fields: CourseFields {
                title: "English 9".into(),
                building: BuildingId::new("5592393"),
                department: None,
                subject: Some(Subject::LanguageArts),
                grade_low: Some(9),
                grade_high: Some(9),
            },
        },
    };
    let error = lms(&server)
        .apply(&LmsWrite::Courses(vec![op]))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Auth);
    assert!(!error.may_have_been_applied());
    let sent = body_of(&received(&server).await[0]);
    let course = &sent["courses"]["course"][0];
    assert_eq!(course["course_code"], "ENG9");
    assert_eq!(course["subject_area"], 2);
    assert_eq!(course["grade_level_range_start"], 11);
}

#[tokio::test]
async fn sections_are_created_under_their_course_and_updated_in_bulk() {
    let server = server().await;
    for course in ["1", "2"] {
        Mock::given(method("POST"))
            .and(path(format!("/v1/courses/{course}/sections")))
            .respond_with(ok(&format!(
                r#"{{"section":[{{"response_code":200,"id":"70{course}","section_school_code":"X"}}]}}"#
            )))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("PUT"))
        .and(path("/v1/sections"))
        .respond_with(ok(r#"{"section":[{"response_code":200,"id":"600"}]}"#))
        .expect(1)
        .mount(&server)
        .await;
    let write = |key: &str, id: Option<&str>, course: &str| SectionWrite {
        key: SectionKey::new(key),
        id: id.map(SectionId::new),
        course: CourseId::new(course),
        fields: SectionFields {
            title: format!("Section {key}"),
            code: "P2".into(),
            grading_periods: vec![GradingPeriodId::new("13011")],
            location: None,
            periods: None,
        },
    };
    let ops = vec![
        write("A", None, "1"),
        write("B", Some("600"), "1"),
        write("C", None, "2"),
    ];
    let outcomes = lms(&server).apply(&LmsWrite::Sections(ops)).await.unwrap();
    let ids: Vec<_> = outcomes
        .iter()
        .map(|o| match &o.result {
            WriteResult::Done { id } => id.clone().unwrap(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(ids, ["701", "600", "702"]);
    let requests = received(&server).await;
    let post = requests
        .iter()
        .find(|r| r.url.path() == "/v1/courses/1/sections")
        .unwrap();
    let sent = &body_of(post)["sections"]["section"][0];
    assert_eq!(sent["section_school_code"], "A");
    assert_eq!(sent["grading_periods"][0], 13011);
}

#[tokio::test]
async fn enrollments_use_the_import_and_role_changes_a_bulk_put() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/enrollments/import/course"))
        .respond_with(ok(
            r#"{"enrollments":{"enrollment":[{"response_code":200,"location":"http://x/v1/sections/5614973/enrollments/900"},{"response_code":200}]}}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/sections"))
        .and(query_param("section_school_codes", "SEC-1"))
        .respond_with(json("sections.json", &server))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/v1/sections/5614973/enrollments"))
        .respond_with(ok(
            r#"{"enrollments":{"enrollment":[{"response_code":200,"id":"44783152"}]}}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let op = |person: &str, action| EnrollmentOp {
        section: SectionKey::new("SEC-1"),
        person: PersonKey::new(person),
        action,
    };
    let ops = vec![
        op(
            "T1",
            EnrollmentAction::Enroll {
                role: EnrollmentRole::Teacher,
            },
        ),
        op(
            "S2",
            EnrollmentAction::Unenroll {
                id: EnrollmentId::new("44783153"),
                role: EnrollmentRole::Student,
            },
        ),
        op(
            "S1",
            EnrollmentAction::Adopt {
                id: EnrollmentId::new("44783151"),
            },
        ),
        op(
            "T9",
            EnrollmentAction::ChangeRole {
                id: EnrollmentId::new("44783152"),
                from: EnrollmentRole::Student,
                to: EnrollmentRole::Teacher,
            },
        ),
    ];
    let outcomes = lms(&server)
        .apply(&LmsWrite::Enrollments(ops))
        .await
        .unwrap();
    let keys: Vec<&str> = outcomes.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(keys, ["SEC-1/T1", "SEC-1/S2", "SEC-1/S1", "SEC-1/T9"]);
    assert_eq!(
        outcomes[0].result,
        WriteResult::Done {
            id: Some("900".into())
        }
    );
    assert_eq!(
        outcomes[1].result,
        WriteResult::Done {
            id: Some("44783153".into())
        }
    );
    assert_eq!(
        outcomes[2].result,
        WriteResult::Done {
            id: Some("44783151".into())
        }
    );
    assert_eq!(
        outcomes[3].result,
        WriteResult::Done {
            id: Some("44783152".into())
        }
    );
    let requests = received(&server).await;
    let import = requests
        .iter()
        .find(|r| r.method.as_str() == "POST")
        .unwrap();
    let lines = &body_of(import)["enrollments"]["enrollment"];
    assert_eq!(lines[0]["admin"], 1);
    assert_eq!(lines[1]["delete"], 1);
    assert_eq!(lines.as_array().unwrap().len(), 2);
    let put = requests
        .iter()
        .find(|r| r.method.as_str() == "PUT")
        .unwrap();
    assert_eq!(body_of(put)["enrollments"]["enrollment"][0]["admin"], 1);
}

#[tokio::test]
async fn grading_periods_and_guardian_links() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/gradingperiods"))
        .respond_with(ResponseTemplate::new(201).set_body_raw(
            r#"{"id":13099,"title":"Fall 2026","start":"2026-08-24","end":"2026-12-18","active":"1"}"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/users/import/associations/parents"))
        .respond_with(ok(
            r#"{"association":[{"response_code":200,"student_school_uid":"S1","student_uid":"101","parent_school_uid":"G1","parent_uid":"104"}]}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let lms = lms(&server);
    let periods = LmsWrite::GradingPeriods(vec![GradingPeriodOp {
        term: TermKey::new("T-FALL"),
        title: "Fall 2026".into(),
        start: NaiveDate::from_ymd_opt(2026, 8, 24).unwrap(),
        end: NaiveDate::from_ymd_opt(2026, 12, 18).unwrap(),
    }]);
    let outcomes = lms.apply(&periods).await.unwrap();
    assert_eq!(outcomes[0].key, "T-FALL");
    assert_eq!(
        outcomes[0].result,
        WriteResult::Done {
            id: Some("13099".into())
        }
    );
    let links = LmsWrite::GuardianLinks(vec![
        GuardianLinkOp {
            guardian: PersonKey::new("G1"),
            student: PersonKey::new("S1"),
            action: GuardianLinkAction::Associate,
        },
        GuardianLinkOp {
            guardian: PersonKey::new("G2"),
            student: PersonKey::new("S1"),
            action: GuardianLinkAction::Adopt,
        },
    ]);
    let outcomes = lms.apply(&links).await.unwrap();
    assert_eq!(outcomes[0].key, "G1/S1");
    assert!(matches!(outcomes[0].result, WriteResult::Done { .. }));
    assert!(matches!(outcomes[1].result, WriteResult::Done { id: None }));
    let requests = received(&server).await;
    let period = body_of(&requests[0]);
    assert_eq!(period["start"], "2026-08-24");
    let association = &body_of(&requests[1])["associations"]["association"][0];
    assert_eq!(association["parent_school_uid"], "G1");
    assert!(association.get("delete").is_none());
}

#[tokio::test]
async fn the_gradebook_names_students_by_their_sis_key() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/sections"))
        .and(query_param("section_school_codes", "SEC-1"))
        .respond_with(json("sections.json", &server))
        .expect(1)
        .mount(&server)
        .await;
    get(
        &server,
        "/v1/sections/5614973/assignments",
        "assignments.json",
    )
    .await;
    get(
        &server,
        "/v1/sections/5614973/grading_categories",
        "grading_categories.json",
    )
    .await;
    get(&server, "/v1/sections/5614973/grades", "grades.json").await;
    get(
        &server,
        "/v1/sections/5614973/enrollments",
        "enrollments.json",
    )
    .await;
    let lms = lms(&server);
    let book = lms.gradebook(&SectionKey::new("SEC-1")).await.unwrap();
    assert_eq!(book.categories[0].weight, Some(40.0));
    assert_eq!(book.categories[0].drop_lowest, 1);
    assert_eq!(book.items.len(), 2);
    assert_eq!(book.items[0].category.as_deref(), Some("4341"));
    assert_eq!(
        book.items[0].grading_period,
        Some(GradingPeriodId::new("13011"))
    );
    assert_eq!(book.items[1].category, None);
    assert_eq!(book.items[1].factor, 2.0);
    assert_eq!(book.scores.len(), 2);
    assert_eq!(book.scores[0].student, PersonKey::new("S1"));
    assert_eq!(book.scores[0].points, Some(80.0));
    assert_eq!(book.scores[1].status, ScoreStatus::Excused);
    assert_eq!(book.period_grades.len(), 1);
    assert_eq!(book.period_grades[0].period, GradingPeriodId::new("13011"));
    assert_eq!(book.period_grades[0].percent, Some(80.0));
    // The section id is remembered: no second look-up.
    let admins = lms.section_admins(&SectionKey::new("SEC-1")).await.unwrap();
    assert_eq!(admins, [UserId::new("103")]);
}

#[tokio::test]
async fn a_failed_section_look_up_fails_only_the_role_changes() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/enrollments/import/course"))
        .respond_with(ok(
            r#"{"enrollments":{"enrollment":[{"response_code":200,"id":"900"}]}}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/sections"))
        .respond_with(ResponseTemplate::new(503))
        .expect(4)
        .mount(&server)
        .await;
    let ops = vec![
        EnrollmentOp {
            section: SectionKey::new("SEC-1"),
            person: PersonKey::new("S1"),
            action: EnrollmentAction::Enroll {
                role: EnrollmentRole::Student,
            },
        },
        EnrollmentOp {
            section: SectionKey::new("SEC-1"),
            person: PersonKey::new("T1"),
            action: EnrollmentAction::ChangeRole {
                id: EnrollmentId::new("5"),
                from: EnrollmentRole::Student,
                to: EnrollmentRole::Teacher,
            },
        },
    ];
    let outcomes = lms(&server)
        .apply(&LmsWrite::Enrollments(ops))
        .await
        .unwrap();
    assert_eq!(
        outcomes[0].result,
        WriteResult::Done {
            id: Some("900".into())
        }
    );
    assert!(matches!(
        &outcomes[1].result,
        WriteResult::Failed { message, may_have_been_applied: false, .. } if message.contains("503")
    ));
}

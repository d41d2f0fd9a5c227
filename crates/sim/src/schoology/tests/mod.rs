//! Tests of the Schoology simulator over loopback HTTP, with a tiny signer.

mod nested;
mod text;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::redirect::Policy;
use serde_json::{Value, json};

use super::*;

/// A plain HTTP client that signs like a Schoology client.
struct Api {
    http: reqwest::Client,
    base: String,
    key: String,
    secret: String,
    plaintext: bool,
    nonce: u64,
    run_as: Option<u64>,
}

/// One answer.
struct Answer {
    status: u16,
    body: Value,
    text: String,
    headers: reqwest::header::HeaderMap,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

impl Api {
    fn new(sim: &RunningSchoology, credentials: &Credentials) -> Self {
        Api {
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .unwrap(),
            base: sim.url(),
            key: credentials.key.clone(),
            secret: credentials.secret.clone(),
            plaintext: false,
            nonce: 0,
            run_as: None,
        }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}/{path}", self.base)
        }
    }

    fn authorization(&mut self, method: &str, url: &str) -> String {
        self.nonce += 1;
        let nonce = format!("nonce{}", self.nonce);
        sign(
            &self.key,
            &self.secret,
            method,
            url,
            now(),
            &nonce,
            self.plaintext,
        )
    }

    async fn raw(&self, method: &str, url: &str, auth: &str, body: Option<&Value>) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method, url).header("authorization", auth);
        if let Some(uid) = self.run_as {
            request = request.header("x-schoology-run-as", uid.to_string());
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            body,
            text,
            headers,
        }
    }

    async fn call(&mut self, method: &str, path: &str, body: Option<Value>) -> Answer {
        let url = self.url(path);
        let auth = self.authorization(method, &url);
        self.raw(method, &url, &auth, body.as_ref()).await
    }

    async fn get(&mut self, path: &str) -> Answer {
        self.call("GET", path, None).await
    }
}

fn student(uid: &str, email: Option<&str>) -> Value {
    let mut user = json!({
        "school_uid": uid,
        "name_first": "Ann",
        "name_last": "Lee",
        "role_id": "1214",
        "building_id": "9001",
        "username": uid,
    });
    if let Some(email) = email {
        user["primary_email"] = json!(email);
    }
    user
}

async fn sim() -> RunningSchoology {
    SchoologySim::builder().start().await.unwrap()
}

/// A simulator holding grading period 7101 and nothing else.
async fn sim_with_period_7101() -> RunningSchoology {
    SchoologySim::builder()
        .grading_period(period_7101())
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn hmac_and_plaintext_signatures_are_accepted_and_bad_ones_refused() {
    let sim = sim().await;
    let mut api = Api::new(&sim, sim.admin_credentials());
    assert_eq!(api.get("roles").await.status, 200);
    api.plaintext = true;
    assert_eq!(api.get("roles?limit=5").await.status, 200);

    let mut wrong = Api::new(
        &sim,
        &Credentials {
            key: sim.admin_credentials().key.clone(),
            secret: "not-the-secret".into(),
        },
    );
    let refused = wrong.get("roles").await;
    assert_eq!(refused.status, 401);
    assert!(refused.text.contains("signature"), "{}", refused.text);
    wrong.plaintext = true;
    assert_eq!(wrong.get("roles").await.status, 401);

    let mut unknown = Api::new(
        &sim,
        &Credentials {
            key: "nobody".into(),
            secret: "x".into(),
        },
    );
    assert_eq!(unknown.get("roles").await.status, 401);

    // An HMAC signature over another query does not verify.
    api.plaintext = false;
    let url = api.url("roles?limit=5");
    let auth = api.authorization("GET", &url);
    let tampered = api.raw("GET", &api.url("roles?limit=6"), &auth, None).await;
    assert_eq!(tampered.status, 401);
    assert_eq!(sim.counters().unauthorized, 4);
}

#[tokio::test]
async fn a_reused_nonce_or_an_earlier_timestamp_is_a_replay() {
    let sim = sim().await;
    let api = Api::new(&sim, sim.admin_credentials());
    let creds = sim.admin_credentials();
    let url = api.url("roles");
    let ts = now();
    let auth = sign(&creds.key, &creds.secret, "GET", &url, ts, "abc", false);
    assert_eq!(api.raw("GET", &url, &auth, None).await.status, 200);
    let again = api.raw("GET", &url, &auth, None).await;
    assert_eq!(again.status, 401);
    assert_eq!(again.text, REPLAY_MESSAGE);
    let earlier = sign(
        &creds.key,
        &creds.secret,
        "GET",
        &url,
        ts - 10,
        "new",
        false,
    );
    let backwards = api.raw("GET", &url, &earlier, None).await;
    assert_eq!(backwards.status, 401);
    assert_eq!(backwards.text, REPLAY_MESSAGE);
    let fresh = sign(&creds.key, &creds.secret, "GET", &url, ts, "other", false);
    assert_eq!(api.raw("GET", &url, &fresh, None).await.status, 200);
}

#[tokio::test]
async fn users_me_and_users_ext_answer_303_to_the_user() {
    let sim = sim().await;
    let mut api = Api::new(&sim, sim.admin_credentials());
    let me = api.get("users/me").await;
    assert_eq!(me.status, 303);
    let location = me.headers["location"].to_str().unwrap().to_owned();
    assert!(location.ends_with(&format!("/users/{}", sim.admin_uid())));
    let user = api.get(&location).await;
    assert_eq!(user.status, 200);
    assert_eq!(user.body["id"], json!(sim.admin_uid()));
    assert_eq!(user.body["uid"], json!(sim.admin_uid().to_string()));
    let roles = api.get("roles").await.body;
    let role = roles["role"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"].as_str().map(str::to_owned) == Some(user.body["role_id"].to_string()))
        .unwrap()
        .clone();
    assert_eq!(role["title"], SYSTEM_ADMIN_ROLE);

    let made = api
        .call(
            "POST",
            "users",
            Some(json!({"users": {"user": [student("S1", None)]}})),
        )
        .await;
    let id = made.body["user"][0]["id"].as_str().unwrap().to_owned();
    let ext = api.get("users/ext/S1").await;
    assert_eq!(ext.status, 303);
    assert!(
        ext.headers["location"]
            .to_str()
            .unwrap()
            .ends_with(&format!("/users/{id}"))
    );
    assert_eq!(api.get("users/ext/NOBODY").await.status, 404);
}

#[tokio::test]
async fn collections_page_with_links_next() {
    let mut builder = SchoologySim::builder();
    for i in 0..45 {
        builder = builder.seed(User {
            school_uid: Some(format!("S{i:03}")),
            building_id: "9001".into(),
            role_id: "1214".into(),
            name_first: "Kid".into(),
            name_last: format!("{i}"),
            active: true,
            ..User::default()
        });
    }
    let sim = builder.start().await.unwrap();
    let mut api = Api::new(&sim, sim.admin_credentials());
    let mut next = Some("users?building_id=9001".to_owned());
    let mut sizes = Vec::new();
    while let Some(path) = next {
        let page = api.get(&path).await;
        assert_eq!(page.status, 200);
        assert_eq!(page.body["total"], "45");
        sizes.push(page.body["user"].as_array().unwrap().len());
        next = page.body["links"]["next"].as_str().map(str::to_owned);
    }
    assert_eq!(sizes, [20, 20, 5]);
    let big = api.get("users?building_id=9001&limit=500").await;
    assert_eq!(big.body["user"].as_array().unwrap().len(), 45);
    assert!(big.body["links"]["next"].is_null());
    assert_eq!(sim.counters().requests_to("GET", "users"), 4);
}

#[tokio::test]
async fn bulk_writes_take_at_most_fifty_and_answer_per_item() {
    let sim = sim().await;
    let mut api = Api::new(&sim, sim.admin_credentials());
    let many: Vec<Value> = (0..51).map(|i| student(&format!("S{i}"), None)).collect();
    let too_many = api
        .call("POST", "users", Some(json!({"users": {"user": many}})))
        .await;
    assert_eq!(too_many.status, 400);

    let body = json!({"users": {"user": [
        student("S1", Some("ann@example.org")),
        student("S2", Some("ANN@example.org")),
    ]}});
    let answer = api.call("POST", "users", Some(body)).await;
    assert_eq!(answer.status, 207);
    let items = answer.body["user"].as_array().unwrap();
    assert_eq!(items[0]["response_code"], 200);
    assert_eq!(items[0]["school_uid"], "S1");
    assert_eq!(items[1]["response_code"], 400);
    assert!(
        items[1]["message"].as_str().unwrap().contains("e-mail")
            || items[1]["message"].as_str().unwrap().contains("email")
    );
    assert_eq!(sim.state().active_users().count(), 3);
}

#[tokio::test]
async fn update_existing_updates_instead_of_duplicating() {
    let sim = sim().await;
    let mut api = Api::new(&sim, sim.admin_credentials());
    let first = json!({"users": {"user": student("S1", None)}});
    assert_eq!(api.call("POST", "users", Some(first)).await.status, 207);

    let mut renamed = student("S1", None);
    renamed["name_first"] = json!("Anna");
    renamed["password"] = json!("hunter2");
    let duplicate = api
        .call(
            "POST",
            "users",
            Some(json!({"users": {"user": [renamed.clone()]}})),
        )
        .await;
    assert_eq!(duplicate.body["user"][0]["response_code"], 400);

    let updated = api
        .call(
            "POST",
            "users?update_existing=1",
            Some(json!({"users": {"user": [renamed]}})),
        )
        .await;
    assert_eq!(updated.body["user"][0]["response_code"], 200);
    let state = sim.state();
    let s1: Vec<_> = state
        .active_users()
        .filter(|u| u.school_uid.as_deref() == Some("S1"))
        .collect();
    assert_eq!(s1.len(), 1);
    assert_eq!(s1[0].name_first, "Anna");
    let read = api.get(&format!("users/{}", s1[0].id)).await;
    assert!(!read.text.contains("hunter2"));
    assert!(read.body.get("password").is_none());
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let sim = SchoologySim::builder()
        .rate_limit(RateLimit {
            quota: 3,
            ..RateLimit::default()
        })
        .start()
        .await
        .unwrap();
    let mut api = Api::new(&sim, sim.admin_credentials());
    for _ in 0..3 {
        assert_eq!(api.get("roles").await.status, 200);
    }
    let limited = api.get("roles").await;
    assert_eq!(limited.status, 429);
    let wait: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=5).contains(&wait));
    // The other key has its own budget.
    let mut teacher = Api::new(&sim, sim.non_admin_credentials());
    assert_eq!(teacher.get("roles").await.status, 200);
    let counters = sim.counters();
    assert_eq!(counters.rate_limited, 1);
    assert_eq!(counters.peak_per_window[&sim.admin_credentials().key], 4);
    assert_eq!(counters.peak(), 4);
}

#[tokio::test]
async fn non_admin_keys_are_refused_directory_reads_and_writes() {
    let sim = sim().await;
    let mut teacher = Api::new(&sim, sim.non_admin_credentials());
    assert_eq!(teacher.get("users").await.status, 403);
    assert_eq!(teacher.get("courses").await.status, 403);
    let write = teacher
        .call(
            "POST",
            "users",
            Some(json!({"users": {"user": [student("S1", None)]}})),
        )
        .await;
    assert_eq!(write.status, 403);
    assert_eq!(sim.state().active_users().count(), 2);
}

#[tokio::test]
async fn faults_fail_then_succeed() {
    let sim = sim().await;
    let mut api = Api::new(&sim, sim.admin_credentials());
    sim.faults().fail_next(1, 503);
    assert_eq!(api.get("roles").await.status, 503);
    assert_eq!(api.get("roles").await.status, 200);
    sim.faults().set_latency(Duration::from_millis(1));
    assert_eq!(api.get("roles").await.status, 200);
    assert_eq!(sim.faults().injected(), 1);
}

#[tokio::test]
async fn courses_sections_enrollments_and_grades_round_trip() {
    let sim = SchoologySim::builder()
        .grading_period(GradingPeriod {
            id: 7101,
            title: "2025-26".into(),
            start: chrono::NaiveDate::from_ymd_opt(2025, 8, 15).unwrap(),
            end: chrono::NaiveDate::from_ymd_opt(2099, 6, 1).unwrap(),
        })
        .start()
        .await
        .unwrap();
    let mut api = Api::new(&sim, sim.admin_credentials());
    let users = json!({"users": {"user": [student("S1", None), {
        "school_uid": "T1", "name_first": "Tom", "name_last": "Ray", "role_id": 1215,
        "building_id": 9001, "username": "tray"
    }]}});
    assert_eq!(api.call("POST", "users", Some(users)).await.status, 207);

    let course = json!({"courses": {"course": [
        {"title": "English 9", "course_code": "ENG9", "building_id": "9001"},
        {"title": "Copy", "course_code": "ENG9", "building_id": "9001"},
    ]}});
    let courses = api.call("POST", "courses", Some(course)).await;
    assert_eq!(courses.body["course"][0]["response_code"], 200);
    assert_eq!(courses.body["course"][1]["response_code"], 400);
    let course_id = courses.body["course"][0]["id"].as_str().unwrap().to_owned();

    let sections = json!({"sections": {"section": [
        {"title": "P1", "section_school_code": "SEC1", "grading_periods": [7101]},
        {"title": "P2", "section_school_code": "SEC1", "grading_periods": [7101]},
        {"title": "P3", "section_school_code": "SEC3", "grading_periods": ["99"]},
    ]}});
    let made = api
        .call(
            "POST",
            &format!("courses/{course_id}/sections"),
            Some(sections),
        )
        .await;
    assert_eq!(made.status, 207);
    let codes: Vec<&Value> = made.body["section"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["response_code"])
        .collect();
    assert_eq!(codes, [&json!(200), &json!(400), &json!(400)]);
    let section_id = made.body["section"][0]["id"].as_str().unwrap().to_owned();

    let lines = json!({"enrollments": {"enrollment": [
        {"section_school_code": "SEC1", "school_uid": "T1", "admin": "1"},
        {"section_school_code": "SEC1", "school_uid": "S1", "admin": "0"},
        {"section_school_code": "NOPE", "school_uid": "S1"},
    ]}});
    let imported = api
        .call("POST", "enrollments/import/course", Some(lines.clone()))
        .await;
    let items = imported.body["enrollments"]["enrollment"]
        .as_array()
        .unwrap();
    assert_eq!(items[0]["response_code"], 200);
    assert_eq!(items[2]["response_code"], 400);
    let writes = sim.counters().records_written;
    api.call("POST", "enrollments/import/course", Some(lines))
        .await;
    assert_eq!(
        sim.counters().records_written,
        writes,
        "a repeat writes nothing"
    );

    let listed = api.get(&format!("sections/{section_id}/enrollments")).await;
    assert_eq!(listed.body["total"], "2");
    let by_code = api.get("sections?section_school_codes=SEC1,SEC9").await;
    assert_eq!(by_code.body["section"][0]["id"], json!(section_id));

    let section: u64 = section_id.parse().unwrap();
    let state = sim.state();
    let member = state.enrollments.iter().find(|e| !e.admin).unwrap().id;
    let assignment = sim.seed(Assignment {
        section_id: section,
        title: "Essay".into(),
        max_points: 50.0,
        grading_period: 7101,
        ..Assignment::default()
    });
    sim.seed(Grade {
        enrollment_id: member,
        assignment_id: assignment,
        grade: Some(40.0),
        ..Grade::default()
    });
    let grades = api.get(&format!("sections/{section_id}/grades")).await;
    assert_eq!(grades.body["grades"]["grade"][0]["grade"], json!(40.0));
    let finals = &grades.body["final_grade"][0];
    assert_eq!(finals["enrollment_id"], json!(member.to_string()));
    assert_eq!(finals["period"][0]["period_id"], "p7101");
    assert_eq!(finals["period"][0]["grade"], json!(80.0));
    let assignments = api.get(&format!("sections/{section_id}/assignments")).await;
    assert_eq!(assignments.body["total"], json!(1));

    let removed = api
        .call(
            "DELETE",
            &format!("sections/{section_id}/enrollments/{member}"),
            None,
        )
        .await;
    assert_eq!(removed.status, 204);
    let counters = sim.counters();
    assert_eq!(counters.deletes, 1);
    assert_eq!(
        counters.requests_to("DELETE", "sections/{id}/enrollments/{id}"),
        1
    );
    assert!(counters.writes >= 5);
}

#[tokio::test]
async fn grading_period_titles_are_unique() {
    let sim = sim().await;
    let mut api = Api::new(&sim, sim.admin_credentials());
    let period = json!({"title": "Q1", "start": "2025-08-15", "end": "2025-10-31"});
    let created = api
        .call("POST", "gradingperiods", Some(period.clone()))
        .await;
    assert_eq!(created.status, 201);
    assert!(created.body["id"].is_u64());
    assert_eq!(
        api.call("POST", "gradingperiods", Some(period))
            .await
            .status,
        400
    );
    let list = api.get("gradingperiods").await;
    assert_eq!(list.body["total"], json!(1));
    assert_eq!(list.body["gradingperiods"][0]["title"], "Q1");

    // A period in use cannot be deleted; sections list theirs with datetimes.
    let id = created.body["id"].as_u64().unwrap();
    let course = json!({"title": "Art", "course_code": "ART", "building_id": "9001"});
    let course = api.call("POST", "courses", Some(course)).await;
    assert_eq!(course.status, 201);
    let section =
        json!({"title": "Art 1", "section_school_code": "ART-1", "grading_periods": [id]});
    let path = format!("courses/{}/sections", course.body["id"]);
    let section = api.call("POST", &path, Some(section)).await;
    assert_eq!(section.status, 201);
    let periods = api
        .get(&format!(
            "sections/{}/grading_periods",
            section.body["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        periods.body["grading_period"][0]["start"],
        "2025-08-15 00:00:00"
    );
    let path = format!("gradingperiods/{id}");
    assert_eq!(api.call("DELETE", &path, None).await.status, 400);
    let path = format!("sections/{}", section.body["id"].as_str().unwrap());
    assert_eq!(api.call("DELETE", &path, None).await.status, 204);
    let path = format!("gradingperiods/{id}");
    assert_eq!(api.call("DELETE", &path, None).await.status, 204);
    assert!(sim.state().grading_periods.is_empty());
}

#[tokio::test]
async fn email_conflicts_follow_the_options() {
    let sim = SchoologySim::builder()
        .seed(Seed::ForeignEmail("taken@elsewhere.org".into()))
        .start()
        .await
        .unwrap();
    let mut api = Api::new(&sim, sim.admin_credentials());
    let mut user = student("S1", Some("taken@elsewhere.org"));
    user.as_object_mut().unwrap().remove("username");
    let body = json!({"users": {"user": [user]}});
    let refused = api.call("POST", "users", Some(body.clone())).await;
    assert_eq!(refused.body["user"][0]["response_code"], 400);
    let ignored = api
        .call("POST", "users?ignore_email_conflicts=1", Some(body))
        .await;
    assert_eq!(ignored.body["user"][0]["response_code"], 200);
    let state = sim.state();
    let s1 = state.user_by_school_uid("S1").unwrap();
    assert_eq!(s1.primary_email, None);
    assert_eq!(s1.username.as_deref(), Some("S1"));
}

#[tokio::test]
async fn form_bodies_are_refused_with_415() {
    let sim = sim().await;
    let api = Api::new(&sim, sim.admin_credentials());
    let url = api.url("users");
    let creds = sim.admin_credentials();
    let auth = sign(
        &creds.key,
        &creds.secret,
        "POST",
        &url,
        now(),
        "form",
        false,
    );
    let response = api
        .http
        .post(&url)
        .header("authorization", auth)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("school_uid=S1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    assert_eq!(sim.state().active_users().count(), 2);
}

fn period_7101() -> GradingPeriod {
    GradingPeriod {
        id: 7101,
        title: "2025-26".into(),
        start: chrono::NaiveDate::from_ymd_opt(2025, 8, 15).unwrap(),
        end: chrono::NaiveDate::from_ymd_opt(2099, 6, 1).unwrap(),
    }
}

#[tokio::test]
async fn teachers_enter_grades_through_run_as_and_others_are_refused() {
    let person = |id: u64, role: &str| User {
        id,
        school_uid: Some(format!("P{id}")),
        building_id: "9001".into(),
        role_id: role.into(),
        name_first: "P".into(),
        name_last: format!("{id}"),
        username: Some(format!("p{id}")),
        active: true,
        ..User::default()
    };
    let enrollment = |id: u64, uid: u64, admin: bool| Enrollment {
        id,
        section_id: 20,
        uid,
        admin,
        status: 1,
    };
    let sim = SchoologySim::builder()
        .grading_period(period_7101())
        .seed(person(1, "1215"))
        .seed(person(2, "1214"))
        .seed(Course {
            id: 10,
            building_id: "9001".into(),
            title: "Math".into(),
            course_code: "M1".into(),
            ..Course::default()
        })
        .seed(Section {
            id: 20,
            course_id: 10,
            title: "Math P1".into(),
            grading_periods: vec![7101],
            ..Section::default()
        })
        .seed(enrollment(31, 1, true))
        .seed(enrollment(32, 2, false))
        .start()
        .await
        .unwrap();
    let assignment = json!({"title": "Quiz", "max_points": 10, "grading_period": 7101});
    let mut api = Api::new(&sim, sim.admin_credentials());
    api.run_as = Some(2);
    let refused = api
        .call("POST", "sections/20/assignments", Some(assignment.clone()))
        .await;
    assert_eq!(refused.status, 403);
    api.run_as = Some(1);
    let created = api
        .call("POST", "sections/20/assignments", Some(assignment.clone()))
        .await;
    assert_eq!(created.status, 201);
    let id = created.body["id"].as_u64().unwrap();
    let grades = json!({"grades": {"grade": [
        {"type": "assignment", "assignment_id": id, "enrollment_id": "32", "grade": 7}
    ]}});
    assert_eq!(
        api.call("PUT", "sections/20/grades", Some(grades))
            .await
            .status,
        204
    );
    let mut teacher = Api::new(&sim, sim.non_admin_credentials());
    teacher.run_as = Some(1);
    assert_eq!(
        teacher
            .call("POST", "sections/20/assignments", Some(assignment))
            .await
            .status,
        403
    );
    api.run_as = None;
    let read = api.get("sections/20/grades").await;
    assert_eq!(
        read.body["final_grade"][0]["period"][0]["grade"],
        json!(70.0)
    );
    assert_eq!(sim.state().grades.len(), 1);
}

#[tokio::test]
async fn courses_may_nest_sections_and_deleted_users_turn_inactive() {
    let sim = sim_with_period_7101().await;
    let mut api = Api::new(&sim, sim.admin_credentials());
    let body = json!({"courses": {"course": [{
        "title": "English 9", "course_code": "ENG9", "building_id": "9001",
        "sections": {"section": [
            {"title": "P1", "section_school_code": "SIS-1", "grading_periods": [7101]}
        ]}
    }]}});
    let first = api
        .call("POST", "courses?update_existing=1", Some(body.clone()))
        .await;
    assert_eq!(first.status, 207);
    // The answer is the course's alone: nothing about its sections.
    assert_eq!(first.body["course"][0]["response_code"], 200);
    assert!(first.body["course"][0].get("sections").is_none());
    assert_eq!(
        sim.state().sections[0].section_school_code.as_deref(),
        Some("SIS-1")
    );
    let written = sim.counters().records_written;
    assert_eq!(written, 2);
    api.call("POST", "courses?update_existing=1", Some(body))
        .await;
    assert_eq!(sim.counters().records_written, written);
    assert_eq!(sim.state().sections.len(), 1);

    let made = api
        .call(
            "POST",
            "users",
            Some(json!({"users": {"user": [student("S1", None)]}})),
        )
        .await;
    let uid = made.body["user"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        api.call("DELETE", &format!("users/{uid}"), None)
            .await
            .status,
        204
    );
    assert_eq!(api.get(&format!("users/{uid}")).await.status, 404);
    let inactive = api.get("users/inactive").await;
    assert_eq!(inactive.body["user"][0]["school_uid"], "S1");
    assert_eq!(sim.counters().deletes, 1);
}

#[tokio::test]
async fn changed_unique_ids_and_codes_are_found_under_their_new_values() {
    let sim = SchoologySim::builder()
        .grading_period(period_7101())
        .seed(Course {
            id: 10,
            building_id: "9001".into(),
            title: "Math".into(),
            course_code: "M1".into(),
            ..Course::default()
        })
        .seed(Section {
            id: 20,
            course_id: 10,
            title: "Math P1".into(),
            grading_periods: vec![7101],
            ..Section::default()
        })
        .start()
        .await
        .unwrap();
    let mut api = Api::new(&sim, sim.admin_credentials());
    let made = api
        .call(
            "POST",
            "users",
            Some(json!({"users": {"user": [student("OLD", Some("a@b.org"))]}})),
        )
        .await;
    let id = made.body["user"][0]["id"].as_str().unwrap().to_owned();
    let change = json!({"school_uid": "NEW", "primary_email": "c@d.org"});
    let put = api.call("PUT", &format!("users/{id}"), Some(change)).await;
    assert_eq!(put.status, 204);
    assert_eq!(api.get("users/ext/NEW").await.status, 303);
    assert_eq!(api.get("users/ext/OLD").await.status, 404);
    let mut reused = student("OLD", Some("a@b.org"));
    reused["username"] = json!("old-again");
    let reuse = json!({"users": {"user": [reused]}});
    let again = api.call("POST", "users", Some(reuse)).await;
    assert_eq!(
        again.body["user"][0]["response_code"], 200,
        "{}",
        again.text
    );

    // A section without SIS id gets its unique code in data prep.
    let link = json!({"sections": {"section": [{"id": 20, "section_school_code": "SIS-20"}]}});
    assert_eq!(api.call("PUT", "sections", Some(link)).await.status, 207);
    let found = api.get("sections?section_school_codes=SIS-20").await;
    assert_eq!(found.body["section"][0]["id"], "20");
    let listed = api.get("courses/10/sections").await;
    assert_eq!(listed.body["total"], "1");
    assert_eq!(api.call("DELETE", "courses/10", None).await.status, 204);
    let gone = api.get("sections?section_school_codes=SIS-20").await;
    assert_eq!(gone.body["total"], "0");
    assert_eq!(sim.counters().deletes, 2);
}

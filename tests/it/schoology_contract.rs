//! Contract: the real Schoology client and adapter against the Schoology
//! simulator, so the two cannot drift apart silently.

use std::collections::BTreeSet;

use rostersync_core::ids::{
    BuildingId, CourseId, GradingPeriodId, PersonKey, RoleId, SectionKey, UserId,
};
use rostersync_core::model::lms::{CourseFields, SectionFields, UserFields};
use rostersync_core::model::sis::EnrollmentRole;
use rostersync_core::plan::{
    CourseOp, EnrollmentAction, EnrollmentOp, FieldChange, GuardianLinkAction, GuardianLinkOp,
    RecordAction, UserOp,
};
use rostersync_ports::{
    GradeSource, LmsOutcome, LmsRequest, LmsTarget, LmsWrite, SectionWrite, WriteResult,
};
use rostersync_schoology::{
    AdapterConfig, Client, Credentials, RetryPolicy, SchoologyLms, UserBulkOptions, UserRecord,
};
use rostersync_sim::district::{DistrictSize, generate};
use rostersync_sim::schoology::{Assignment, Grade, RunningSchoology, SchoologySim, User};

const BUILDING: &str = "9001";

fn adapter(
    sim: &RunningSchoology,
    credentials: &rostersync_sim::schoology::Credentials,
) -> Result<SchoologyLms, rostersync_schoology::Error> {
    let client = Client::builder(Credentials::new(
        credentials.key.clone(),
        credentials.secret.clone(),
    ))
    .base_url(sim.url())
    .retry(RetryPolicy::fast())
    .build()?;
    let config = AdapterConfig {
        school_id: Some(sim.school_id()),
        ..AdapterConfig::default()
    };
    Ok(SchoologyLms::new(client, config))
}

fn user_fields(first: &str, role: &str) -> UserFields {
    UserFields {
        first: first.into(),
        preferred_first: None,
        middle: None,
        last: "Contract".into(),
        email: Some(format!("{}@example.org", first.to_lowercase()).into()),
        username: None,
        graduation_year: None,
        building: BuildingId::new(BUILDING),
        other_buildings: Vec::new(),
        role: RoleId::new(role),
    }
}

fn done_ids(outcomes: &[LmsOutcome]) -> Vec<String> {
    outcomes
        .iter()
        .map(|o| match &o.result {
            WriteResult::Done { id } => id.clone().unwrap_or_default(),
            WriteResult::Failed { message, .. } => panic!("{} failed: {message}", o.key),
        })
        .collect()
}

#[tokio::test]
async fn the_schoology_client_runs_its_main_calls_against_the_simulator() {
    let district = generate(DistrictSize::Tiny, 3, 2026);
    let sim = SchoologySim::builder()
        .directory(&district.lms_directory)
        .seed(User {
            school_uid: None,
            building_id: BUILDING.into(),
            role_id: "1215".into(),
            name_first: "Olga".into(),
            name_last: "Prep".into(),
            primary_email: Some("olga@example.org".into()),
            active: true,
            ..User::default()
        })
        .start()
        .await
        .unwrap();
    let lms = adapter(&sim, sim.admin_credentials()).unwrap();

    // The acting user, admin and not.
    let acting = lms.acting_user().await.unwrap();
    assert!(acting.is_system_admin);
    assert_eq!(acting.id.as_str(), sim.admin_uid().to_string());
    let teacher = adapter(&sim, sim.non_admin_credentials()).unwrap();
    assert!(!teacher.acting_user().await.unwrap().is_system_admin);

    // The directory.
    let directory = lms.directory().await.unwrap();
    let buildings: BTreeSet<&str> = directory.buildings.iter().map(|b| b.id.as_str()).collect();
    for building in &district.lms_directory.buildings {
        assert!(buildings.contains(building.id.as_str()), "{}", building.id);
    }
    assert_eq!(
        directory.grading_periods.len(),
        district.lms_directory.grading_periods.len()
    );
    assert!(directory.roles.iter().any(|r| r.id.as_str() == "1214"));

    // Bulk user creates over two batches.
    let records: Vec<UserRecord> = (0..60)
        .map(|i| UserRecord {
            school_uid: format!("B{i:03}"),
            name_first: "Bulk".into(),
            name_last: format!("{i}"),
            username: Some(format!("bulk{i}")),
            building_id: Some(BUILDING.into()),
            role_id: Some("1214".into()),
            ..UserRecord::default()
        })
        .collect();
    let options = UserBulkOptions {
        update_existing: true,
        ..UserBulkOptions::default()
    };
    let results = lms.client().bulk_users(&records, options).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(sim.counters().requests_to("POST", "users"), 2);
    assert_eq!(sim.state().active_users().count(), 63);

    // Users (one linked in data prep), a course, a section, enrollments and
    // a guardian link through `apply`.
    let prepped = sim
        .state()
        .users
        .iter()
        .find(|u| u.name_last == "Prep")
        .unwrap()
        .id;
    let users = LmsWrite::Users(vec![
        UserOp {
            key: PersonKey::new("T2"),
            action: RecordAction::Link {
                id: UserId::new(prepped.to_string()),
                fields: user_fields("Olga", "1215"),
                changes: vec![FieldChange {
                    field: "last".into(),
                    old: Some("Prep".into()),
                    new: Some("Contract".into()),
                }],
            },
        },
        UserOp {
            key: PersonKey::new("G1"),
            action: RecordAction::Create {
                fields: user_fields("Gail", "1216"),
            },
        },
        UserOp {
            key: PersonKey::new("T1"),
            action: RecordAction::Create {
                fields: user_fields("Tess", "1215"),
            },
        },
        UserOp {
            key: PersonKey::new("S1"),
            action: RecordAction::Create {
                fields: user_fields("Sam", "1214"),
            },
        },
    ]);
    let user_ids = done_ids(&lms.apply(&users).await.unwrap());
    assert!(user_ids.iter().all(|id| !id.is_empty()));
    assert_eq!(user_ids[0], prepped.to_string());
    let linked = sim
        .state()
        .users
        .into_iter()
        .find(|u| u.id == prepped)
        .unwrap();
    assert_eq!(linked.school_uid.as_deref(), Some("T2"));
    assert_eq!(linked.name_last, "Contract");
    let found = lms
        .client()
        .users_by_school_uids(&["T1", "S1", "T2"])
        .await
        .unwrap();
    assert_eq!(found.len(), 3);
    let guardians = LmsWrite::GuardianLinks(vec![GuardianLinkOp {
        guardian: PersonKey::new("G1"),
        student: PersonKey::new("S1"),
        action: GuardianLinkAction::Associate,
    }]);
    done_ids(&lms.apply(&guardians).await.unwrap());
    let courses = LmsWrite::Courses(vec![CourseOp {
        key: "ENG9".into(),
        action: RecordAction::Create {
            fields: CourseFields {
                title: "English 9".into(),
                building: BuildingId::new(BUILDING),
                department: None,
                subject: None,
                grade_low: Some(9),
                grade_high: Some(9),
            },
        },
    }]);
    let course_id = done_ids(&lms.apply(&courses).await.unwrap()).remove(0);
    let period = &district.lms_directory.grading_periods[3];
    let sections = LmsWrite::Sections(vec![SectionWrite {
        key: SectionKey::new("SEC-1"),
        id: None,
        course: CourseId::new(course_id.clone()),
        fields: SectionFields {
            title: "English 9 P1".into(),
            code: String::new(),
            grading_periods: vec![GradingPeriodId::new(period.id.as_str())],
            location: Some("101".into()),
            periods: Some("1".into()),
        },
    }]);
    let section_id = done_ids(&lms.apply(&sections).await.unwrap()).remove(0);
    let enroll = |person: &str, role| EnrollmentOp {
        section: SectionKey::new("SEC-1"),
        person: PersonKey::new(person),
        action: EnrollmentAction::Enroll { role },
    };
    let enrollments = LmsWrite::Enrollments(vec![
        enroll("T1", EnrollmentRole::Teacher),
        enroll("S1", EnrollmentRole::Student),
    ]);
    done_ids(&lms.apply(&enrollments).await.unwrap());

    // A snapshot sees it all.
    let request = LmsRequest {
        buildings: [BuildingId::new(BUILDING)].into_iter().collect(),
        users: true,
        courses: true,
        sections: true,
    };
    let snapshot = lms.snapshot(&request).await.unwrap();
    assert_eq!(snapshot.users.len(), 64);
    assert_eq!(snapshot.parent_links.len(), 1);
    let id_of = |uid: &str| sim.state().user_by_school_uid(uid).unwrap().id.to_string();
    assert_eq!(snapshot.parent_links[0].parent.as_str(), id_of("G1"));
    assert_eq!(snapshot.parent_links[0].child.as_str(), id_of("S1"));
    assert_eq!(snapshot.courses.len(), 1);
    assert_eq!(snapshot.courses[0].code, "ENG9");
    assert_eq!(snapshot.sections.len(), 1);
    assert_eq!(snapshot.sections[0].id.as_str(), section_id);
    assert_eq!(snapshot.sections[0].unique_code.as_deref(), Some("SEC-1"));
    assert_eq!(snapshot.enrollments.len(), 2);
    let state = sim.state();
    let tess = state.user_by_school_uid("T1").unwrap();
    assert!(
        state
            .enrollments
            .iter()
            .any(|e| e.uid == tess.id && e.admin && e.status == 1)
    );

    // The same writes again change nothing.
    let before = sim.counters();
    for write in [&users, &courses, &enrollments, &guardians] {
        done_ids(&lms.apply(write).await.unwrap());
    }
    let after = sim.counters();
    assert_eq!(after.records_written, before.records_written);
    assert_eq!(after.writes, before.writes);
    assert_eq!(sim.state(), state);
    assert_eq!(after.unauthorized, 0);
    assert_eq!(after.rate_limited, 0);
    assert!(
        after.peak() <= 50,
        "the client keeps to 50 requests per 5 s"
    );

    // Teacher-entered grades read back through the grade source.
    let member = state.enrollments.iter().find(|e| !e.admin).unwrap().id;
    let assignment = sim.seed(Assignment {
        section_id: section_id.parse().unwrap(),
        title: "Essay".into(),
        max_points: 20.0,
        grading_period: period.id.as_str().parse().unwrap(),
        ..Assignment::default()
    });
    sim.seed(Grade {
        enrollment_id: member,
        assignment_id: assignment,
        grade: Some(15.0),
        ..Grade::default()
    });
    // A fresh adapter finds the section by its code.
    let lms = adapter(&sim, sim.admin_credentials()).unwrap();
    let book = lms.gradebook(&SectionKey::new("SEC-1")).await.unwrap();
    assert_eq!(book.items.len(), 1);
    assert_eq!(book.scores.len(), 1);
    assert_eq!(book.scores[0].student.as_str(), "S1");
    assert_eq!(book.scores[0].points, Some(15.0));
    assert!(book.period_grades.iter().any(|p| p.percent == Some(75.0)));
    let admins = lms.section_admins(&SectionKey::new("SEC-1")).await.unwrap();
    assert_eq!(admins, [UserId::new(tess.id.to_string())]);

    // A transient failure is retried.
    sim.faults().fail_next(1, 503);
    assert!(lms.directory().await.is_ok());
    assert_eq!(sim.faults().injected(), 1);
}

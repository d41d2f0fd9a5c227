//! The binary with a OneRoster SIS: `[sis] adapter = "oneroster-csv"` over
//! the shared 1.1 sample package (a folder) and `"oneroster-rest"` over the
//! OneRoster simulator serving the same package, both into the Schoology
//! simulator; everything downstream of the adapter is the same flow, grade
//! passback into the provider's gradebook included.

use std::path::Path;

use rostersync_sim::district::{DistrictSize, generate};
use rostersync_sim::oneroster::{OneRosterSim, RunningOneRoster, SimAuth};
use rostersync_sim::schoology::RunningSchoology;
use tokio::runtime::Runtime;

use crate::flow::{Admin, point_at_schoology, start_schoology};
use crate::grades::{SettingsFor, seed_two_scores};
use crate::{code, rostersync, stderr, stdout};

/// The shared OneRoster 1.1 sample package.
const PACKAGE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../oneroster/tests/data/Test_minimal_data_set"
);

/// Its one school.
const SCHOOL: &str = "org-sch-222-456";

/// The OneRoster consumer secret of the simulator.
const ONEROSTER_SECRET: &str = "oneroster-Secret-never-shown";

/// The Schoology simulator over a generated directory: building 9001, roles
/// 1214-1216 (student, teacher, guardian) and grading periods.
pub(crate) fn schoology(runtime: &Runtime) -> RunningSchoology {
    // A generated directory gives the building, the roles and grading periods.
    let district = generate(DistrictSize::Tiny, 7, 2023);
    runtime.block_on(start_schoology(&district.lms_directory))
}

/// `init`, Schoology pointed at the simulator, and `sis` written in place of
/// the template's `[sis]` adapter line, for school year `year`, with `tables`
/// added after `[sis]`.
pub(crate) fn configure(dir: &Path, lms: &RunningSchoology, sis: &str, year: i32, tables: &str) {
    let init = rostersync(dir, &["init"], &[]);
    assert_eq!(code(&init), 0, "{}", stderr(&init));
    let path = dir.join("rostersync.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replacen(
        "adapter = \"eschoolplus\"\n",
        &format!("{sis}school_year = {year}\n\n{tables}\n"),
        1,
    );
    std::fs::write(&path, point_at_schoology(&text, lms)).unwrap();
}

/// Maps `school` to building 9001, its roles to the directory's, and every
/// SIS term offered to a grading period to create; the terms' keys.
pub(crate) fn map_school(admin: &mut Admin<'_>, school: &str) -> Vec<String> {
    let schools = admin.ok(&["schools", "list"]);
    assert!(schools.contains(school), "{schools}");
    admin.ok(&["schools", "map", school, "9001"]);
    for (role, target) in [
        ("student", "1214"),
        ("teacher", "1215"),
        ("guardian", "1216"),
    ] {
        admin.ok(&["roles", "set", school, role, target]);
    }
    admin.ok(&["roles", "select", school, "all"]);
    let terms: serde_json::Value =
        serde_json::from_str(&admin.ok(&["terms", "list", "--json"])).unwrap();
    let keys: Vec<String> = terms["sis_terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|term| term["key"].as_str().unwrap().to_owned())
        .collect();
    for key in &keys {
        admin.ok(&["terms", "map", key, "create"]);
    }
    keys
}

/// Maps the school, its roles and every term, syncs, checks what landed in
/// Schoology, and syncs again with nothing left to do.
fn map_and_sync(admin: &mut Admin<'_>, lms: &RunningSchoology, end: &str) {
    let check = admin.ok(&["check"]);
    assert!(
        check.contains(&format!("{end}: OK")) && check.contains("Schoology: OK"),
        "{check}"
    );
    assert!(check.contains("1 school(s), 5 term(s)"), "{check}");
    assert_eq!(map_school(admin, SCHOOL).len(), 5);

    let first: serde_json::Value =
        serde_json::from_str(&admin.ok(&["sync", "all", "--json"])).unwrap();
    assert_eq!(first["status"], "succeeded", "{first}");
    let state = lms.state();
    // The package's school holds two teachers and two students (plus guardians
    // and a user of another school, which are not synced as students).
    for uid in ["usr-222-123456", "usr-222-987654", "usr-222-66778899"] {
        assert!(
            state.user_by_school_uid(uid).is_some(),
            "{uid} not in Schoology: {first}"
        );
    }
    assert_eq!(state.sections.len(), 2, "{first}");
    assert!(!state.enrollments.is_empty(), "{first}");

    let writes = lms.counters().writes;
    let second: serde_json::Value =
        serde_json::from_str(&admin.ok(&["sync", "all", "--json"])).unwrap();
    assert_eq!(second["status"], "succeeded", "{second}");
    assert_eq!(
        lms.counters().writes,
        writes,
        "the second sync wrote: {second}"
    );
}

#[test]
fn a_oneroster_csv_package_syncs_into_schoology_and_takes_no_grades() {
    let runtime = Runtime::new().unwrap();
    let lms = schoology(&runtime);
    let dir = tempfile::tempdir().unwrap();
    configure(
        dir.path(),
        &lms,
        "adapter = \"oneroster-csv\"\n",
        2023,
        // The minimal package has no courses.csv: its classes need the
        // opt-in that makes a course from each (off by default).
        &format!("[oneroster_csv]\npackage = \"{PACKAGE}\"\ncourses_from_classes = true\n"),
    );
    let mut admin = Admin {
        dir: dir.path(),
        secret: lms.admin_credentials().secret.clone(),
        password: "no-SIS-password-is-used".to_owned(),
        env: Vec::new(),
        seen: Vec::new(),
    };
    map_and_sync(&mut admin, &lms, "OneRoster CSV");

    // The package holds passwords in users.csv; none may be shown.
    for output in &admin.seen {
        let text = format!("{}{}", stdout(output), stderr(output));
        assert!(
            !text.contains("Password1-"),
            "a package password shown: {text}"
        );
    }
    let grades = admin.run(&["grades", "sync", "--section", "cls-222-123456"]);
    assert_eq!(code(&grades), 2, "a configuration problem");
    assert!(
        stderr(&grades).contains("cannot take grades back"),
        "{}",
        stderr(&grades)
    );
    admin.assert_no_secret();
}

#[test]
fn a_missing_package_is_named_by_check() {
    let runtime = Runtime::new().unwrap();
    let lms = schoology(&runtime);
    let dir = tempfile::tempdir().unwrap();
    configure(
        dir.path(),
        &lms,
        "adapter = \"oneroster-csv\"\n",
        2023,
        "[oneroster_csv]\npackage = \"exports/none-here\"\n",
    );
    let check = rostersync(
        dir.path(),
        &["check"],
        &[(
            "ROSTERSYNC_SCHOOLOGY_SECRET",
            &lms.admin_credentials().secret,
        )],
    );
    assert_eq!(code(&check), 1);
    let text = stdout(&check);
    assert!(
        text.contains("OneRoster CSV: PROBLEM") && text.contains("exports/none-here"),
        "{text}"
    );
    assert!(text.contains("Schoology: OK"), "{text}");
}

fn oneroster_sim(runtime: &Runtime) -> RunningOneRoster {
    runtime.block_on(async {
        OneRosterSim::from_package(
            Path::new(PACKAGE),
            SimAuth::OAuth1 {
                key: "rostersync".into(),
                secret: ONEROSTER_SECRET.into(),
            },
        )
        .unwrap()
        .start()
        .await
        .unwrap()
    })
}

#[test]
fn a_oneroster_rest_provider_syncs_into_schoology() {
    let runtime = Runtime::new().unwrap();
    let lms = schoology(&runtime);
    let provider = oneroster_sim(&runtime);
    let dir = tempfile::tempdir().unwrap();
    configure(
        dir.path(),
        &lms,
        "adapter = \"oneroster-rest\"\n",
        2023,
        &format!(
            "[oneroster_rest]\nroot = \"{}\"\nversion = \"1.1\"\nkey = \"rostersync\"\npage_size = 2\ncourses_from_classes = true\n",
            provider.url()
        ),
    );
    // Without its secret the provider is not called and the variable is named.
    let missing = rostersync(
        dir.path(),
        &["sync", "all"],
        &[(
            "ROSTERSYNC_SCHOOLOGY_SECRET",
            &lms.admin_credentials().secret,
        )],
    );
    assert_eq!(code(&missing), 2, "{}", stderr(&missing));
    assert!(
        stderr(&missing).contains("ROSTERSYNC_ONEROSTER_SECRET"),
        "{}",
        stderr(&missing)
    );

    let mut admin = Admin {
        dir: dir.path(),
        secret: lms.admin_credentials().secret.clone(),
        password: ONEROSTER_SECRET.to_owned(),
        env: Vec::new(),
        seen: Vec::new(),
    };
    map_and_sync(&mut admin, &lms, "OneRoster REST");

    // Grades go back to the provider's gradebook, once.
    // Settings for the section's course, which the SIS names.
    let key = seed_two_scores(
        &lms,
        &dir.path().join("rostersync.toml"),
        SettingsFor::Course,
    );
    let sync = admin.ok(&["grades", "sync", "--section", &key]);
    assert!(sync.contains("3 written"), "{sync}");
    let mut scores: Vec<f64> = provider
        .gradebook("results")
        .iter()
        .map(|result| result["score"].as_f64().unwrap())
        .collect();
    scores.sort_by(f64::total_cmp);
    assert_eq!(scores, [7.0, 9.0]);
    assert_eq!(provider.gradebook("lineItems").len(), 1);
    let again = admin.ok(&["grades", "sync", "--section", &key]);
    assert!(
        again.contains("0 item(s) and 0 score(s) to write"),
        "{again}"
    );
    assert_eq!(provider.gradebook("results").len(), 2);
    admin.assert_no_secret();
}

#[test]
fn check_names_the_setting_behind_a_refused_oneroster_key() {
    let runtime = Runtime::new().unwrap();
    let lms = schoology(&runtime);
    let provider = oneroster_sim(&runtime);
    let dir = tempfile::tempdir().unwrap();
    configure(
        dir.path(),
        &lms,
        "adapter = \"oneroster-rest\"\n",
        2023,
        &format!(
            "[oneroster_rest]\nroot = \"{}\"\nkey = \"rostersync\"\n",
            provider.url()
        ),
    );
    let wrong = "not-the-Secret-123";
    let check = rostersync(
        dir.path(),
        &["check"],
        &[
            (
                "ROSTERSYNC_SCHOOLOGY_SECRET",
                &lms.admin_credentials().secret,
            ),
            ("ROSTERSYNC_ONEROSTER_SECRET", wrong),
        ],
    );
    assert_eq!(code(&check), 1);
    let text = stdout(&check);
    assert!(
        text.contains("OneRoster REST: PROBLEM")
            && text.contains("refused the credentials")
            && text.contains("ROSTERSYNC_ONEROSTER_SECRET"),
        "{text}"
    );
    assert!(text.contains("Schoology: OK"), "{text}");
    assert!(!text.contains(wrong) && !stderr(&check).contains(wrong));
}

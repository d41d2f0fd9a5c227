//! The mapping commands against both simulators: suggestions and `--auto`
//! for schools and terms, `--all create`, roles by title and for every
//! school, an unset role and its skip, refusals of what does not exist,
//! stale entries, a shared building, and comments kept below the marker.

use rostersync_core::model::lms::LmsBuilding;
use rostersync_sim::district::{DistrictSize, generate};
use tokio::runtime::Runtime;

use crate::flow::{Admin, Sims, configure, start, start_district};
use crate::{code, stderr, stdout};

/// A four-school district whose LMS has: the first school's building under
/// the same name; the second's renamed, without a code; the third's twice
/// (two buildings of that name); none for the fourth.
fn start_mixed(runtime: &Runtime) -> Sims {
    let mut district = generate(DistrictSize::Small, 11, 2026);
    let names: Vec<String> = district
        .sis
        .schools
        .iter()
        .map(|s| s.name.clone())
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
    let buildings = &mut district.lms_directory.buildings;
    buildings[1].title = "Renamed Academy of the Arts".to_owned();
    buildings[1].code = None;
    buildings.truncate(3);
    buildings.push(LmsBuilding {
        id: "9100".into(),
        title: names[2].to_uppercase(),
        code: None,
    });
    start_district(runtime, district)
}

/// The `[mapping]` of the configuration file, parsed.
fn saved_mapping(dir: &std::path::Path) -> toml::Value {
    let text = std::fs::read_to_string(dir.join("rostersync.toml")).unwrap();
    let file: toml::Table = toml::from_str(&text).unwrap();
    file["mapping"].clone()
}

#[test]
fn school_suggestions_say_why_and_auto_applies_only_the_unambiguous() {
    let runtime = Runtime::new().unwrap();
    let sims = start_mixed(&runtime);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &sims);
    let mut admin = Admin::of(dir.path(), &sims);
    let keys: Vec<String> = sims
        .district
        .sis
        .schools
        .iter()
        .map(|s| s.key.to_string())
        .collect();

    let suggested: serde_json::Value =
        serde_json::from_str(&admin.ok(&["schools", "map", "--suggest", "--json"])).unwrap();
    let suggestions = suggested["suggestions"].as_array().unwrap();
    let of = |key: &str| {
        suggestions
            .iter()
            .find(|s| s["sis"] == key)
            .unwrap_or_else(|| panic!("{key}: {suggested}"))
    };
    let exact = of(&keys[0]);
    assert_eq!(exact["outcome"], "apply", "{exact}");
    assert_eq!(exact["id"], "9001");
    assert_eq!(exact["candidates"][0]["reason"], "same_name");
    assert_eq!(exact["candidates"][0]["confidence"], "high");
    let renamed = of(&keys[1]);
    assert!(
        renamed["outcome"] == "no_candidate" || renamed["outcome"] == "unsure",
        "a renamed school is not matched with confidence: {renamed}"
    );
    let twice = of(&keys[2]);
    assert_eq!(twice["outcome"], "ambiguous", "{twice}");
    assert_eq!(twice["candidates"].as_array().unwrap().len(), 2, "{twice}");
    assert_eq!(of(&keys[3])["outcome"], "no_candidate");
    assert!(
        saved_mapping(dir.path())["schools"]
            .as_table()
            .unwrap()
            .is_empty(),
        "--suggest saves nothing"
    );

    let table = admin.ok(&["schools", "map", "--suggest"]);
    assert!(
        table.contains("same name") && table.contains("high") && table.contains("ambiguous"),
        "{table}"
    );

    let auto = admin.ok(&["schools", "map", "--auto"]);
    assert!(auto.contains("mapped 1 school(s)"), "{auto}");
    assert!(auto.contains("left for you to map (3 school(s))"), "{auto}");
    let schools = saved_mapping(dir.path())["schools"].clone();
    let schools = schools.as_table().unwrap();
    assert_eq!(schools.len(), 1, "{schools:?}");
    assert_eq!(schools[&keys[0]].as_str(), Some("9001"));

    // A second school on the same building is a warning, and saved.
    let shared = admin.run(&["schools", "map", &keys[3], "9001"]);
    assert_eq!(code(&shared), 0, "{}", stderr(&shared));
    assert!(
        stderr(&shared).contains("warning:") && stderr(&shared).contains("9001"),
        "{}",
        stderr(&shared)
    );
    assert_eq!(
        saved_mapping(dir.path())["schools"][&keys[3]].as_str(),
        Some("9001")
    );
    admin.assert_no_secret();
}

#[test]
fn every_id_that_does_not_exist_is_refused_with_what_does() {
    let runtime = Runtime::new().unwrap();
    let sims = start(&runtime);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &sims);
    let mut admin = Admin::of(dir.path(), &sims);
    let school = sims.district.sis.schools[0].key.to_string();
    let before = std::fs::read_to_string(dir.path().join("rostersync.toml")).unwrap();

    let refused = |admin: &mut Admin<'_>, args: &[&str], needles: &[&str]| {
        let output = admin.run(args);
        assert_eq!(code(&output), 2, "{args:?}: {}", stderr(&output));
        for needle in needles {
            assert!(
                stderr(&output).contains(needle),
                "{args:?}: {needle:?} not in {}",
                stderr(&output)
            );
        }
    };
    refused(
        &mut admin,
        &["schools", "map", "999", "9001"],
        &["no SIS school \"999\"", &school],
    );
    refused(
        &mut admin,
        &["schools", "map", &school, "4242"],
        &["no LMS building \"4242\"", "9001"],
    );
    refused(
        &mut admin,
        &["terms", "map", "999-S1", "create"],
        &["SIS term", "\"999-S1\"", &format!("{school}-")],
    );
    let term = format!("{school}-{}-Q1", sims.district.school_year);
    refused(
        &mut admin,
        &["terms", "map", &term, "4242"],
        &["no LMS grading period \"4242\"", "7102", "create"],
    );
    refused(
        &mut admin,
        &["roles", "set", &school, "teacher", "Teacher"],
        &["no mapped SIS school", &school],
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("rostersync.toml")).unwrap(),
        before,
        "nothing refused was saved"
    );
    admin.ok(&["schools", "map", &school, "9001"]);
    refused(
        &mut admin,
        &["roles", "set", &school, "teacher", "Principal"],
        &[
            "no LMS role \"Principal\"",
            "Teacher (id 1215)",
            "do_not_sync",
        ],
    );
    refused(
        &mut admin,
        &["roles", "set", &school, "pupil", "Student"],
        &["not a SIS role", "student, teacher, guardian"],
    );
    admin.assert_no_secret();
}

#[test]
fn terms_match_grading_periods_by_dates_and_the_rest_are_created_without_the_year_twice() {
    let runtime = Runtime::new().unwrap();
    let sims = start(&runtime);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &sims);
    let mut admin = Admin::of(dir.path(), &sims);
    let suggest = admin.run(&["terms", "map", "--suggest"]);
    assert!(
        stdout(&suggest).contains("every SIS term that can be mapped is mapped")
            && stdout(&suggest).contains("term(s) of unmapped schools are left out"),
        "no school is mapped yet: {}",
        stdout(&suggest)
    );
    admin.ok(&["schools", "map", "--auto"]);

    let suggested: serde_json::Value =
        serde_json::from_str(&admin.ok(&["terms", "map", "--suggest", "--json"])).unwrap();
    let suggestions = suggested["suggestions"].as_array().unwrap();
    let (s1_start, s1_end) = {
        let period = sims
            .district
            .lms_directory
            .grading_periods
            .iter()
            .find(|p| p.id.as_str() == "7102")
            .unwrap();
        (period.start, period.end)
    };
    // The SIS's own keys, as the eSchoolPLUS simulator lists them.
    let listed: serde_json::Value =
        serde_json::from_str(&admin.ok(&["terms", "list", "--json"])).unwrap();
    let semester = listed["sis_terms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["start"] == s1_start.to_string() && t["end"] == s1_end.to_string())
        .unwrap_or_else(|| panic!("{listed}"))["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let s1 = suggestions.iter().find(|s| s["sis"] == semester).unwrap();
    assert_eq!(s1["outcome"], "apply", "{s1}");
    assert_eq!(s1["id"], "7102", "{s1}");
    assert!(
        s1["candidates"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("same_dates"),
        "{s1}"
    );

    admin.ok(&["terms", "map", "--auto"]);
    let terms_saved = saved_mapping(dir.path())["terms"].clone();
    assert_eq!(terms_saved[&semester].as_str(), Some("7102"));
    let quarter = suggestions
        .iter()
        .find(|s| s["outcome"] != "apply")
        .unwrap()["sis"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(terms_saved.get(&quarter).is_none(), "{terms_saved:?}");

    let all = admin.ok(&["terms", "map", "--all", "create"]);
    assert!(all.contains("to create"), "{all}");
    let created: Vec<&str> = all.lines().filter(|l| l.contains("→ create")).collect();
    assert!(!created.is_empty(), "{all}");
    let label = format!(
        "{}-{:02}",
        sims.district.school_year - 1,
        sims.district.school_year % 100
    );
    for line in &created {
        assert_eq!(line.matches(&label).count(), 1, "the year once: {line}");
    }
    assert_eq!(
        saved_mapping(dir.path())["terms"][&quarter].as_str(),
        Some("create")
    );
    let again = admin.ok(&["terms", "map", "--all", "create"]);
    assert!(again.contains("nothing saved"), "{again}");
    admin.assert_no_secret();
}

#[test]
fn an_unset_role_is_shown_and_its_people_are_skipped_with_the_command_that_sets_it() {
    let runtime = Runtime::new().unwrap();
    let sims = start(&runtime);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &sims);
    let mut admin = Admin::of(dir.path(), &sims);
    admin.ok(&["schools", "map", "--auto"]);
    let set = admin.ok(&["roles", "set", "--all", "student", "student"]);
    assert!(set.contains("Student (id 1214)"), "{set}");
    admin.ok(&["roles", "select", "--all", "users"]);
    let school = sims.district.sis.schools[0].key.to_string();
    let mapping = saved_mapping(dir.path());
    let map = &mapping["roles"][&school];
    assert_eq!(map["student"].as_str(), Some("1214"));
    assert!(
        map.get("teacher").is_none() && map.get("guardian").is_none(),
        "setting one role leaves the others unset: {map:?}"
    );
    let show = admin.ok(&["roles", "show"]);
    assert!(show.contains("unset"), "{show}");

    let dry = admin.ok(&["sync", "users", "--dry-run"]);
    assert!(
        dry.contains("the building's role map sets no role for the person's SIS role"),
        "{dry}"
    );
    assert!(
        dry.contains(&format!(
            "sets no role for guardians: rostersync roles set {school} guardian"
        )),
        "{dry}"
    );
    let plan: serde_json::Value =
        serde_json::from_str(&admin.ok(&["sync", "users", "--dry-run", "--json"])).unwrap();
    assert!(
        plan.to_string().contains("\"role_unset\""),
        "the plan's JSON names the reason: {plan}"
    );
    admin.assert_no_secret();
}

#[test]
fn comments_and_order_below_the_marker_survive_the_commands() {
    let runtime = Runtime::new().unwrap();
    let sims = start(&runtime);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &sims);
    let path = dir.path().join("rostersync.toml");
    let school = sims.district.sis.schools[0].key.to_string();
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text
        .replace(
            "[mapping]\n",
            "# Our district's choices, agreed with the principals.\n[mapping]\n",
        )
        .replace(
            "[mapping.schools]\n",
            "[mapping.schools]\n# The old wing keeps its own building.\n777 = \"9001\"\n",
        )
        .replace(
            "[mapping.terms]\n",
            "[mapping.terms]\n777-2020-S1 = \"create\"\n",
        )
        .replace(
            "drop_policy = \"unenroll\"",
            "drop_policy = \"keep\" # parents asked for this",
        );
    std::fs::write(&path, text).unwrap();
    let mut admin = Admin::of(dir.path(), &sims);

    // The hand-written school 777 is not in the SIS: stale everywhere.
    let list = admin.ok(&["schools", "list"]);
    assert!(list.contains("stale: not in the SIS"), "{list}");
    let terms = admin.ok(&["terms", "list"]);
    assert!(
        terms.contains("777-2020-S1") && terms.contains("stale: not in the SIS"),
        "{terms}"
    );
    let check = admin.ok(&["check"]);
    assert!(
        check.contains("warning: stale") && check.contains("777"),
        "{check}"
    );

    let map = admin.run(&["schools", "map", &school, "9001"]);
    assert_eq!(code(&map), 0, "{}", stderr(&map));
    assert!(
        stderr(&map).contains("warning:"),
        "two schools on 9001: {}",
        stderr(&map)
    );
    admin.ok(&["roles", "set", &school, "teacher", "Teacher"]);
    admin.ok(&["schedule", "set", "daily", "--window", "00:00-03:00"]);
    let text = std::fs::read_to_string(&path).unwrap();
    for kept in [
        "# Our district's choices, agreed with the principals.\n[mapping]",
        "drop_policy = \"keep\" # parents asked for this",
        "# The old wing keeps its own building.\n777 = \"9001\"",
        "window = \"00:00-03:00\"",
        "teacher = \"1215\"",
    ] {
        assert!(text.contains(kept), "{kept:?} in\n{text}");
    }
    let old = text.find("777 = ").unwrap();
    let new = text.find(&format!("{school} = ")).unwrap();
    assert!(old < new, "the written entry stays first:\n{text}");
    admin.assert_no_secret();
}

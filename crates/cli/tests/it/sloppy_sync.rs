//! The sloppy OneRoster packages of `crates/oneroster/tests/data/sloppy`
//! (see their README) synced end to end into the Schoology simulator: the
//! classes and enrollments that can be placed are there and nothing else is,
//! and `logs show`, `logs list` and `logs export --kind source` account for
//! every record that is not, with its reason, the counts adding up to the
//! package's rows; an enrollment read but ended is a warning of the run
//! that says when it ended.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rostersync_sim::schoology::RunningSchoology;
use tokio::runtime::Runtime;

use crate::flow::Admin;
use crate::oneroster::{configure, map_school, schoology};

/// The package folder `name` under the OneRoster crate's test data.
fn package(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../oneroster/tests/data/sloppy")
        .join(name)
}

/// The files holding one record a row (`roles.csv` rows are roles of the
/// users in `users.csv`, not records of their own).
const RECORD_FILES: [&str; 6] = [
    "orgs.csv",
    "academicSessions.csv",
    "users.csv",
    "courses.csv",
    "classes.csv",
    "enrollments.csv",
];

/// The cells of one CSV line (RFC 4180 quoting; no line breaks in cells).
fn cells(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cells.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(String::new()),
            _ => cells.last_mut().unwrap().push(c),
        }
    }
    cells
}

/// The data rows of `file` in `folder`: (line number, first cell trimmed).
fn rows(folder: &Path, file: &str) -> Vec<(usize, String)> {
    std::fs::read_to_string(folder.join(file))
        .unwrap()
        .lines()
        .enumerate()
        .skip(1)
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(at, line)| (at + 1, cells(line)[0].trim().to_owned()))
        .collect()
}

/// A class that can be placed, as Schoology must hold it.
struct Class {
    key: &'static str,
    course: &'static str,
    teachers: &'static [&'static str],
    students: &'static [&'static str],
}

/// One sloppy package and what a sync of it must leave.
struct Case {
    folder: &'static str,
    school: &'static str,
    /// The terms offered for mapping (the inactive session is not).
    terms: &'static [&'static str],
    /// The rows read into the snapshot, by file, by key.
    read: &'static [(&'static str, &'static [&'static str])],
    /// Guardian links read from `agentSourcedIds` (records without a row).
    guardian_links: &'static [(&'static str, &'static str)],
    /// Every class placed, with its course and enrollments.
    placed: &'static [Class],
    /// Enrollments read but over, as `class/user` and their last day: not
    /// placed, no source problem, and a warning of the run with that day.
    ended: &'static [(&'static str, &'static str)],
    /// Keys that must be in no section, course or account.
    absent: &'static [&'static str],
    /// Every record not read, a line each: file, line, key, kind, reason.
    not_read: &'static str,
    /// Every warning: (location, reason).
    warnings: &'static [(&'static str, &'static str)],
}

const LEFT_OUT: &str = "left_out";
const UNREADABLE: &str = "unreadable";

/// Riverside High School, OneRoster 1.1.
const V1P1: Case = Case {
    folder: "v1p1",
    school: "sch-110",
    terms: &["ay-2025", "q1-2025", "s1-2025", "s2-2025"],
    read: &[
        ("orgs.csv", &["sch-110"]),
        (
            "academicSessions.csv",
            &["ay-2025", "s1-2025", "s2-2025", "q1-2025"],
        ),
        (
            "users.csv",
            &[
                "t-501", "t-502", "s-1001", "s-1002", "s-1003", "s-1004", "g-2001",
            ],
        ),
        ("courses.csv", &["c-eng9", "c-alg1", "c-bio"]),
        ("classes.csv", &["k-eng9-1", "k-alg1-2", "k-bio-3"]),
        (
            "enrollments.csv",
            &[
                "e-01", "e-02", "e-03", "e-04", "e-05", "e-06", "e-07", "e-08", "e-09",
            ],
        ),
    ],
    guardian_links: &[("g-2001", "s-1001")],
    placed: &[
        Class {
            key: "k-eng9-1",
            course: "c-eng9",
            teachers: &["t-501"],
            // s-1002's enrollment (e-03) ended 2024-09-13.
            students: &["s-1001"],
        },
        Class {
            key: "k-alg1-2",
            course: "c-alg1",
            // t-501 took over from t-502, whose row (e-04) ended.
            teachers: &["t-501"],
            students: &["s-1003", "s-1004"],
        },
        Class {
            key: "k-bio-3",
            course: "c-bio",
            teachers: &["t-502"],
            students: &["s-1001"],
        },
    ],
    // Both rows end 2024-09-14, exclusive in OneRoster.
    ended: &[
        ("k-eng9-1/s-1002", "2024-09-13"),
        ("k-alg1-2/t-502", "2024-09-13"),
    ],
    absent: &[
        "k-whist-4",
        "k-cr-1",
        "k-band-5",
        "k-choir-6",
        "k-art-7",
        "c-whist",
        "c-band",
        "c-choir",
        "a-600",
        "x-700",
        "s-1005",
        "s-9999",
    ],
    not_read: "\
orgs.csv 2 d-100 left_out not a school
academicSessions.csv 2 ay-2024 left_out another school year
academicSessions.csv 3 s1-2024 left_out another school year
academicSessions.csv 8 sum-2025 left_out marked inactive
courses.csv 5 c-whist left_out another school year
classes.csv 5 k-whist-4 left_out another school year
classes.csv 6 k-cr-1 left_out session not read
classes.csv 7 k-band-5 unreadable course not in the package
classes.csv 8 k-choir-6 left_out marked tobedeleted
users.csv 4 a-600 left_out role not synced
users.csv 5 x-700 unreadable unknown role
users.csv 10 s-1005 unreadable duplicate sourcedId
users.csv 11 s-1005 unreadable duplicate sourcedId
enrollments.csv 11 e-10 left_out another school year
enrollments.csv 12 e-11 left_out another school year
enrollments.csv 13 e-12 left_out class not read
enrollments.csv 14 e-13 left_out class not read
enrollments.csv 15 e-14 left_out class not read
enrollments.csv 16 e-15 unreadable user not in the package
enrollments.csv 17 e-16 unreadable class not in the package
enrollments.csv 18 e-17 left_out enrollment role not synced
enrollments.csv 19 e-18 left_out user not read
",
    warnings: &[
        ("manifest.csv", "listed file missing"),
        ("orgs.csv line 1", "column name in other case or spacing"),
        (
            "academicSessions.csv line 7 (q1-2025)",
            "parent session not in the package",
        ),
        ("users.csv line 6 (s-1001)", "dateLastModified not ISO 8601"),
    ],
};

/// Lakeview Middle School, OneRoster 1.2.
const V1P2: Case = Case {
    folder: "v1p2",
    school: "sch-20",
    terms: &["t1-2025", "y-2025"],
    read: &[
        ("orgs.csv", &["sch-20"]),
        ("academicSessions.csv", &["y-2025", "t1-2025"]),
        ("users.csv", &["u-t1", "u-s1", "u-pt"]),
        ("courses.csv", &["c-sci7"]),
        ("classes.csv", &["k-sci7-1"]),
        ("enrollments.csv", &["e-1", "e-2", "e-3"]),
    ],
    guardian_links: &[],
    placed: &[Class {
        key: "k-sci7-1",
        course: "c-sci7",
        // The principal who also teaches (a secondary role) is a teacher.
        teachers: &["u-pt", "u-t1"],
        students: &["u-s1"],
    }],
    ended: &[],
    absent: &["u-ap"],
    not_read: "\
orgs.csv 2 d-2 left_out not a school
users.csv 4 u-ap left_out role not synced
",
    warnings: &[
        ("users.csv line 1", "unknown column"),
        ("users.csv line 1", "unknown column"),
        ("roles.csv line 1", "unknown column"),
        ("users.csv line 5 (u-pt)", "read by a secondary role"),
    ],
};

/// What a run must leave: the rows read, by file; the records read that
/// have no row (guardian links, courses made from classes); every problem;
/// and the classes placed beyond the case's own.
struct Expect {
    read: BTreeMap<&'static str, BTreeSet<&'static str>>,
    without_row: usize,
    problems: Vec<Found>,
    more_placed: Vec<Class>,
}

impl Expect {
    /// What a sync of `case` must leave, as the package is.
    fn of(case: &Case) -> Self {
        let read = case
            .read
            .iter()
            .map(|(file, keys)| (*file, keys.iter().copied().collect()))
            .collect();
        let mut problems: Vec<Found> = case
            .not_read
            .lines()
            .map(|line| {
                let [file, line, key, kind, reason] = line.splitn(5, ' ').collect::<Vec<_>>()[..]
                else {
                    panic!("not a record not read: {line:?}")
                };
                found(&format!("{file} line {line} ({key})"), kind, reason)
            })
            .chain(
                case.warnings
                    .iter()
                    .map(|(at, reason)| found(at, "warning", reason)),
            )
            .collect();
        problems.sort();
        Expect {
            read,
            without_row: case.guardian_links.len(),
            problems,
            more_placed: Vec::new(),
        }
    }
}

/// A problem as the tests compare them: (location, kind, reason).
type Found = (String, String, String);

fn found(location: &str, kind: &str, reason: &str) -> Found {
    (location.to_owned(), kind.to_owned(), reason.to_owned())
}

/// What Schoology holds of the package: sections with their course, and
/// enrollments as `section/user role`.
fn placed_in(lms: &RunningSchoology) -> (BTreeMap<String, String>, BTreeSet<String>) {
    let state = lms.state();
    let code_of = |id: u64| {
        let section = state.sections.iter().find(|s| s.id == id)?;
        section.section_school_code.as_deref()
    };
    let course_of = |id: u64| {
        let course = state.courses.iter().find(|c| c.id == id).unwrap();
        course.course_code.clone()
    };
    let sections = state
        .sections
        .iter()
        .filter_map(|s| Some((s.section_school_code.clone()?, course_of(s.course_id))))
        .collect();
    let enrollments = state
        .enrollments
        .iter()
        .filter_map(|e| {
            let section = code_of(e.section_id)?;
            let user = state.users.iter().find(|u| u.id == e.uid).unwrap();
            let user = user.school_uid.as_deref().unwrap();
            let role = if e.admin { "teacher" } else { "student" };
            Some(format!("{section}/{user} {role}"))
        })
        .collect();
    (sections, enrollments)
}

/// Asserts Schoology holds exactly what `case` can place (and `expect`'s
/// further classes), the people read and the guardian links, and none of
/// the absent keys.
fn assert_placed(case: &Case, expect: &Expect, lms: &RunningSchoology) {
    let classes: Vec<&Class> = case.placed.iter().chain(&expect.more_placed).collect();
    let (sections, enrollments) = placed_in(lms);
    let wanted_sections: BTreeMap<String, String> = classes
        .iter()
        .map(|c| (c.key.to_owned(), c.course.to_owned()))
        .collect();
    assert_eq!(sections, wanted_sections, "{}: sections", case.folder);
    let mut wanted = BTreeSet::new();
    for class in &classes {
        for (people, role) in [(class.teachers, "teacher"), (class.students, "student")] {
            wanted.extend(people.iter().map(|p| format!("{}/{p} {role}", class.key)));
        }
    }
    assert_eq!(enrollments, wanted, "{}: enrollments", case.folder);
    for (ended, _) in case.ended {
        assert!(
            !enrollments
                .iter()
                .any(|e| e.starts_with(&format!("{ended} "))),
            "{ended} ended but is in Schoology"
        );
    }
    let state = lms.state();
    for person in &expect.read["users.csv"] {
        assert!(
            state.user_by_school_uid(person).is_some(),
            "{}: no account for {person}",
            case.folder
        );
    }
    // No course but those of the classes placed: none invented.
    let courses: BTreeSet<&str> = state
        .courses
        .iter()
        .filter(|c| !c.course_code.is_empty())
        .map(|c| c.course_code.as_str())
        .collect();
    let wanted_courses: BTreeSet<&str> = classes.iter().map(|c| c.course).collect();
    assert_eq!(courses, wanted_courses, "{}: courses", case.folder);
    let now_placed = |key: &str| wanted_sections.contains_key(key) || wanted_courses.contains(key);
    for key in case.absent.iter().filter(|key| !now_placed(key)) {
        assert!(
            !state
                .users
                .iter()
                .any(|u| u.school_uid.as_deref() == Some(key))
                && state.section_by_code(key).is_none()
                && !state.courses.iter().any(|c| c.course_code == *key),
            "{}: {key} is in Schoology",
            case.folder
        );
    }
    for (guardian, student) in case.guardian_links {
        let id = |key: &str| state.user_by_school_uid(key).unwrap().id;
        assert!(
            state
                .parent_links
                .iter()
                .any(|l| l.parent == id(guardian) && l.child == id(student)),
            "{guardian} is not {student}'s parent in Schoology"
        );
    }
}

/// Asserts `logs show RUN --json` lists exactly `expect`'s problems, each
/// with a message, and that read + not read = the package's rows, file by
/// file and in total. The count of records read.
fn assert_logged(case: &Case, expect: &Expect, admin: &mut Admin<'_>, run: &str) -> u64 {
    let show: serde_json::Value =
        serde_json::from_str(&admin.ok(&["logs", "show", run, "--json"])).unwrap();
    let mut problems: Vec<Found> = show["source_problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let message = p["message"].as_str().unwrap();
            assert!(message.len() > 10, "a problem without its why: {p}");
            let text = |field: &str| p[field].as_str().unwrap().to_owned();
            (text("location"), text("kind"), text("reason"))
        })
        .collect();
    problems.sort();
    assert_eq!(problems, expect.problems, "{} run {run}", case.folder);

    // Each row of each record file is read or not read, once.
    let folder = package(case.folder);
    let mut total = 0;
    for file in RECORD_FILES {
        let read = &expect.read[file];
        let rows = rows(&folder, file);
        total += rows.len();
        let not_read: Vec<&str> = problems
            .iter()
            .filter(|(at, kind, _)| kind != "warning" && at.starts_with(&format!("{file} line ")))
            .map(|(at, _, _)| at.as_str())
            .collect();
        assert_eq!(
            read.len() + not_read.len(),
            rows.len(),
            "{}/{file}",
            case.folder
        );
        for (line, key) in &rows {
            let here = format!("{file} line {line} ({key})");
            let reported = not_read.iter().filter(|at| **at == here).count();
            assert_eq!(
                usize::from(read.contains(key.as_str())) + reported,
                1,
                "{}: {here} is not read or reported exactly once",
                case.folder
            );
        }
    }
    let count = |kind: &str| problems.iter().filter(|(_, k, _)| k == kind).count() as u64;
    let source = &show["source"];
    let read = source["read"].as_u64().unwrap();
    assert_eq!(
        read + count(LEFT_OUT) + count(UNREADABLE),
        (total + expect.without_row) as u64,
        "{}: {source}",
        case.folder
    );
    for (field, kind) in [
        ("left_out", LEFT_OUT),
        ("unreadable", UNREADABLE),
        ("warnings", "warning"),
    ] {
        assert_eq!(source[field].as_u64(), Some(count(kind)), "{source}");
    }
    read
}

/// Asserts the text of `logs show RUN` groups the problems by reason with
/// counts and lists each; `logs list` counts them; `logs export --kind
/// source` holds the same rows.
fn assert_shown_and_exported(admin: &mut Admin<'_>, run: &str, problems: &[Found], read: u64) {
    let show = admin.ok(&["logs", "show", run]);
    assert!(
        show.contains(&format!(
            "What the SIS read found: {read} SIS record(s) read; "
        )),
        "{show}"
    );
    let mut groups: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for (_, kind, reason) in problems {
        *groups.entry((kind, reason)).or_default() += 1;
    }
    for ((kind, reason), count) in groups {
        let words = match kind {
            LEFT_OUT => "left out (not synced)",
            UNREADABLE => "unreadable (not synced)",
            _ => "warning (synced)",
        };
        // One heading per kind of record, each with its count.
        let counted: usize = show
            .lines()
            .filter(|line| line.starts_with(&format!("  {words} ")))
            .filter(|line| line.ends_with(&format!(" — {reason}")))
            .map(|line| {
                let count = line.rsplit_once(": ").unwrap().1;
                count.split(' ').next().unwrap().parse::<usize>().unwrap()
            })
            .sum();
        assert_eq!(counted, count, "{kind} {reason} in\n{show}");
    }
    for (location, kind, _) in problems {
        assert!(
            show.lines()
                .any(|line| line.starts_with(&format!("{kind} ")) && line.contains(location)),
            "{location} not listed in\n{show}"
        );
    }
    let not_read = problems.iter().filter(|(_, k, _)| k != "warning").count();
    let list = admin.ok(&["logs", "list"]);
    assert!(
        list.lines().any(|line| line.starts_with(&format!("{run} "))
            && line.contains(&format!(" {read} read, {not_read} not read "))),
        "{list}"
    );

    let csv = admin.ok(&[
        "logs", "export", "--run", run, "--kind", "source", "--format", "csv",
    ]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("run,kind,record,location,key,field,reason,message")
    );
    let mut exported: Vec<Found> = lines
        .map(|line| {
            let cells = cells(line);
            assert_eq!(cells.len(), 8, "{line}");
            assert_eq!(cells[0], run, "{line}");
            found(&cells[3], &cells[1], &cells[6])
        })
        .collect();
    exported.sort();
    assert_eq!(exported, problems);
}

/// Asserts the enrollments of `case` that ended, and no others, are the
/// warnings on enrollments of run `run`, each with its last day: grouped
/// under `ended` in the sync's report `sync`, and listed in `logs show RUN`
/// (JSON and text).
fn assert_ended_told(case: &Case, admin: &mut Admin<'_>, run: &str, sync: &serde_json::Value) {
    let said = |end: &str| {
        format!("the enrollment ended on {end} (its last day in the SIS); it is not created")
    };
    let wanted: BTreeSet<(String, String)> = case
        .ended
        .iter()
        .map(|(pair, end)| ((*pair).to_owned(), said(end)))
        .collect();
    let show: serde_json::Value =
        serde_json::from_str(&admin.ok(&["logs", "show", run, "--json"])).unwrap();
    let warned: BTreeSet<(String, String)> = show["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["entity"] == "enrollment" && o["status"] == "warning")
        .map(|o| {
            let text = |field: &str| o[field].as_str().unwrap().to_owned();
            (text("key"), text("reason"))
        })
        .collect();
    assert_eq!(warned, wanted, "{}: run {run}: {show}", case.folder);
    let groups: Vec<(&str, u64)> = sync["digest"]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["entity"] == "enrollment")
        .map(|g| (g["reason"].as_str().unwrap(), g["count"].as_u64().unwrap()))
        .collect();
    let wanted_groups: Vec<(&str, u64)> = if case.ended.is_empty() {
        Vec::new()
    } else {
        vec![("ended", case.ended.len() as u64)]
    };
    assert_eq!(groups, wanted_groups, "{}: {sync}", case.folder);
    let text = admin.ok(&["logs", "show", run, "--status", "warning"]);
    for (pair, end) in case.ended {
        assert!(
            text.lines().any(|line| {
                line.split_whitespace()
                    .take(3)
                    .eq(["warning", "enrollment", pair])
                    && line.ends_with(&said(end))
            }),
            "{pair} not listed in\n{text}"
        );
    }
}

/// Syncs once and asserts what Schoology holds and what run `run` logged.
fn sync_and_assert(
    case: &Case,
    expect: &Expect,
    admin: &mut Admin<'_>,
    lms: &RunningSchoology,
    run: &str,
) {
    let sync: serde_json::Value =
        serde_json::from_str(&admin.ok(&["sync", "all", "--json"])).unwrap();
    assert_eq!(sync["status"], "succeeded", "{sync}");
    assert_eq!(sync["run"].as_u64().unwrap().to_string(), run);
    assert_placed(case, expect, lms);
    assert_ended_told(case, admin, run, &sync);
    let read = assert_logged(case, expect, admin, run);
    assert_eq!(sync["source"]["read"].as_u64(), Some(read), "{sync}");
    assert_shown_and_exported(admin, run, &expect.problems, read);
}

/// `case`'s package as the SIS and the Schoology simulator as the LMS, its
/// school, roles and terms mapped and guardian links on; synced twice, the
/// second sync writing nothing and logging the same; then `more` with the
/// administrator, the simulator and the configuration's folder.
fn sync_twice(case: &Case, more: impl FnOnce(&mut Admin<'_>, &RunningSchoology, &Path)) {
    let runtime = Runtime::new().unwrap();
    let lms = &schoology(&runtime);
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    configure(
        dir,
        lms,
        "adapter = \"oneroster-csv\"\n",
        2025,
        &format!(
            "[oneroster_csv]\npackage = \"{}\"\n",
            package(case.folder).display()
        ),
    );
    let mut admin = Admin {
        dir,
        secret: lms.admin_credentials().secret.clone(),
        password: "no-SIS-password-is-used".to_owned(),
        env: Vec::new(),
        seen: Vec::new(),
    };
    let check = admin.ok(&["check"]);
    assert!(check.contains("OneRoster CSV: OK"), "{check}");
    let mut terms = map_school(&mut admin, case.school);
    terms.sort();
    assert_eq!(terms, case.terms);
    // Guardian links are opt-in; the package's one is to land too.
    edit_config(dir, "guardian_links = false\n", "guardian_links = true\n");

    let expect = Expect::of(case);
    sync_and_assert(case, &expect, &mut admin, lms, "1");
    let writes = lms.counters().writes;
    sync_and_assert(case, &expect, &mut admin, lms, "2");
    assert_eq!(
        lms.counters().writes,
        writes,
        "{}: the second sync wrote",
        case.folder
    );
    more(&mut admin, lms, dir);
    admin.assert_no_secret();
}

/// Replaces `old` by `new` in the configuration file in `dir`.
fn edit_config(dir: &Path, old: &str, new: &str) {
    let path = dir.join("rostersync.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(old), "{text}");
    std::fs::write(&path, text.replacen(old, new, 1)).unwrap();
}

#[test]
fn a_sloppy_oneroster_1_1_package_lands_what_it_can_and_logs_every_other_record() {
    sync_twice(&V1P1, made_courses);
}

/// Asked to make courses from classes, the band class lands in a course
/// made from it, with a warning; the class marked tobedeleted still not.
fn made_courses(admin: &mut Admin<'_>, lms: &RunningSchoology, dir: &Path) {
    let package = package(V1P1.folder).display().to_string();
    edit_config(
        dir,
        &format!("package = \"{package}\"\n"),
        &format!("package = \"{package}\"\ncourses_from_classes = true\n"),
    );
    let mut expect = Expect::of(&V1P1);
    for (file, key) in [("classes.csv", "k-band-5"), ("enrollments.csv", "e-13")] {
        expect.read.get_mut(file).unwrap().insert(key);
    }
    expect.without_row += 1;
    expect.problems.retain(|(at, _, _)| {
        !at.starts_with("classes.csv line 7 ") && !at.starts_with("enrollments.csv line 14 ")
    });
    expect.problems.push(found(
        "classes.csv line 7 (c-band)",
        "warning",
        "course made from a class",
    ));
    expect.problems.sort();
    expect.more_placed.push(Class {
        key: "k-band-5",
        course: "c-band",
        teachers: &[],
        students: &["s-1002"],
    });
    sync_and_assert(&V1P1, &expect, admin, lms, "3");
}

#[test]
fn a_sloppy_oneroster_1_2_package_lands_what_it_can_and_logs_every_other_record() {
    sync_twice(&V1P2, |_, lms, _| {
        // The misspelled preferred-name column is not guessed at.
        let state = lms.state();
        let kate = state.user_by_school_uid("u-t1").unwrap();
        assert_eq!(
            (
                kate.name_first.as_str(),
                kate.name_first_preferred.as_deref()
            ),
            ("Katherine", None)
        );
    });
}

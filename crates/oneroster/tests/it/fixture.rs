//! Paths to the sample packages kept in `tests/data` and edited copies of them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rostersync_ports::{RecordKind, SisRequest, SourceProblem};
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

/// The OneRoster 1.1 bulk sample (Moodle enrol_oneroster fixtures, GPL-3.0).
pub(crate) const MINIMAL_1_1: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/Test_minimal_data_set"
);

/// The OneRoster 1.2 delta sample (same origin).
pub(crate) const DELTA_1_2: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/oneroster_test_data"
);

/// The one school of the 1.1 sample (a department named by its classes).
pub(crate) const SCHOOL_1_1: &str = "org-sch-222-456";

/// A request for `school` in school year 2023.
pub(crate) fn request(school: &str) -> SisRequest {
    SisRequest {
        schools: [school.into()].into(),
        school_year: 2023,
    }
}

/// A copy of package `from` in a new temporary folder.
pub(crate) fn copy(from: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    dir
}

/// Appends `lines` to `file` of the package in `dir` (after a line end).
pub(crate) fn append(dir: &Path, file: &str, lines: &str) {
    let path: PathBuf = dir.join(file);
    let mut text = std::fs::read_to_string(&path).unwrap();
    if !text.ends_with('\n') {
        text.push_str("\r\n");
    }
    text.push_str(lines);
    std::fs::write(path, text).unwrap();
}

/// A package folder holding `files` (name, text).
pub(crate) fn package(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// Headers of the 1.1 files, each with its line end.
pub(crate) const ORGS: &str =
    "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n";
/// `academicSessions.csv`.
pub(crate) const SESSIONS: &str =
    "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear\n";
/// `courses.csv`.
pub(crate) const COURSES: &str = "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes\n";
/// `classes.csv`.
pub(crate) const CLASSES: &str = "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n";
/// `users.csv`.
pub(crate) const USERS: &str = "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n";
/// `enrollments.csv`.
pub(crate) const ENROLLMENTS: &str = "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n";

/// Replaces the first `from` in `file` of the package in `dir` with `to`.
pub(crate) fn replace(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from:?} is not in {file}");
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// Writes the files of package folder `from` into a new zip file `to`, at
/// the top of the zip or under `folder/`, compressed with `method`.
pub(crate) fn zip(from: &Path, to: &Path, folder: Option<&str>, method: CompressionMethod) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(from)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    let mut writer = zip::ZipWriter::new(std::fs::File::create(to).unwrap());
    let options = SimpleFileOptions::default().compression_method(method);
    if let Some(folder) = folder {
        writer.add_directory(folder, options).unwrap();
    }
    for file in files {
        let name = file.file_name().unwrap().to_str().unwrap().to_owned();
        let name = folder.map_or(name.clone(), |folder| format!("{folder}/{name}"));
        writer.start_file(name, options).unwrap();
        std::io::Write::write_all(&mut writer, &std::fs::read(&file).unwrap()).unwrap();
    }
    writer.finish().unwrap();
}

/// How many records (rows after the header) a CSV text holds: line ends
/// outside double quotes end a record, and blank lines hold none. Counted
/// here on its own, so that the reader's parser is not its own judge.
pub(crate) fn count_rows(text: &str) -> usize {
    let mut records = 0;
    let mut quoted = false;
    let mut blank = true;
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                blank = false;
            }
            '\n' if !quoted => {
                records += usize::from(!blank);
                blank = true;
            }
            '\r' | '\u{feff}' => {}
            _ => blank = false,
        }
    }
    (records + usize::from(!blank)).saturating_sub(1)
}

/// How many records of each kind the package in `dir` holds, from the rows
/// of its files: orgs are schools, academic sessions terms, users people,
/// and courses, classes and enrollments themselves. (Rows of roles.csv are
/// part of their users; demographics and user profiles are not read.)
pub(crate) fn totals(dir: &Path) -> BTreeMap<RecordKind, usize> {
    let rows =
        |file: &str| std::fs::read_to_string(dir.join(file)).map_or(0, |text| count_rows(&text));
    BTreeMap::from([
        (RecordKind::School, rows("orgs.csv")),
        (RecordKind::Term, rows("academicSessions.csv")),
        (RecordKind::Person, rows("users.csv")),
        (RecordKind::Course, rows("courses.csv")),
        (RecordKind::Section, rows("classes.csv")),
        (RecordKind::Enrollment, rows("enrollments.csv")),
    ])
}

/// The problems of `problems` at `location` (a prefix of theirs).
pub(crate) fn at<'a>(problems: &'a [SourceProblem], location: &str) -> Vec<&'a SourceProblem> {
    problems
        .iter()
        .filter(|p| p.location.starts_with(location))
        .collect()
}

/// The reasons of `problems`, in order.
pub(crate) fn reasons(problems: &[&SourceProblem]) -> Vec<String> {
    problems
        .iter()
        .map(|p| p.reason.clone().unwrap_or_default())
        .collect()
}

#[test]
fn rows_are_counted_outside_quotes() {
    assert_eq!(count_rows("a,b\r\n1,\"x\ny\"\r\n\r\n2,z"), 2);
    assert_eq!(count_rows("a,b\n"), 0);
    assert_eq!(count_rows(""), 0);
}

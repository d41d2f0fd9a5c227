//! A OneRoster CSV package (a folder or a zip): `manifest.csv`, the files
//! it lists as `bulk`, `delta` or `absent`, and deltas applied over earlier
//! packages.
//!
//! A file the reader reads that the manifest lists but the package lacks
//! fails the read (the data never arrived). What the manifest and the
//! package disagree on otherwise is a file-level warning: a file it does
//! not list (read as bulk in a package without delta files, not read
//! otherwise; in a bulk package, one that is not there either), a file it
//! lists as absent that is there (not read), and a listed file the reader
//! does not use that is missing.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use rostersync_ports::{ProblemKind, RecordKind, SourceProblem};

use super::columns::{self, Spec};
use super::rows;
use super::source::Package;
use super::table::{Row, Table};
use crate::error::CsvError;
use crate::model::{Keyed, Meta, Records, Role, Unread};
use crate::problem::{Fault, Sink, reason};

/// How the manifest lists a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Full replacement of that kind of record.
    Bulk,
    /// Changes only, applied by `sourcedId`.
    Delta,
    /// Not in the package.
    Absent,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Bulk => "bulk",
            Mode::Delta => "delta",
            Mode::Absent => "absent",
        }
    }
}

/// The OneRoster version a manifest declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// OneRoster 1.1.
    V1p1,
    /// OneRoster 1.2.
    V1p2,
}

/// A parsed `manifest.csv`.
#[derive(Debug)]
struct Manifest {
    version: Version,
    files: HashMap<String, Mode>,
}

impl Manifest {
    /// Whether the manifest lists any file as delta.
    fn delta(&self) -> bool {
        self.files.values().any(|mode| *mode == Mode::Delta)
    }
}

fn manifest(package: &mut Package) -> Result<Manifest, CsvError> {
    let file = package.location("manifest.csv");
    let bad = |message: String| CsvError::BadManifest {
        file: file.clone(),
        message,
    };
    let mut ignored = Vec::new();
    let table = Table::parse(
        &columns::MANIFEST,
        &package.read_text("manifest.csv")?,
        false,
        &mut ignored,
    )?;
    if let Some(problem) = ignored.iter().find(|p| p.excludes()) {
        return Err(bad(format!("{}: {}", problem.location, problem.message)));
    }
    let mut version = None;
    let mut files = HashMap::new();
    for record in &table.rows {
        let (Some(name), value) = (
            table.cell(record, "propertyName"),
            table.cell(record, "value").unwrap_or(""),
        ) else {
            continue;
        };
        if name == "oneroster.version" {
            version = Some(match value {
                "1.1" => Version::V1p1,
                "1.2" | "1.2.1" => Version::V1p2,
                other => return Err(bad(format!("unsupported oneroster.version {other:?}"))),
            });
        } else if let Some(file) = name.strip_prefix("file.") {
            let mode = match value.to_ascii_lowercase().as_str() {
                "bulk" => Mode::Bulk,
                "delta" => Mode::Delta,
                "absent" | "" => Mode::Absent,
                other => {
                    return Err(bad(format!(
                        "{} line {}: {name} is {other:?}, not bulk, delta or absent",
                        table.file, record.line
                    )));
                }
            };
            files.insert(file.to_owned(), mode);
        }
    }
    let version = version.ok_or_else(|| bad("oneroster.version is missing".to_owned()))?;
    Ok(Manifest { version, files })
}

/// Records of one kind, merged across packages by `sourcedId`.
#[derive(Debug)]
struct Merged<T> {
    seen: bool,
    by_id: BTreeMap<String, T>,
}

impl<T> Default for Merged<T> {
    fn default() -> Self {
        Merged {
            seen: false,
            by_id: BTreeMap::new(),
        }
    }
}

impl<T: Keyed> Merged<T> {
    /// Applies the records of one file: bulk replaces everything, delta
    /// upserts unless the held record was modified later (that row is a
    /// warning). A sourcedId twice in one file makes every row of it a
    /// problem; a version read from an earlier package stays.
    fn apply(&mut self, mode: Mode, records: Vec<T>, sink: &mut Sink<'_>) {
        self.seen = true;
        if mode == Mode::Bulk {
            self.by_id.clear();
        }
        for item in sink.unique(records) {
            let new = item.meta();
            if mode == Mode::Delta
                && let Some(held) = self.by_id.get(&new.sourced_id)
                && let (Some(old), Some(at)) = (held.meta().modified, new.modified)
                && at < old
            {
                sink.problems.push(
                    Fault::whole(
                        reason::OLDER_CHANGE,
                        format!(
                            "the row was modified {at}, before the version already read ({old}, {}); it was ignored",
                            held.meta().location
                        ),
                    )
                    .problem(ProblemKind::Warning, T::KIND, &new.location, Some(&new.sourced_id)),
                );
                continue;
            }
            self.by_id.insert(new.sourced_id.clone(), item);
        }
    }

    fn into_vec(self) -> Vec<T> {
        self.by_id.into_values().collect()
    }
}

/// A `roles.csv` row with the user it belongs to.
#[derive(Debug)]
struct RoleRow {
    user: String,
    meta: Meta,
    role: Role,
}

impl Keyed for RoleRow {
    const KIND: RecordKind = RecordKind::Person;
    const FAILURE: ProblemKind = ProblemKind::Warning;

    fn meta(&self) -> &Meta {
        &self.meta
    }
}

#[derive(Debug, Default)]
struct State {
    orgs: Merged<crate::model::Org>,
    sessions: Merged<crate::model::Session>,
    courses: Merged<crate::model::Course>,
    classes: Merged<crate::model::Class>,
    users: Merged<crate::model::User>,
    roles: Merged<RoleRow>,
    enrollments: Merged<crate::model::Enrollment>,
}

/// Reads `packages` in order (a bulk package, then deltas) into records;
/// each is a folder, or a zip when the path is a file.
///
/// # Errors
///
/// When a manifest or a listed file is missing, a required column is
/// absent, or a zip is unreadable.
pub(crate) fn read(
    packages: &[impl AsRef<Path>],
    problems: &mut Vec<SourceProblem>,
) -> Result<Records, CsvError> {
    let mut state = State::default();
    let mut unread = Unread::new();
    let mut sink = Sink {
        problems,
        unread: &mut unread,
    };
    for path in packages {
        read_one(path.as_ref(), &mut state, &mut sink)?;
    }
    let mut users = state.users.into_vec();
    let mut roles: BTreeMap<String, Vec<Role>> = BTreeMap::new();
    let mut rows: BTreeMap<String, Vec<Meta>> = BTreeMap::new();
    for row in state.roles.into_vec() {
        // A role marked tobedeleted (or inactive) is one the user no longer holds.
        if row.meta.status == crate::model::Status::Active {
            rows.entry(row.user.clone()).or_default().push(row.meta);
            roles.entry(row.user).or_default().push(row.role);
        }
    }
    for user in &mut users {
        if let Some(extra) = roles.remove(&user.meta.sourced_id) {
            user.roles.extend(extra);
        }
    }
    for (user, metas) in rows
        .into_iter()
        .filter(|(user, _)| roles.contains_key(user))
    {
        let unread = sink
            .unread
            .get(&RecordKind::Person)
            .is_some_and(|ids| ids.contains(&user));
        let who = if unread {
            "could not be read"
        } else {
            "is not in the package"
        };
        for meta in metas {
            let fault = Fault::new(
                "userSourcedId",
                reason::ROLE_ROW,
                format!(
                    "the role {} names user {user}, who {who}; the role was not read",
                    meta.sourced_id
                ),
            );
            sink.problems.push(fault.problem(
                ProblemKind::Warning,
                RecordKind::Person,
                &meta.location,
                Some(&user),
            ));
        }
    }
    let mut records = Records {
        orgs: state.orgs.into_vec(),
        sessions: state.sessions.into_vec(),
        courses: state.courses.into_vec(),
        classes: state.classes.into_vec(),
        users,
        enrollments: state.enrollments.into_vec(),
        unread,
    };
    // A record held twice in a delta keeps its earlier version: it is read.
    if !records.unread.is_empty() {
        let mut unread = std::mem::take(&mut records.unread);
        let present = records.ids();
        for (kind, ids) in &mut unread {
            ids.retain(|id| !present.contains(&(*kind, id.as_str())));
        }
        records.unread = unread;
    }
    Ok(records)
}

/// The files of one package the manifest does not account for, and the
/// files it lists that the reader does not use but the package lacks.
fn unlisted_files(package: &Package, manifest: &Manifest, problems: &mut Vec<SourceProblem>) {
    let warn = |file: &str, message: String, problems: &mut Vec<SourceProblem>| {
        problems.push(Fault::whole(reason::FILE_NOT_LISTED, message).problem(
            ProblemKind::Warning,
            RecordKind::File,
            file,
            None,
        ));
    };
    for (name, mode) in &manifest.files {
        let file = format!("{name}.csv");
        let used = columns::READ.iter().any(|spec| spec.name == name);
        if used || *mode == Mode::Absent || package.contains(&file) {
            continue;
        }
        problems.push(
            Fault::whole(
                reason::UNUSED_FILE_MISSING,
                format!(
                    "the manifest lists {file} as {}, but the package does not hold it; the reader does not use it",
                    mode.name()
                ),
            )
            .problem(ProblemKind::Warning, RecordKind::File, "manifest.csv", None),
        );
    }
    for spec in columns::READ {
        let file = format!("{}.csv", spec.name);
        match manifest.files.get(spec.name) {
            Some(Mode::Absent) if package.contains(&file) => warn(
                &file,
                format!(
                    "the manifest lists {file} as absent, but the package holds it; it was not read"
                ),
                problems,
            ),
            None if package.contains(&file) && manifest.delta() => warn(
                &file,
                format!(
                    "the manifest does not list {file}, and the package holds delta files; it was not read"
                ),
                problems,
            ),
            None if package.contains(&file) => warn(
                &file,
                format!("the manifest does not list {file}; it was read as a bulk file"),
                problems,
            ),
            // A bulk package says what it holds; roles.csv belongs to 1.2
            // only, and its absence there fails the read.
            None if !manifest.delta() && spec.name != columns::ROLES.name => warn(
                &file,
                format!(
                    "the manifest does not list {file}, and the package does not hold it; no record of it was read"
                ),
                problems,
            ),
            _ => {}
        }
    }
}

/// The file of `spec` and how the manifest lists it, when the manifest
/// lists it as bulk or delta (or does not list it, in a bulk package).
fn open(
    package: &mut Package,
    manifest: &Manifest,
    spec: &'static Spec,
    problems: &mut Vec<SourceProblem>,
) -> Result<Option<(Mode, Table)>, CsvError> {
    let file = format!("{}.csv", spec.name);
    let mode = match manifest.files.get(spec.name) {
        Some(Mode::Absent) => return Ok(None),
        Some(mode) => *mode,
        None if package.contains(&file) && !manifest.delta() => Mode::Bulk,
        None => return Ok(None),
    };
    if !package.contains(&file) {
        return Err(CsvError::MissingFile {
            file,
            mode: mode.name().to_owned(),
            package: package.name(),
        });
    }
    let text = package.read_text(&file)?;
    let table = Table::parse(spec, &text, mode == Mode::Delta, problems)?;
    Ok(Some((mode, table)))
}

/// Reads every row of `table` with `read` into `merged`.
fn load<T: Keyed>(
    (mode, table): (Mode, Table),
    merged: &mut Merged<T>,
    sink: &mut Sink<'_>,
    key: &str,
    read: impl Fn(Row<'_>) -> Result<T, Fault>,
) {
    let records = table.read_all(sink, T::FAILURE, key, read);
    merged.apply(mode, records, sink);
}

fn read_one(path: &Path, state: &mut State, sink: &mut Sink<'_>) -> Result<(), CsvError> {
    let mut package = Package::open(path)?;
    let manifest = manifest(&mut package)?;
    unlisted_files(&package, &manifest, sink.problems);
    // Each file is parsed just before its rows are read, so one at a time
    // is held in memory (roles.csv with users.csv).
    let mut open = |spec, sink: &mut Sink<'_>| open(&mut package, &manifest, spec, sink.problems);
    const ID: &str = "sourcedId";
    if let Some(table) = open(&columns::ORGS, sink)? {
        load(table, &mut state.orgs, sink, ID, rows::org);
    }
    if let Some(table) = open(&columns::SESSIONS, sink)? {
        load(table, &mut state.sessions, sink, ID, rows::session);
    }
    if let Some(table) = open(&columns::COURSES, sink)? {
        load(table, &mut state.courses, sink, ID, rows::course);
    }
    if let Some(table) = open(&columns::CLASSES, sink)? {
        load(table, &mut state.classes, sink, ID, rows::class);
    }
    let roles = open(&columns::ROLES, sink)?;
    if let Some(table) = open(&columns::USERS, sink)? {
        let legacy = table.1.has("role");
        if manifest.version == Version::V1p1 || legacy {
            if let Some(column) = columns::USERS_1_1.iter().find(|c| !table.1.has(c)) {
                return Err(CsvError::MissingColumn {
                    file: table.1.file.clone(),
                    line: 1,
                    column: (*column).to_owned(),
                    near: None,
                });
            }
        } else if roles.is_none() && !state.roles.seen {
            return Err(CsvError::NoRoles);
        }
        load(table, &mut state.users, sink, ID, |row| {
            rows::user(row, legacy)
        });
    }
    if let Some(table) = roles {
        // A role row is part of its user's record: what is wrong with it is
        // a warning about that user, who is accounted for by users.csv.
        load(table, &mut state.roles, sink, "userSourcedId", |row| {
            rows::role(row).map(|(user, meta, role)| RoleRow { user, meta, role })
        });
    }
    if let Some(table) = open(&columns::ENROLLMENTS, sink)? {
        load(table, &mut state.enrollments, sink, ID, rows::enrollment);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    /// A user row of `f.csv` that is only its meta.
    #[derive(Debug)]
    struct Bare(Meta);

    impl Keyed for Bare {
        const KIND: RecordKind = RecordKind::Person;

        fn meta(&self) -> &Meta {
            &self.0
        }
    }

    fn meta(id: &str, line: u32, day: Option<u32>) -> Bare {
        Bare(Meta {
            sourced_id: id.to_owned(),
            status: crate::model::Status::Active,
            modified: day.and_then(|d| Utc.with_ymd_and_hms(2024, 1, d, 0, 0, 0).single()),
            location: format!("f.csv line {line}"),
        })
    }

    /// Merges `files` in order: what is held, by sourcedId, and the problems.
    fn merge(files: Vec<(Mode, Vec<Bare>)>) -> (Vec<String>, Vec<SourceProblem>, Unread) {
        let mut merged: Merged<Bare> = Merged::default();
        let mut problems = Vec::new();
        let mut unread = Unread::new();
        let mut sink = Sink {
            problems: &mut problems,
            unread: &mut unread,
        };
        for (mode, rows) in files {
            merged.apply(mode, rows, &mut sink);
        }
        let held = merged
            .into_vec()
            .into_iter()
            .map(|m| m.0.location)
            .collect();
        (held, problems, unread)
    }

    #[test]
    fn delta_keeps_the_later_modification_and_bulk_replaces_all() {
        let bulk = (Mode::Bulk, vec![meta("a", 2, Some(5)), meta("b", 3, None)]);
        let delta = (
            Mode::Delta,
            vec![meta("a", 4, Some(3)), meta("b", 5, Some(1))],
        );
        let (held, problems, _) = merge(vec![bulk, delta]);
        // "a" was modified later than the delta row, which is a warning; "b" had no date.
        assert_eq!(held, ["f.csv line 2", "f.csv line 5"]);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].location, "f.csv line 4 (a)");
        assert_eq!(problems[0].kind, ProblemKind::Warning);
        assert_eq!(problems[0].reason.as_deref(), Some(reason::OLDER_CHANGE));
        let (held, _, _) = merge(vec![
            (Mode::Bulk, vec![meta("a", 2, None)]),
            (Mode::Bulk, vec![meta("c", 6, None)]),
        ]);
        assert_eq!(held, ["f.csv line 6"]);
    }

    #[test]
    fn a_sourced_id_twice_in_a_file_reads_neither_row() {
        let rows = vec![meta("a", 2, None), meta("b", 3, None), meta("a", 4, None)];
        let (held, problems, unread) = merge(vec![(Mode::Bulk, rows)]);
        assert_eq!(held, ["f.csv line 3"]);
        let at: Vec<&str> = problems.iter().map(|p| p.location.as_str()).collect();
        assert_eq!(at, ["f.csv line 2 (a)", "f.csv line 4 (a)"]);
        assert!(problems[0].message.contains("also at f.csv line 4"));
        assert!(unread[&RecordKind::Person].contains("a"));
    }
}

//! A OneRoster CSV package (a folder or a zip): `manifest.csv`, the files
//! it lists as `bulk`, `delta` or `absent`, and deltas applied over earlier
//! packages.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use rostersync_ports::SourceProblem;

use super::rows;
use super::source::Package;
use super::table::Table;
use crate::error::CsvError;
use crate::model::{Meta, Records, Role};

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

fn manifest(package: &mut Package) -> Result<Manifest, CsvError> {
    let file = package.location("manifest.csv");
    let bad = |message: String| CsvError::BadManifest {
        file: file.clone(),
        message,
    };
    let mut ignored = Vec::new();
    let table = Table::parse(
        "manifest.csv",
        &package.read_text("manifest.csv")?,
        &["propertyName", "value"],
        &mut ignored,
    )?;
    if let Some(problem) = ignored.first() {
        return Err(bad(format!("{}: {}", problem.location, problem.message)));
    }
    let mut version = None;
    let mut files = HashMap::new();
    for record in &table.rows {
        let row = table.row(record);
        let (Some(name), value) = (row.opt("propertyName"), row.opt("value").unwrap_or("")) else {
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

impl<T> Merged<T> {
    /// Applies the records of one file: bulk replaces everything, delta
    /// upserts unless the held record was modified later. A sourcedId twice
    /// in one file is a problem; the first row stands.
    fn apply(
        &mut self,
        mode: Mode,
        records: Vec<T>,
        meta: impl Fn(&T) -> &Meta,
        problems: &mut Vec<SourceProblem>,
    ) {
        self.seen = true;
        if mode == Mode::Bulk {
            self.by_id.clear();
        }
        let mut in_file = std::collections::HashSet::new();
        for record in records {
            let id = meta(&record).sourced_id.clone();
            if !in_file.insert(id.clone()) {
                problems.push(SourceProblem::new(
                    format!("{} ({id})", meta(&record).location),
                    "the sourcedId appears earlier in the same file; this row was not read",
                ));
                continue;
            }
            let newer = match self.by_id.get(&id) {
                Some(held) if mode == Mode::Delta => {
                    match (meta(held).modified, meta(&record).modified) {
                        (Some(old), Some(new)) => new >= old,
                        _ => true,
                    }
                }
                _ => true,
            };
            if newer {
                self.by_id.insert(id, record);
            }
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
    for path in packages {
        read_one(path.as_ref(), &mut state, problems)?;
    }
    let mut users = state.users.into_vec();
    let mut roles: BTreeMap<String, Vec<Role>> = BTreeMap::new();
    for row in state.roles.into_vec() {
        if row.meta.status != crate::model::Status::ToBeDeleted {
            roles.entry(row.user).or_default().push(row.role);
        }
    }
    for user in &mut users {
        if let Some(extra) = roles.remove(&user.meta.sourced_id) {
            user.roles.extend(extra);
        }
    }
    Ok(Records {
        orgs: state.orgs.into_vec(),
        sessions: state.sessions.into_vec(),
        courses: state.courses.seen.then(|| state.courses.into_vec()),
        classes: state.classes.into_vec(),
        users,
        enrollments: state.enrollments.into_vec(),
    })
}

fn read_one(
    path: &Path,
    state: &mut State,
    problems: &mut Vec<SourceProblem>,
) -> Result<(), CsvError> {
    let mut package = Package::open(path)?;
    let manifest = manifest(&mut package)?;
    // Opens `name.csv` when the manifest lists it (or, leniently, when the
    // manifest does not mention it but the file is there).
    let mut open = |name: &str, required: &[&str], problems: &mut Vec<SourceProblem>| {
        let file = format!("{name}.csv");
        let mode = match manifest.files.get(name) {
            Some(Mode::Absent) => return Ok(None),
            Some(mode) => *mode,
            None if package.contains(&file) => Mode::Bulk,
            None => return Ok(None),
        };
        if !package.contains(&file) {
            let mode = if mode == Mode::Bulk { "bulk" } else { "delta" };
            return Err(CsvError::MissingFile {
                file,
                mode: mode.to_owned(),
                package: package.name(),
            });
        }
        let table = Table::parse(&file, &package.read_text(&file)?, required, problems)?;
        Ok::<_, CsvError>(Some((mode, table)))
    };
    if let Some((mode, table)) = open("orgs", rows::ORGS, problems)? {
        let records = rows::read_all(&table, problems, rows::org);
        state.orgs.apply(mode, records, |r| &r.meta, problems);
    }
    if let Some((mode, table)) = open("academicSessions", rows::SESSIONS, problems)? {
        let records = rows::read_all(&table, problems, rows::session);
        state.sessions.apply(mode, records, |r| &r.meta, problems);
    }
    if let Some((mode, table)) = open("courses", rows::COURSES, problems)? {
        let records = rows::read_all(&table, problems, rows::course);
        state.courses.apply(mode, records, |r| &r.meta, problems);
    }
    if let Some((mode, table)) = open("classes", rows::CLASSES, problems)? {
        let records = rows::read_all(&table, problems, rows::class);
        state.classes.apply(mode, records, |r| &r.meta, problems);
    }
    let roles = open("roles", rows::ROLES, problems)?;
    if let Some((mode, table)) = open("users", rows::USERS, problems)? {
        let legacy = table.has("role");
        if manifest.version == Version::V1p1 || legacy {
            for column in rows::USERS_1_1 {
                if !table.has(column) {
                    return Err(CsvError::MissingColumn {
                        file: table.file.clone(),
                        line: 1,
                        column: (*column).to_owned(),
                    });
                }
            }
        } else if roles.is_none() && !state.roles.seen {
            return Err(CsvError::NoRoles);
        }
        let records = rows::read_all(&table, problems, |row| rows::user(row, legacy));
        state.users.apply(mode, records, |r| &r.meta, problems);
    }
    if let Some((mode, table)) = roles {
        let records = rows::read_all(&table, problems, |row| {
            rows::role(row).map(|(user, meta, role)| RoleRow { user, meta, role })
        });
        state.roles.apply(mode, records, |r| &r.meta, problems);
    }
    if let Some((mode, table)) = open("enrollments", rows::ENROLLMENTS, problems)? {
        let records = rows::read_all(&table, problems, rows::enrollment);
        state
            .enrollments
            .apply(mode, records, |r| &r.meta, problems);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn meta(id: &str, day: Option<u32>) -> Meta {
        Meta {
            sourced_id: id.to_owned(),
            status: crate::model::Status::Active,
            modified: day.and_then(|d| Utc.with_ymd_and_hms(2024, 1, d, 0, 0, 0).single()),
            location: format!("f.csv line {}", day.unwrap_or(0)),
        }
    }

    #[test]
    fn delta_keeps_the_later_modification_and_bulk_replaces_all() {
        let mut merged: Merged<Meta> = Merged::default();
        let mut problems = Vec::new();
        merged.apply(
            Mode::Bulk,
            vec![meta("a", Some(5)), meta("b", None)],
            |m| m,
            &mut problems,
        );
        merged.apply(
            Mode::Delta,
            vec![meta("a", Some(3)), meta("b", Some(1))],
            |m| m,
            &mut problems,
        );
        let held: Vec<_> = merged.by_id.values().map(|m| m.location.clone()).collect();
        // "a" was modified later than the delta row; "b" had no date.
        assert_eq!(held, ["f.csv line 5", "f.csv line 1"]);
        merged.apply(Mode::Bulk, vec![meta("c", None)], |m| m, &mut problems);
        assert_eq!(merged.into_vec().len(), 1);
        assert!(problems.is_empty());
    }
}

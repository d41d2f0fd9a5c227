//! A generated district written as a OneRoster 1.1 CSV package (bulk), so
//! the OneRoster reader can be tested against the same district as the
//! eSchoolPLUS path.
//!
//! The mapping is documented on [`write_oneroster_csv`].

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use rostersync_core::model::sis::{EnrollmentRole, Person, PersonStatus, SisRole, Subject, Term};

use super::District;

/// The `sourcedId` of the district org, parent of every school.
pub const DISTRICT_ORG: &str = "district";

/// One CSV file being written, RFC 4180 with CRLF line ends.
struct CsvFile {
    out: BufWriter<File>,
}

impl CsvFile {
    /// Creates `name` in `dir` and writes `header` (column names joined by commas).
    fn create(dir: &Path, name: &str, header: &str) -> io::Result<CsvFile> {
        let mut file = CsvFile {
            out: BufWriter::new(File::create(dir.join(name))?),
        };
        file.row(&header.split(',').collect::<Vec<_>>())?;
        Ok(file)
    }

    fn row(&mut self, fields: &[&str]) -> io::Result<()> {
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                self.out.write_all(b",")?;
            }
            self.out.write_all(quote(field).as_bytes())?;
        }
        self.out.write_all(b"\r\n")
    }

    fn finish(mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// A field as RFC 4180 writes it: quoted (quotes doubled) when it holds a
/// comma, a quote, a line break or space at either end.
pub(crate) fn quote(field: &str) -> std::borrow::Cow<'_, str> {
    let needs = field.contains([',', '"', '\r', '\n'])
        || field.starts_with(char::is_whitespace)
        || field.ends_with(char::is_whitespace);
    if needs {
        format!("\"{}\"", field.replace('"', "\"\"")).into()
    } else {
        field.into()
    }
}

/// The CEDS grade level of a SIS grade code: kindergarten codes are `KG`,
/// pre-kindergarten `PK`, everything else as written.
pub(crate) fn ceds_grade(code: &str) -> &str {
    match code {
        "KF" | "KH" | "K" | "KG" | "00" => "KG",
        "PK" | "P3" | "P4" | "-1" => "PK",
        other => other,
    }
}

/// The CEDS grade of a numeric grade (-1 pre-K, 0 K, 1..=13).
fn ceds_number(grade: i8) -> String {
    match grade {
        i8::MIN..=-1 => "PK".to_owned(),
        0 => "KG".to_owned(),
        n => format!("{n:02}"),
    }
}

fn subject_name(subject: Subject) -> &'static str {
    match subject {
        Subject::Other => "Other",
        Subject::HealthPe => "Health and Physical Education",
        Subject::LanguageArts => "English Language Arts",
        Subject::Mathematics => "Mathematics",
        Subject::ProfessionalDevelopment => "Professional Development",
        Subject::Science => "Science",
        Subject::SocialStudies => "Social Studies",
        Subject::SpecialEducation => "Special Education",
        Subject::Technology => "Technology",
        Subject::Arts => "Arts",
    }
}

/// The session type of a term at `depth` in its hierarchy (0 = no parent).
fn session_type(depth: usize) -> &'static str {
    match depth {
        0 => "schoolYear",
        1 => "semester",
        _ => "gradingPeriod",
    }
}

/// How many parents a term has above it (cycles stop at the term count).
fn depth(term: &Term, by_key: &BTreeMap<&str, &Term>) -> usize {
    let mut depth = 0;
    let mut at = term;
    while let Some(parent) = at.parent.as_ref().and_then(|p| by_key.get(p.as_str())) {
        depth += 1;
        if depth > by_key.len() {
            break;
        }
        at = parent;
    }
    depth
}

fn bool_text(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

const MANIFEST_FILES: [(&str, &str); 13] = [
    ("academicSessions", "bulk"),
    ("categories", "absent"),
    ("classes", "bulk"),
    ("classResources", "absent"),
    ("courses", "bulk"),
    ("courseResources", "absent"),
    ("demographics", "absent"),
    ("enrollments", "bulk"),
    ("lineItems", "absent"),
    ("orgs", "bulk"),
    ("resources", "absent"),
    ("results", "absent"),
    ("users", "bulk"),
];

/// Writes `district` as a OneRoster 1.1 bulk CSV package into the folder
/// `dir` (created if missing; files of the same names are replaced):
/// `manifest.csv`, `orgs.csv`, `academicSessions.csv`, `courses.csv`,
/// `classes.csv`, `users.csv` and `enrollments.csv`.
///
/// The district's own keys are the `sourcedId`s: schools, terms, courses,
/// sections and people keep theirs; the district org is [`DISTRICT_ORG`];
/// an enrollment is `{section}-{person}`.
///
/// What the 1.1 binding says, and how the district maps to it:
///
/// * `orgs.csv`: the district org (type `district`) and every school (type
///   `school`, `identifier` = the school code, parent = the district).
/// * `academicSessions.csv`: every term; a term without parent is a
///   `schoolYear`, its children `semester`s, deeper ones `gradingPeriod`s;
///   `endDate` is the term's last day, as the district holds it.
/// * `courses.csv`: `orgSourcedId` = the course's school, `grades` the CEDS
///   codes from its lowest to its highest grade, `subjects` a subject name;
///   an inactive course is `tobedeleted` (1.1 has no other status).
/// * `classes.csv`: `classType` scheduled, `location` = the room.
/// * `users.csv`: `role` student, teacher or guardian; `orgSourcedIds` the
///   primary school first; `agentSourcedIds` a student's guardians and a
///   guardian's students; `grades` the CEDS grade (`KF` is written `KG`);
///   an inactive person has `enabledUser` false, a withdrawn one is
///   `tobedeleted`. A key the district lists twice is written once (a
///   package holds one row per `sourcedId`). A blank name is written blank:
///   the binding requires `givenName` and `familyName`, so a reader reports
///   that row.
/// * `enrollments.csv`: each section's teachers first, undated (`primary`
///   true for the primary teacher), then the district's enrollments;
///   `endDate` is exclusive in OneRoster, so it is the day after the last day.
///
/// What 1.1 cannot carry is not written: preferred first names, graduation
/// years, course departments and cross-list groups. Records with a status
/// carry `dateLastModified` = the district's `as_of`.
///
/// # Errors
///
/// When the folder cannot be created or a file cannot be written.
pub fn write_oneroster_csv(district: &District, dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let stamp = format!("{}T00:00:00.000Z", district.as_of);
    write_manifest(dir)?;
    write_orgs(district, dir)?;
    write_sessions(district, dir)?;
    write_courses(district, dir, &stamp)?;
    write_classes(district, dir)?;
    write_users(district, dir, &stamp)?;
    write_enrollments(district, dir)
}

fn write_manifest(dir: &Path) -> io::Result<()> {
    let mut file = CsvFile::create(dir, "manifest.csv", "propertyName,value")?;
    file.row(&["manifest.version", "1.0"])?;
    file.row(&["oneroster.version", "1.1"])?;
    for (name, mode) in MANIFEST_FILES {
        file.row(&[format!("file.{name}").as_str(), mode])?;
    }
    file.row(&["source.systemName", "rostersync-sim"])?;
    file.row(&["source.systemCode", "rostersync-sim"])?;
    file.finish()
}

fn write_orgs(district: &District, dir: &Path) -> io::Result<()> {
    let mut file = CsvFile::create(
        dir,
        "orgs.csv",
        "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId",
    )?;
    let name = format!(
        "Generated District ({}, {})",
        district.size, district.school_year
    );
    file.row(&[DISTRICT_ORG, "", "", &name, "district", "", ""])?;
    for school in &district.sis.schools {
        file.row(&[
            school.key.as_str(),
            "",
            "",
            &school.name,
            "school",
            school.code.as_deref().unwrap_or(""),
            DISTRICT_ORG,
        ])?;
    }
    file.finish()
}

fn write_sessions(district: &District, dir: &Path) -> io::Result<()> {
    let mut file = CsvFile::create(
        dir,
        "academicSessions.csv",
        "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear",
    )?;
    let terms = &district.sis.terms;
    let by_key: BTreeMap<&str, &Term> = terms.iter().map(|t| (t.key.as_str(), t)).collect();
    for term in terms {
        file.row(&[
            term.key.as_str(),
            "",
            "",
            &term.title,
            session_type(depth(term, &by_key)),
            &term.start.to_string(),
            &term.end.to_string(),
            term.parent.as_ref().map_or("", |p| p.as_str()),
            &term.school_year.to_string(),
        ])?;
    }
    file.finish()
}

fn write_courses(district: &District, dir: &Path, stamp: &str) -> io::Result<()> {
    let mut file = CsvFile::create(
        dir,
        "courses.csv",
        "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes",
    )?;
    // The school-year session of each school, for `schoolYearSourcedId`.
    let mut year_of: BTreeMap<&str, &str> = BTreeMap::new();
    for term in &district.sis.terms {
        if term.parent.is_none() && term.school_year == district.school_year {
            year_of
                .entry(term.school.as_str())
                .or_insert(term.key.as_str());
        }
    }
    for course in &district.sis.courses {
        let grades = match (course.grade_low, course.grade_high) {
            (Some(low), Some(high)) => (low.min(high)..=high.max(low))
                .map(ceds_number)
                .collect::<Vec<_>>(),
            (Some(one), None) | (None, Some(one)) => vec![ceds_number(one)],
            (None, None) => Vec::new(),
        };
        let (status, modified) = if course.active {
            ("", "")
        } else {
            ("tobedeleted", stamp)
        };
        file.row(&[
            course.key.as_str(),
            status,
            modified,
            year_of.get(course.school.as_str()).copied().unwrap_or(""),
            &course.title,
            &course.code,
            &grades.join(","),
            course.school.as_str(),
            course.subject.map_or("", subject_name),
            "",
        ])?;
    }
    file.finish()
}

fn write_classes(district: &District, dir: &Path) -> io::Result<()> {
    let mut file = CsvFile::create(
        dir,
        "classes.csv",
        "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods",
    )?;
    for section in &district.sis.sections {
        let terms: Vec<&str> = section.terms.iter().map(|t| t.as_str()).collect();
        file.row(&[
            section.key.as_str(),
            "",
            "",
            &section.title,
            "",
            section.course.as_str(),
            &section.code,
            "scheduled",
            section.room.as_deref().unwrap_or(""),
            section.school.as_str(),
            &terms.join(","),
            "",
            "",
            &section.periods.join(","),
        ])?;
    }
    file.finish()
}

fn role_name(role: SisRole) -> &'static str {
    match role {
        SisRole::Student => "student",
        SisRole::Teacher => "teacher",
        SisRole::Guardian => "guardian",
    }
}

fn write_users(district: &District, dir: &Path, stamp: &str) -> io::Result<()> {
    let mut file = CsvFile::create(
        dir,
        "users.csv",
        "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password",
    )?;
    let mut agents: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for link in &district.sis.guardian_links {
        for (from, to) in [
            (&link.student, &link.guardian),
            (&link.guardian, &link.student),
        ] {
            let list = agents.entry(from.as_str()).or_default();
            if !list.contains(&to.as_str()) {
                list.push(to.as_str());
            }
        }
    }
    let mut written = HashSet::new();
    for person in &district.sis.people {
        if !written.insert(person.key.as_str()) {
            continue;
        }
        write_user(&mut file, person, &agents, stamp)?;
    }
    file.finish()
}

fn write_user(
    file: &mut CsvFile,
    person: &Person,
    agents: &BTreeMap<&str, Vec<&str>>,
    stamp: &str,
) -> io::Result<()> {
    let (status, modified) = match person.status {
        PersonStatus::Withdrawn => ("tobedeleted", stamp),
        PersonStatus::Active | PersonStatus::Inactive => ("", ""),
    };
    let orgs: Vec<&str> = person.schools().map(|s| s.as_str()).collect();
    let key = person.key.as_str();
    file.row(&[
        key,
        status,
        modified,
        bool_text(person.status != PersonStatus::Inactive),
        &orgs.join(","),
        role_name(person.role),
        person.username.as_deref().unwrap_or(""),
        &format!("{{SIS:{key}}}"),
        &person.name.first,
        &person.name.last,
        person.name.middle.as_deref().unwrap_or(""),
        key,
        person.email.as_deref().unwrap_or(""),
        "",
        "",
        &agents
            .get(key)
            .map(|list| list.join(","))
            .unwrap_or_default(),
        person.grade.as_deref().map_or("", ceds_grade),
        "",
    ])
}

fn write_enrollments(district: &District, dir: &Path) -> io::Result<()> {
    let mut file = CsvFile::create(
        dir,
        "enrollments.csv",
        "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate",
    )?;
    let sis = &district.sis;
    let school_of: BTreeMap<&str, &str> = sis
        .sections
        .iter()
        .map(|s| (s.key.as_str(), s.school.as_str()))
        .collect();
    let mut ids: HashSet<String> = HashSet::new();
    let mut id_for = |section: &str, person: &str| {
        let base = format!("{section}-{person}");
        let mut id = base.clone();
        let mut n = 1;
        while !ids.insert(id.clone()) {
            n += 1;
            id = format!("{base}-{n}");
        }
        id
    };
    let mut teaching: HashSet<(&str, &str)> = HashSet::new();
    for section in &sis.sections {
        for teacher in section.teachers() {
            if !teaching.insert((section.key.as_str(), teacher.as_str())) {
                continue;
            }
            let primary = section.primary_teacher.as_ref() == Some(teacher);
            file.row(&[
                id_for(section.key.as_str(), teacher.as_str()).as_str(),
                "",
                "",
                section.key.as_str(),
                section.school.as_str(),
                teacher.as_str(),
                "teacher",
                bool_text(primary),
                "",
                "",
            ])?;
        }
    }
    for enrollment in &sis.enrollments {
        let (section, person) = (enrollment.section.as_str(), enrollment.person.as_str());
        let role = match enrollment.role {
            EnrollmentRole::Student => "student",
            // Already written from the section's teachers.
            EnrollmentRole::Teacher if teaching.contains(&(section, person)) => continue,
            EnrollmentRole::Teacher => "teacher",
        };
        let end = enrollment
            .end
            .map(|end| end.succ_opt().unwrap_or(end).to_string());
        file.row(&[
            id_for(section, person).as_str(),
            "",
            "",
            section,
            school_of.get(section).copied().unwrap_or(""),
            person,
            role,
            bool_text(enrollment.primary),
            &enrollment.begin.map(|d| d.to_string()).unwrap_or_default(),
            end.as_deref().unwrap_or(""),
        ])?;
    }
    file.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(quote("O'Brien"), "O'Brien");
        assert_eq!(quote("伟"), "伟");
        assert_eq!(quote("Smith, Jr."), "\"Smith, Jr.\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("two\nlines"), "\"two\nlines\"");
        assert_eq!(quote(" padded"), "\" padded\"");
        assert_eq!(quote(""), "");
    }

    #[test]
    fn grades_are_ceds_codes() {
        assert_eq!(ceds_grade("KF"), "KG");
        assert_eq!(ceds_grade("07"), "07");
        assert_eq!(ceds_number(-1), "PK");
        assert_eq!(ceds_number(0), "KG");
        assert_eq!(ceds_number(9), "09");
    }

    #[test]
    fn a_package_has_every_file_and_one_row_per_person() {
        let district = super::super::generate(super::super::DistrictSize::Small, 3, 2026);
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        write_oneroster_csv(&district, dir).unwrap();
        for name in [
            "manifest.csv",
            "orgs.csv",
            "academicSessions.csv",
            "courses.csv",
            "classes.csv",
            "users.csv",
            "enrollments.csv",
        ] {
            assert!(dir.join(name).is_file(), "{name}");
        }
        let users = std::fs::read_to_string(dir.join("users.csv")).unwrap();
        let distinct: HashSet<&str> = district.sis.people.iter().map(|p| p.key.as_str()).collect();
        // The duplicated student record is written once; no name has a line break.
        assert!(distinct.len() < district.sis.people.len());
        assert_eq!(users.lines().count(), distinct.len() + 1);
        let orgs = std::fs::read_to_string(dir.join("orgs.csv")).unwrap();
        assert_eq!(orgs.lines().count(), district.sis.schools.len() + 2);
    }
}

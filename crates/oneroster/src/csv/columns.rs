//! The files the reader reads and their columns as the 1.1 and 1.2 CSV
//! bindings name them: which are required, which are known, and the known
//! name a misspelled column most likely meant.

use rostersync_ports::RecordKind;

/// One CSV file of a package.
#[derive(Debug)]
pub(crate) struct Spec {
    /// The file name without `.csv`, as the manifest names it.
    pub(crate) name: &'static str,
    /// The kind of record a row is.
    pub(crate) record: RecordKind,
    /// Every column of the file in either version, as a header line.
    known: &'static str,
    /// The columns the reader cannot do without: missing, the read fails.
    pub(crate) required: &'static [&'static str],
}

/// `manifest.csv`.
pub(crate) const MANIFEST: Spec = Spec {
    name: "manifest",
    record: RecordKind::File,
    known: "propertyName,value",
    required: &["propertyName", "value"],
};

/// `orgs.csv`.
pub(crate) const ORGS: Spec = Spec {
    name: "orgs",
    record: RecordKind::School,
    known: "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId",
    required: &["sourcedId", "name", "type"],
};

/// `academicSessions.csv`.
pub(crate) const SESSIONS: Spec = Spec {
    name: "academicSessions",
    record: RecordKind::Term,
    known: "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,\
            schoolYear",
    required: &[
        "sourcedId",
        "title",
        "type",
        "startDate",
        "endDate",
        "schoolYear",
    ],
};

/// `courses.csv`.
pub(crate) const COURSES: Spec = Spec {
    name: "courses",
    record: RecordKind::Course,
    known: "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,\
            orgSourcedId,subjects,subjectCodes",
    required: &["sourcedId", "title", "orgSourcedId"],
};

/// `classes.csv`.
pub(crate) const CLASSES: Spec = Spec {
    name: "classes",
    record: RecordKind::Section,
    known: "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,\
            location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods",
    required: &[
        "sourcedId",
        "title",
        "courseSourcedId",
        "schoolSourcedId",
        "termSourcedIds",
    ],
};

/// `users.csv`: the 1.1 columns and those 1.2 added.
pub(crate) const USERS: Spec = Spec {
    name: "users",
    record: RecordKind::Person,
    known: "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,\
            givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,\
            password,userMasterIdentifier,preferredGivenName,preferredMiddleName,\
            preferredFamilyName,primaryOrgSourcedId,pronouns",
    required: &["sourcedId", "givenName", "familyName"],
};

/// Further required columns of a 1.1 `users.csv`.
pub(crate) const USERS_1_1: &[&str] = &["role", "orgSourcedIds"];

/// `roles.csv` (1.2): its rows are part of their users' records.
pub(crate) const ROLES: Spec = Spec {
    name: "roles",
    record: RecordKind::Person,
    known: "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,\
            orgSourcedId,userProfileSourcedId",
    required: &[
        "sourcedId",
        "userSourcedId",
        "roleType",
        "role",
        "orgSourcedId",
    ],
};

/// `enrollments.csv`.
pub(crate) const ENROLLMENTS: Spec = Spec {
    name: "enrollments",
    record: RecordKind::Enrollment,
    known: "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,\
            primary,beginDate,endDate",
    required: &[
        "sourcedId",
        "classSourcedId",
        "schoolSourcedId",
        "userSourcedId",
        "role",
    ],
};

/// Every file the reader reads.
pub(crate) const READ: [&Spec; 7] = [
    &ORGS,
    &SESSIONS,
    &COURSES,
    &CLASSES,
    &USERS,
    &ROLES,
    &ENROLLMENTS,
];

/// A header cell with case and spacing set aside, for matching.
fn folded(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace() && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// How a header cell reads against the known columns of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Column {
    /// A known column, written as the binding writes it.
    Known(&'static str),
    /// A known column written with other case or spacing.
    Respelled(&'static str),
    /// An extension column the binding allows (`metadata.` prefix).
    Extension,
    /// Not a column of the file; the known column it most likely meant.
    Unknown(Option<&'static str>),
}

impl Spec {
    /// What the header cell `name` (trimmed) is.
    pub(crate) fn column(&self, name: &str) -> Column {
        let known = || self.known.split(',');
        if let Some(known) = known().find(|k| *k == name) {
            return Column::Known(known);
        }
        let wanted = folded(name);
        if let Some(known) = known().find(|k| folded(k) == wanted) {
            return Column::Respelled(known);
        }
        if wanted.starts_with("metadata.") {
            return Column::Extension;
        }
        let likely = known()
            .map(|known| (distance(&folded(known), &wanted), known))
            .filter(|(d, known)| *d <= 2 && 3 * *d <= known.len())
            .min_by_key(|(d, _)| *d)
            .map(|(_, known)| known);
        Column::Unknown(likely)
    }
}

/// The edit distance between two strings: insertions, deletions,
/// substitutions and swaps of two neighbours, one each.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misspelled_and_respelled_columns_are_told_apart() {
        assert_eq!(USERS.column("givenName"), Column::Known("givenName"));
        assert_eq!(USERS.column("Given Name"), Column::Respelled("givenName"));
        assert_eq!(
            USERS.column("prefferedGivenName"),
            Column::Unknown(Some("preferredGivenName"))
        );
        assert_eq!(
            USERS.column("dataLastModified"),
            Column::Unknown(Some("dateLastModified"))
        );
        assert_eq!(USERS.column("shoeSize"), Column::Unknown(None));
        assert_eq!(USERS.column("metadata.house"), Column::Extension);
    }

    #[test]
    fn every_required_column_is_known() {
        for spec in READ.iter().chain([&&MANIFEST]) {
            for column in spec.required.iter().chain(USERS_1_1) {
                if spec.name == "users" || !USERS_1_1.contains(column) {
                    assert_eq!(spec.column(column), Column::Known(column), "{}", spec.name);
                }
            }
        }
    }

    #[test]
    fn edit_distance() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("same", "same"), 0);
        assert_eq!(distance("tpye", "type"), 1);
    }
}

//! Every assumption about eSchoolPLUS that the public record leaves open, in one place.
//!
//! The facts this crate builds on come from district scripts that drive the
//! eSchoolPLUS web application (see the reference, part A2): the logon form
//! with its anti-forgery token, the environment page, the task list, the file
//! store and the upload/download definitions. What those scripts do not show
//! is decided here, once, with the reason, so that correcting it against a
//! real server is a change to this file only.
//!
//! Each item says **ASSUMPTION** where it is a guess and **FACT** where the
//! reference confirms it. Values are constants below; assumptions about
//! behaviour are listed here, each with the function that embodies it:
//!
//! 1. Changing the school year means logging on again (the environment is
//!    posted once per logon) — `Session::select_year`.
//! 2. Saving a definition whose interface id exists replaces it (FACT: the
//!    scripts save over their own ids). The server keeps what it saved:
//!    rostersync reads `LTDB_INTERFACE_DEF` (FACT: a table of the schema
//!    with `INTERFACE_ID` and `DESCRIPTION`) through its own catalogue
//!    definition once per session, and saves a definition only when the
//!    description there (which carries a hash of the content) differs from
//!    the one it would send. ASSUMPTION: a run of an interface id the server
//!    does not hold is refused with a validation message; rostersync then
//!    saves its catalogue definition — `connection::Connection::prepare`.
//! 3. After saving definitions, the session is established again before
//!    running them (FACT: the public scripts log on again after every save,
//!    "Must reauthenticate", reason unknown; ASSUMPTION that a run in the same
//!    session would fail) — `connection::Connection::prepare`.
//! 4. The file a header writes is listed in `Reports` with `DisplayName`
//!    equal to the header's `FileName` (or a `RawFileName` containing its
//!    stem); `RawFileName` is what `FileStream` and `DeleteTasksAndReports`
//!    take — `tasks::TaskList::report`. A definition with several headers
//!    writes one file per header from one run (FACT: the public bulk export
//!    definitions hold one header per table and are run once).
//! 5. A task's `TaskName` contains the interface id it runs; a download is
//!    done when no active task names it and its files are listed, an upload
//!    when an inactive task names it; an inactive task naming it with
//!    `ErrorOccurred = True` failed — `tasks::wait`.
//! 6. When a marking period has dates on several tracks, its term spans from
//!    the earliest start to the latest end — `map::terms`.
//! 7. `DATE_DROPPED` is an enrollment's last day and becomes its inclusive
//!    end date unchanged; an enrollment with an open date range has no end —
//!    `map::schedule::student_enrollments`.
//! 8. One section per `SECTION_KEY` and `COURSE_SESSION` (the gradebook keys
//!    on both); a student scheduled into a section is enrolled in each of its
//!    sessions — `map::schedule`.
//! 9. Gradebook items are limited to a term by their due date falling inside
//!    the marking period's dates; items without a due date belong to every
//!    term — `grades::read`.
//! 10. A student's expected graduation year is `REG_ACADEMIC.GRADUATION_YEAR`
//!     (FACT: the column exists in the schema; ASSUMPTION: it holds the
//!     expected graduation year), one row per `STUDENT_ID`, read for the same
//!     students as `REG`. A student without a row has no graduation year; a
//!     value that is not a four-digit year is a problem of that row and the
//!     student is read without one — `map::people::students`.
//! 11. Course grade ranges: `SCHD_COURSE.MIN_GRADE` and `MAX_GRADE` (FACT)
//!     hold `REG_GRADE` codes (FACT: `PK`, `KA`, `KF`, `KP`, `01`..`12` and
//!     district codes such as `SS`). ASSUMPTION: `PK` is pre-kindergarten
//!     (core level -1), `KA`, `KF` and `KP` are kindergarten (half day AM,
//!     full day, half day PM; level 0), and `01`..`12` are grades 1 to 12;
//!     any other code is a problem of the course row, which is read with that
//!     end of its range unset (see [`values::GRADE_PRE_K`]) —
//!     `map::schedule::courses`.
//! 12. `SCHD_COURSE.DEPARTMENT` (FACT) becomes the course's department as
//!     written (the department code, not a looked-up title). FACT: the
//!     reference names no subject column for courses, so a course's subject
//!     is left unset rather than guessed from its department —
//!     `map::schedule::courses`.
//! 13. The gradebook tables (`MR_GB_ASMT`, `MR_GB_STU_SCORE`,
//!     `MR_GB_CAT_SESSION`) can be read by a download definition. RISK: a
//!     list in the public scripts' repository (`Tables_That_Can_Not_Be_Exported.txt`,
//!     2023) names them among tables its bulk export could not export, reason
//!     not given; `rostersync check` runs the gradebook definition (with a
//!     filter that selects nothing) when grade passback is configured, so a
//!     server that refuses them says so at set-up — `definitions::gradebook`.

/// The application path appended to a bare domain (`district.example` →
/// `https://district.example/eSchoolPLUS`). FACT: hosted servers use
/// `/eSchoolPLUS`; older servers used `/eSchoolPLUS40`, which the caller can
/// pass explicitly as part of the domain.
pub const APP_PATH: &str = "/eSchoolPLUS";

/// Paths below the application base. FACT (reference A2).
pub mod paths {
    /// The logon form (GET) and its post (POST).
    pub const LOGON: &str = "Account/LogOn";
    /// The environment (site code and school year) post.
    pub const SET_ENVIRONMENT: &str = "Account/SetEnvironment/SessionStart";
    /// Ends the session.
    pub const LOGOFF: &str = "Account/LogOff";
    /// The task and report (file) list.
    pub const TASKS: &str = "Task/TaskAndReportData";
    /// Downloads one file of the user's file area.
    pub const FILE_STREAM: &str = "ReportViewer/FileStream";
    /// Uploads a file into the user's file area.
    pub const UPLOAD_FILE: &str = "Utility/UploadFile";
    /// Deletes files and tasks.
    pub const DELETE: &str = "Task/DeleteTasksAndReports";
    /// Clears a task that failed.
    pub const CLEAR_ERRORED: &str = "Task/ClearErroredTask";
    /// Runs a download definition.
    pub const RUN_DOWNLOAD: &str = "Utility/RunDownload";
    /// Runs an upload definition.
    pub const RUN_UPLOAD: &str = "Utility/RunUpload";
    /// Saves an upload or download definition.
    pub const SAVE_DEFINITION: &str = "Utility/SaveUploadDownload";
}

/// Form and JSON field names. FACT (reference A2) unless marked.
pub mod fields {
    /// The anti-forgery token, a hidden input on the logon page (and a cookie).
    pub const TOKEN: &str = "__RequestVerificationToken";
    /// Login name.
    pub const USER_NAME: &str = "UserName";
    /// Password.
    pub const PASSWORD: &str = "Password";
    /// Hidden server name on the environment page.
    pub const SERVER_NAME: &str = "ServerName";
    /// The environment `<select>`: the site code is one of its option values.
    pub const DATABASE: &str = "EnvironmentConfiguration.Database";
    /// The school year (ending year).
    pub const SCHOOL_YEAR: &str = "EnvironmentConfiguration.SchoolYear";
    /// Summer school flag.
    pub const SUMMER_SCHOOL: &str = "EnvironmentConfiguration.SummerSchool";
    /// Impersonation (left empty).
    pub const IMPERSONATED_USER: &str = "EnvironmentConfiguration.ImpersonatedUser";
    /// Error text field posted with the environment (left empty).
    pub const USER_ERROR_MESSAGE: &str = "UserErrorMessage";
    /// Multipart field of the upload.
    pub const FILE_TO_UPLOAD: &str = "FileToUpload";
}

/// The class names the task scheduler runs. FACT for 21.4 servers; older
/// servers used `LTDB4_0.*`. ASSUMPTION: every server rostersync meets is 21.4
/// or later.
pub const RUN_DOWNLOAD_CLASS: &str = "LTDB21_4.CRunDownload";
/// See [`RUN_DOWNLOAD_CLASS`].
pub const RUN_UPLOAD_CLASS: &str = "LTDB21_4.CRunUpload";

/// ASSUMPTION: an upload run with `UpdateBlankRec = "N"` leaves a stored value
/// in place when the file's field is blank. A score that changes from a mark
/// (missing, excused) to points must clear the mark, so grade uploads run
/// with blank values overwriting (`"Y"`): every column rostersync uploads is
/// one it owns for that score.
pub const UPDATE_BLANK_RECORDS: &str = "Y";

/// ASSUMPTION: the schedule fields that make `RunDownload` and `RunUpload`
/// run the definition once, now (the scripts post schedule fields; an empty
/// date and time is taken to mean "now").
pub const RUN_NOW_FIELDS: &[(&str, &str)] = &[
    ("TaskScheduler.CurrentTask.ScheduleType", "O"),
    ("TaskScheduler.CurrentTask.SchdInterval", "1"),
    ("TaskScheduler.CurrentTask.ScheduledTimeDate", ""),
    ("TaskScheduler.CurrentTask.ScheduledTimeTime", ""),
];

/// The `PageState` a successful run or save answers with. FACT for runs;
/// ASSUMPTION that saving a definition answers the same way.
pub const PAGE_STATE_OK: i64 = 2;

/// ASSUMPTION: a refusal for lack of the RUNLOAD or LOADDEFS permission is an
/// HTTP 403, or a validation message containing one of these words
/// (compared case-insensitively).
pub const PERMISSION_WORDS: &[&str] = &["permission", "runload", "loaddefs", "not authorized"];

/// ASSUMPTION: the logon page shows the product version as `Version X.Y...`
/// (case-insensitive); when it does, a major version below 3 is refused
/// (Schoology's own connector requires 3.0 or later). Year-based versions
/// such as 21.4 pass.
pub const VERSION_MARKER: &str = "version";
/// The oldest supported major version.
pub const MIN_MAJOR_VERSION: u32 = 3;

/// ASSUMPTION: after logon, an expired session answers any request with a
/// redirect (to the logon page) or with 401; the scripts treat any redirect of
/// the session check as expiry (FACT), and this crate does the same for every
/// request.
pub const EXPIRED_STATUSES: &[u16] = &[401, 440];

/// The download file format.
pub mod file {
    /// FACT (scripts' choice): `|` between fields.
    pub const DELIMITER: char = '|';
    /// FACT (scripts' choice): `#!#` ends a record, because eSchoolPLUS does not
    /// escape line breaks or delimiters inside fields.
    ///
    /// FACT (reference §A2.1): the terminator is the value of a last column
    /// that names the real `spi_checklist_setup_hdr.RC_RUN`, shadowed by a
    /// derived one-row table joined in `AdditionalSql` (see
    /// [`crate::sql::terminator_join`]) and labelled `#!#` by its
    /// `ColumnOverride`; so each record, the header row included, is written
    /// as `f1|f2|...|fn|#!#` followed by CR LF.
    pub const TERMINATOR: &str = "#!#";
    /// The real table the terminator column names (FACT, §A2.1).
    pub const TERMINATOR_TABLE: &str = "spi_checklist_setup_hdr";
    /// The real column the terminator column names (FACT, §A2.1).
    pub const TERMINATOR_COLUMN: &str = "RC_RUN";
    /// The terminator detail's `FieldId` and `FieldOrder` (FACT: the scripts use 99).
    pub const TERMINATOR_FIELD: usize = 99;
    /// `FieldLength` of every other detail (FACT: the scripts send 255).
    pub const FIELD_LENGTH: usize = 255;
    /// What ends a record in a downloaded file (see [`TERMINATOR`]).
    pub const RECORD_END: &str = "|#!#";
    /// ASSUMPTION: the first record holds the column names (the definition
    /// asks for column headers), so fields are found by name, not position.
    pub const COLUMN_HEADERS: bool = true;
    /// ASSUMPTION: upload files are one record per CRLF line with `|` between
    /// fields and no terminator column; text fields are flattened (line breaks
    /// and `|` become spaces and `/`) before writing.
    pub const UPLOAD_RECORD_END: &str = "";
    /// ASSUMPTION: dates arrive as `MM/DD/YYYY` or `YYYY-MM-DD`, optionally
    /// followed by a time, which is ignored.
    pub const DATE_FORMATS: &[&str] = &["%m/%d/%Y", "%Y-%m-%d"];
}

/// Definitions rostersync saves on the server.
pub mod definitions {
    /// ASSUMPTION: interface ids starting `RS` are free for rostersync
    /// (interface ids are exactly five characters, FACT).
    pub const INTERFACE_PREFIX: &str = "RS";
    /// Every building.
    pub const BUILDINGS: &str = "RSBLD";
    /// The marking periods of a year.
    pub const TERMS: &str = "RSTRM";
    /// A roster read.
    pub const ROSTER: &str = "RSROS";
    /// The catalogue of rostersync's definitions on the server.
    pub const CATALOGUE: &str = "RSDEF";
    /// A gradebook read.
    pub const GRADEBOOK: &str = "RSGBK";
    /// The upload of gradebook assignments.
    pub const ASSIGNMENT_UPLOAD: &str = "RSGBA";
    /// The upload of gradebook scores.
    pub const SCORE_UPLOAD: &str = "RSGBS";
    /// Descriptions start with this (`LTDB_INTERFACE_DEF.DESCRIPTION` is
    /// `varchar(255)`, FACT).
    pub const DESCRIPTION_PREFIX: &str = "rostersync";
    /// Marks the content hash in a description.
    pub const HASH_MARK: &str = "#";
    /// Bytes of the SHA-256 of the content kept in the description (eight
    /// hex characters).
    pub const HASH_BYTES: usize = 4;
    /// The last character of a check probe's interface id: the probe of
    /// `RSROS` is `RSROZ`. No definition of rostersync ends with it.
    pub const PROBE_SUFFIX: char = 'Z';

    /// The interface id a check probe of `interface_id` is saved under.
    pub fn probe_id(interface_id: &str) -> String {
        let stem: String = interface_id.chars().take(4).collect();
        format!("{stem}{PROBE_SUFFIX}")
    }
}

/// The task list.
pub mod tasks {
    /// FACT: `ErrorOccurred` holds the text `True` or `False`.
    pub const ERROR_TRUE: &str = "true";
    /// Upload run modes. FACT.
    pub const VERIFY: &str = "V";
    /// See [`VERIFY`].
    pub const RUN: &str = "R";
}

/// How SIS records become keys and values of the core model.
pub mod keys {
    /// ASSUMPTION (our choice): students keep their raw `STUDENT_ID`, staff get
    /// `T` + `STAFF_ID`, contacts `C` + `CONTACT_ID`. Student ids that start with
    /// `T` or `C` followed by an id could collide; districts use numeric or
    /// zero-filled ids (`REG_DISTRICT.ZERO_FILL_IDS`), so this is accepted.
    pub const STAFF_PREFIX: &str = "T";
    /// See [`STAFF_PREFIX`].
    pub const CONTACT_PREFIX: &str = "C";
    /// Schools: the raw `BUILDING` number. Courses: `BUILDING-COURSE`.
    /// Sections: `SECTION_KEY-COURSE_SESSION` (the gradebook keys on both).
    /// Terms: `BUILDING-YEAR-MARKING_PERIOD` for marking periods,
    /// `BUILDING-YEAR-TERM<TERM>` for the term grouping them (marking period
    /// codes are at most three characters, so the two cannot collide) and `BUILDING-YEAR`
    /// for the school year.
    pub const KEY_SEPARATOR: &str = "-";
    /// Prefix of the synthesised term that groups marking periods with the same `TERM`.
    pub const TERM_GROUP_PREFIX: &str = "TERM";
}

/// Where the tables keep what the reference only names loosely.
pub mod academic {
    /// FACT: the table holding a student's graduation year.
    pub const TABLE: &str = "REG_ACADEMIC";
    /// FACT: a column of [`TABLE`] (the schema list of §A2.1 has it);
    /// ASSUMPTION: it holds the expected graduation year, a four-digit year.
    pub const GRADUATION_YEAR: &str = "GRADUATION_YEAR";
}

/// Values inside the tables.
pub mod values {
    /// FACT: student status codes.
    pub const STATUS_ACTIVE: &str = "A";
    /// FACT: inactive.
    pub const STATUS_INACTIVE: &str = "I";
    /// FACT: graduated.
    pub const STATUS_GRADUATED: &str = "G";
    /// FACT: `Y` / `N` flags.
    pub const YES: &str = "Y";
    /// FACT: guardian contact type.
    pub const CONTACT_GUARDIAN: &str = "G";
    /// ASSUMPTION: the student's own contact record (which holds the student's
    /// e-mail, FACT that one exists) is linked with contact type `M`.
    pub const CONTACT_SELF: &str = "M";
    /// ASSUMPTION: `MODELED = 'Y'` marks a modelled (not real) schedule row.
    pub const MODELED: &str = "Y";
    /// ASSUMPTION: regular-year sections have `SUMMER_SCHOOL = 'N'`.
    pub const NOT_SUMMER: &str = "N";
    /// ASSUMPTION: the grade code of pre-kindergarten (core grade level -1).
    pub const GRADE_PRE_K: &[&str] = &["PK"];
    /// ASSUMPTION: the grade codes of kindergarten (core grade level 0): half
    /// day AM, full day, half day PM.
    pub const GRADE_KINDERGARTEN: &[&str] = &["KA", "KF", "KP"];
    /// ASSUMPTION: grades 1 to 12 are their number, usually zero-filled (`01`).
    pub const GRADE_NUMBERED: std::ops::RangeInclusive<i8> = 1..=12;
}

/// Gradebook writes.
pub mod grades {
    /// ASSUMPTION: the stable external id of an item rostersync writes is kept
    /// in `MR_GB_ASMT.DESC_DETAIL` after this marker (the SIF/API id tables
    /// are not reachable through a single-table upload), so a repeat finds the
    /// item again and updates its `ASMT_NUMBER` instead of adding one.
    pub const EXTERNAL_ID_MARKER: &str = "[rostersync:";
    /// ASSUMPTION: alpha mark codes written for statuses without points
    /// (district alpha marks `MR_GB_ALPHA_MARKS` must define them).
    pub const ALPHA_MISSING: &str = "M";
    /// See [`ALPHA_MISSING`].
    pub const ALPHA_INCOMPLETE: &str = "I";
    /// ASSUMPTION: the exception code written for an excused score.
    pub const EXCEPTION_EXCUSED: &str = "EX";
}

//! The columns rostersync reads and writes, per table. Every name is a
//! column of the eSP schema (the client's schema test checks them against
//! the list the simulator embeds).

/// `REG_BUILDING`.
pub const BUILDINGS: &[&str] = &["BUILDING", "ABBREVIATION", "STATE_CODE_EQUIV", "NAME"];
/// `REG_MP_WEEKS`.
pub const MP_WEEKS: &[&str] = &[
    "BUILDING",
    "SCHOOL_YEAR",
    "MARKING_PERIOD",
    "MP_ORDER",
    "TERM",
    "RC_RUN",
    "DESCRIPTION",
];
/// `REG_MP_DATES`.
pub const MP_DATES: &[&str] = &[
    "BUILDING",
    "SCHOOL_YEAR",
    "TRACK",
    "MARKING_PERIOD",
    "START_DATE",
    "END_DATE",
];
/// `REG`.
pub const STUDENTS: &[&str] = &[
    "STUDENT_ID",
    "BUILDING",
    "GRADE",
    "CURRENT_STATUS",
    "FIRST_NAME",
    "MIDDLE_NAME",
    "LAST_NAME",
    "NICKNAME",
];
/// `REG_ACADEMIC` (the year's meaning is an assumption, see
/// [`academic`](crate::assumptions::academic)).
pub const ACADEMIC: &[&str] = &["STUDENT_ID", crate::assumptions::academic::GRADUATION_YEAR];
/// `REG_STU_CONTACT`.
pub const STUDENT_CONTACTS: &[&str] = &[
    "STUDENT_ID",
    "CONTACT_ID",
    "CONTACT_TYPE",
    "CONTACT_PRIORITY",
];
/// `REG_CONTACT`.
pub const CONTACTS: &[&str] = &[
    "CONTACT_ID",
    "FIRST_NAME",
    "MIDDLE_NAME",
    "LAST_NAME",
    "EMAIL",
    "LOGIN_ID",
];
/// `REG_STAFF`.
pub const STAFF: &[&str] = &[
    "STAFF_ID",
    "FIRST_NAME",
    "MIDDLE_NAME",
    "LAST_NAME",
    "EMAIL",
    "LOGIN_ID",
];
/// `REG_STAFF_BLDGS`.
pub const STAFF_BUILDINGS: &[&str] = &[
    "STAFF_ID",
    "BUILDING",
    "ACTIVE",
    "IS_TEACHER",
    "IS_PRIMARY_BLDG",
];
/// `SCHD_COURSE`.
pub const COURSES: &[&str] = &[
    "BUILDING",
    "COURSE",
    "DEPARTMENT",
    "MIN_GRADE",
    "MAX_GRADE",
    "ACTIVE_STATUS",
    "DESCRIPTION",
];
/// `SCHD_MS`.
pub const SECTIONS: &[&str] = &[
    "SECTION_KEY",
    "BUILDING",
    "COURSE",
    "COURSE_SECTION",
    "DESCRIPTION",
];
/// `SCHD_MS_SESSION`.
pub const SESSIONS: &[&str] = &[
    "SECTION_KEY",
    "COURSE_SESSION",
    "START_PERIOD",
    "END_PERIOD",
    "ROOM_ID",
    "PRIMARY_STAFF_ID",
    "DESCRIPTION",
];
/// `SCHD_MS_STAFF`.
pub const SECTION_STAFF: &[&str] = &["SECTION_KEY", "COURSE_SESSION", "STAFF_ID"];
/// `SCHD_MS_MP`.
pub const SECTION_MPS: &[&str] = &["SECTION_KEY", "COURSE_SESSION", "MARKING_PERIOD"];
/// `SCHD_STU_COURSE`.
pub const STUDENT_COURSES: &[&str] = &["STUDENT_ID", "SECTION_KEY", "MODELED", "COURSE_STATUS"];
/// `SCHD_STU_CRS_DATES`.
pub const STUDENT_COURSE_DATES: &[&str] = &[
    "STUDENT_ID",
    "SECTION_KEY",
    "MODELED",
    "DATE_RANGE_KEY",
    "DATE_ADDED",
    "DATE_DROPPED",
];
/// `SCHD_MS`, as a gradebook read needs it: which building and year a section is of.
pub const SECTION_SCHOOLS: &[&str] = &["SECTION_KEY", "BUILDING", "SCHOOL_YEAR"];
/// `MR_GB_ASMT`: assignments.
pub const ASSIGNMENTS: &[&str] = &[
    "SECTION_KEY",
    "COURSE_SESSION",
    "ASMT_NUMBER",
    "CATEGORY",
    "DUE_DATE",
    "POINTS",
    "WEIGHT",
    "DESCRIPTION",
    "DESC_DETAIL",
];
/// `MR_GB_STU_SCORE`: scores.
pub const SCORES: &[&str] = &[
    "SECTION_KEY",
    "COURSE_SESSION",
    "ASMT_NUMBER",
    "STUDENT_ID",
    "ASMT_SCORE",
    "ASMT_ALPHA_MARK",
    "ASMT_EXCEPTION",
];
/// `MR_GB_CAT_SESSION`: a section session's categories per marking period.
pub const CATEGORIES: &[&str] = &[
    "SECTION_KEY",
    "COURSE_SESSION",
    "CATEGORY",
    "MARKING_PERIOD",
    "CATEGORY_WEIGHT",
    "DROP_LOWEST",
];
/// `LTDB_INTERFACE_DEF`: the definitions the server holds.
pub const INTERFACES: &[&str] = &["INTERFACE_ID", "DESCRIPTION"];

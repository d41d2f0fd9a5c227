//! Course catalogs of elementary, middle and high schools, in priority order
//! (a school with few sections offers the first courses of its catalog).

use rostersync_core::model::sis::Subject;

use super::schools::Level;

/// The terms a section of a course meets in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TermKind {
    /// The whole year.
    Year,
    /// One semester (sections alternate S1 and S2).
    Semester,
    /// Both semesters, listed as two terms.
    TwoSemesters,
}

/// One catalog entry.
#[derive(Debug, Clone)]
pub(crate) struct CourseDef {
    pub(crate) code: String,
    pub(crate) title: String,
    pub(crate) department: &'static str,
    pub(crate) subject: Subject,
    pub(crate) low: i8,
    pub(crate) high: i8,
    pub(crate) term: TermKind,
    /// Every student of the course's grades takes it.
    pub(crate) core: bool,
    /// Meets for two consecutive periods.
    pub(crate) double: bool,
}

#[derive(Clone, Copy)]
struct Def(
    &'static str,
    &'static str,
    &'static str,
    Subject,
    i8,
    i8,
    TermKind,
    bool,
);

const ENGLISH: &str = "English";
const MATH: &str = "Mathematics";
const SCIENCE: &str = "Science";
const SOCIAL: &str = "Social Studies";
const PE: &str = "Health and Physical Education";
const ARTS: &str = "Fine Arts";
const LANGUAGES: &str = "World Languages";
const TECH: &str = "Technology";
const CTE: &str = "Career and Technical Education";
const SPED: &str = "Student Services";

use Subject::{
    Arts, HealthPe, LanguageArts, Mathematics, Other, Science as Sci, SocialStudies,
    SpecialEducation, Technology,
};
use TermKind::{Semester as Sem, TwoSemesters as Two, Year};

/// Per-grade core courses of elementary and middle schools: code prefix, title.
const GRADE_CORE: [(&str, &str, &str, Subject); 4] = [
    ("ELA", "English Language Arts", ENGLISH, LanguageArts),
    ("MATH", "Mathematics", MATH, Mathematics),
    ("SCI", "Science", SCIENCE, Sci),
    ("SS", "Social Studies", SOCIAL, SocialStudies),
];

#[rustfmt::skip]
const ELEMENTARY_SPECIALS: &[Def] = &[
    Def("PE", "Physical Education", PE, HealthPe, 0, 5, Year, false),
    Def("ART", "Art", ARTS, Arts, 0, 5, Year, false),
    Def("MUSIC", "General Music", ARTS, Arts, 0, 5, Year, false),
    Def("LIB", "Library Media", ENGLISH, LanguageArts, 0, 5, Year, false),
    Def("TECH", "Computer Lab", TECH, Technology, 0, 5, Year, false),
    Def("SPED", "Learning Support", SPED, SpecialEducation, 0, 5, Year, false),
    Def("ESL", "English Learners", SPED, LanguageArts, 0, 5, Year, false),
    Def("GT", "Gifted and Talented", SPED, Other, 3, 5, Year, false),
];

#[rustfmt::skip]
const MIDDLE_ELECTIVES: &[Def] = &[
    Def("PE", "Physical Education", PE, HealthPe, 6, 8, Year, false),
    Def("ART", "Art", ARTS, Arts, 6, 8, Sem, false),
    Def("BAND", "Concert Band", ARTS, Arts, 6, 8, Year, false),
    Def("CHORUS", "Chorus", ARTS, Arts, 6, 8, Year, false),
    Def("SPAN1", "Spanish I", LANGUAGES, Other, 7, 8, Year, false),
    Def("HEALTH", "Health", PE, HealthPe, 6, 8, Sem, false),
    Def("TECHED", "Technology Education", TECH, Technology, 6, 8, Sem, false),
    Def("CODE", "Introduction to Coding", TECH, Technology, 6, 8, Sem, false),
    Def("ALG1", "Algebra I", MATH, Mathematics, 8, 8, Year, false),
    Def("FREN1", "French I", LANGUAGES, Other, 7, 8, Year, false),
    Def("ORCH", "Orchestra", ARTS, Arts, 6, 8, Year, false),
    Def("STEM", "STEM Lab", SCIENCE, Sci, 6, 8, Sem, false),
    Def("READ", "Reading Lab", ENGLISH, LanguageArts, 6, 8, Sem, false),
    Def("FCS", "Family and Consumer Science", CTE, Other, 7, 8, Sem, false),
    Def("SPED", "Learning Support", SPED, SpecialEducation, 6, 8, Year, false),
    Def("ESL", "English Language Development", SPED, LanguageArts, 6, 8, Year, false),
];

#[rustfmt::skip]
const HIGH: &[Def] = &[
    Def("ENG9", "English 9", ENGLISH, LanguageArts, 9, 9, Year, true),
    Def("ENG10", "English 10", ENGLISH, LanguageArts, 10, 10, Year, true),
    Def("ENG11", "English 11", ENGLISH, LanguageArts, 11, 11, Year, true),
    Def("ENG12", "English 12", ENGLISH, LanguageArts, 12, 12, Year, true),
    Def("PE", "Physical Education", PE, HealthPe, 9, 12, Sem, false),
    Def("ALG1", "Algebra I", MATH, Mathematics, 9, 9, Year, true),
    Def("GEOM", "Geometry", MATH, Mathematics, 10, 10, Year, true),
    Def("ALG2", "Algebra II", MATH, Mathematics, 11, 11, Year, true),
    Def("PRECALC", "Precalculus", MATH, Mathematics, 12, 12, Year, true),
    Def("ART1", "Art I", ARTS, Arts, 9, 12, Sem, false),
    Def("BIO", "Biology", SCIENCE, Sci, 9, 9, Two, true),
    Def("CHEM", "Chemistry", SCIENCE, Sci, 10, 10, Two, true),
    Def("WHIST", "World History", SOCIAL, SocialStudies, 9, 9, Year, true),
    Def("USHIST", "U.S. History", SOCIAL, SocialStudies, 10, 10, Year, true),
    Def("PHYS", "Physics", SCIENCE, Sci, 11, 11, Two, true),
    Def("CIVICS", "Civics", SOCIAL, SocialStudies, 11, 11, Year, true),
    Def("GOV", "American Government", SOCIAL, SocialStudies, 12, 12, Sem, true),
    Def("SPAN1", "Spanish I", LANGUAGES, Other, 9, 12, Year, false),
    Def("HEALTH", "Health", PE, HealthPe, 9, 10, Sem, false),
    Def("CS1", "Computer Science Principles", TECH, Technology, 9, 12, Year, false),
    Def("BAND", "Symphonic Band", ARTS, Arts, 9, 12, Year, false),
    Def("SPAN2", "Spanish II", LANGUAGES, Other, 9, 12, Year, false),
    Def("FREN1", "French I", LANGUAGES, Other, 9, 12, Year, false),
    Def("CHOIR", "Concert Choir", ARTS, Arts, 9, 12, Year, false),
    Def("ECON", "Economics", SOCIAL, SocialStudies, 12, 12, Sem, false),
    Def("PSYCH", "Psychology", SOCIAL, SocialStudies, 11, 12, Sem, false),
    Def("ENVSCI", "Environmental Science", SCIENCE, Sci, 11, 12, Year, false),
    Def("APENG", "AP English Language", ENGLISH, LanguageArts, 11, 11, Year, false),
    Def("APLIT", "AP English Literature", ENGLISH, LanguageArts, 12, 12, Year, false),
    Def("APCALC", "AP Calculus AB", MATH, Mathematics, 12, 12, Year, false),
    Def("APSTAT", "AP Statistics", MATH, Mathematics, 11, 12, Year, false),
    Def("APBIO", "AP Biology", SCIENCE, Sci, 11, 12, Two, false),
    Def("APCHEM", "AP Chemistry", SCIENCE, Sci, 11, 12, Two, false),
    Def("APUSH", "AP U.S. History", SOCIAL, SocialStudies, 11, 11, Year, false),
    Def("APGOV", "AP Government and Politics", SOCIAL, SocialStudies, 12, 12, Year, false),
    Def("APCSA", "AP Computer Science A", TECH, Technology, 10, 12, Year, false),
    Def("SPAN3", "Spanish III", LANGUAGES, Other, 10, 12, Year, false),
    Def("SPAN4", "Spanish IV", LANGUAGES, Other, 11, 12, Year, false),
    Def("FREN2", "French II", LANGUAGES, Other, 9, 12, Year, false),
    Def("FREN3", "French III", LANGUAGES, Other, 10, 12, Year, false),
    Def("GER1", "German I", LANGUAGES, Other, 9, 12, Year, false),
    Def("GER2", "German II", LANGUAGES, Other, 10, 12, Year, false),
    Def("CHIN1", "Chinese I", LANGUAGES, Other, 9, 12, Year, false),
    Def("LATIN1", "Latin I", LANGUAGES, Other, 9, 12, Year, false),
    Def("ORCH", "Orchestra", ARTS, Arts, 9, 12, Year, false),
    Def("THEATRE", "Theatre Arts", ARTS, Arts, 9, 12, Sem, false),
    Def("ART2", "Art II", ARTS, Arts, 10, 12, Sem, false),
    Def("CERAM", "Ceramics", ARTS, Arts, 9, 12, Sem, false),
    Def("PHOTO", "Digital Photography", ARTS, Arts, 10, 12, Sem, false),
    Def("WEBDES", "Web Design", TECH, Technology, 9, 12, Sem, false),
    Def("SOC", "Sociology", SOCIAL, SocialStudies, 11, 12, Sem, false),
    Def("ANAT", "Anatomy and Physiology", SCIENCE, Sci, 11, 12, Year, false),
    Def("FORENS", "Forensic Science", SCIENCE, Sci, 11, 12, Sem, false),
    Def("CREAT", "Creative Writing", ENGLISH, LanguageArts, 10, 12, Sem, false),
    Def("JOURN", "Journalism", ENGLISH, LanguageArts, 9, 12, Year, false),
    Def("SPEECH", "Speech and Debate", ENGLISH, LanguageArts, 9, 12, Sem, false),
    Def("ACCT", "Accounting", CTE, Other, 10, 12, Sem, false),
    Def("BUS", "Introduction to Business", CTE, Other, 9, 12, Sem, false),
    Def("CULIN", "Culinary Arts", CTE, Other, 10, 12, Sem, false),
    Def("AUTO", "Automotive Technology", CTE, Technology, 11, 12, Year, false),
    Def("WELD", "Welding", CTE, Technology, 11, 12, Year, false),
    Def("ENGR", "Introduction to Engineering", CTE, Technology, 9, 12, Year, false),
    Def("ROBOT", "Robotics", TECH, Technology, 10, 12, Sem, false),
    Def("FINLIT", "Personal Finance", SOCIAL, SocialStudies, 11, 12, Sem, false),
    Def("YRBK", "Yearbook", ENGLISH, LanguageArts, 10, 12, Year, false),
    Def("SPED", "Learning Support", SPED, SpecialEducation, 9, 12, Year, false),
    Def("ESL", "English Language Development", SPED, LanguageArts, 9, 12, Year, false),
    Def("STUDY", "Study Hall", SPED, Other, 9, 12, Sem, false),
    Def("DRIVED", "Driver Education", PE, HealthPe, 10, 10, Sem, false),
];

/// Courses that meet for two consecutive periods.
const DOUBLE: &[&str] = &["AUTO", "WELD", "CULIN", "APCHEM"];

fn from_def(def: &Def) -> CourseDef {
    let Def(code, title, department, subject, low, high, term, core) = *def;
    CourseDef {
        code: code.to_owned(),
        title: title.to_owned(),
        department,
        subject,
        low,
        high,
        term,
        core,
        double: DOUBLE.contains(&code),
    }
}

fn grade_code(grade: i8) -> String {
    if grade == 0 {
        "K".to_owned()
    } else {
        grade.to_string()
    }
}

fn grade_title(grade: i8) -> String {
    if grade == 0 {
        "Kindergarten".to_owned()
    } else {
        format!("Grade {grade}")
    }
}

/// One core course per grade of the level, e.g. "ELAK", "ELA1", ...
fn per_grade(level: Level, template: usize, out: &mut Vec<CourseDef>) {
    let (prefix, title, department, subject) = GRADE_CORE[template % GRADE_CORE.len()];
    let (low, high) = level.grades();
    for grade in low..=high {
        out.push(CourseDef {
            code: format!("{prefix}{}", grade_code(grade)),
            title: format!("{title} {}", grade_title(grade)),
            department,
            subject,
            low: grade,
            high: grade,
            term: TermKind::Year,
            core: true,
            double: false,
        });
    }
}

/// The catalog of a level, most important courses first.
pub(crate) fn catalog(level: Level) -> Vec<CourseDef> {
    match level {
        Level::High => HIGH.iter().map(from_def).collect(),
        Level::Elementary | Level::Middle => {
            let extras = if level == Level::Elementary {
                ELEMENTARY_SPECIALS
            } else {
                MIDDLE_ELECTIVES
            };
            let (first, rest) = extras.split_at(3.min(extras.len()));
            let mut out = Vec::with_capacity(4 * 6 + extras.len());
            per_grade(level, 0, &mut out);
            per_grade(level, 1, &mut out);
            out.extend(first.iter().map(from_def));
            per_grade(level, 2, &mut out);
            per_grade(level, 3, &mut out);
            out.extend(rest.iter().map(from_def));
            out
        }
    }
}

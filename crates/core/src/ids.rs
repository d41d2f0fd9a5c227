//! Newtype identifiers, so that a SIS key is never mistaken for an LMS id.
//!
//! SIS keys (`SchoolKey`, `PersonKey`, ...) are the stable identifiers a SIS
//! adapter assigns; rostersync writes them into the LMS record's unique field.
//! LMS ids (`BuildingId`, `UserId`, ...) are the identifiers the LMS assigns.
//! All are opaque strings: Schoology's numeric ids arrive as numbers or strings
//! and are kept as their decimal text. Identifiers of up to 24 bytes (all
//! that real SIS keys and LMS ids are) are stored inline, without a heap
//! allocation of their own: a district holds millions of them.

use std::borrow::Borrow;
use std::fmt;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(CompactString);

        impl $name {
            /// Wraps a raw identifier.
            pub fn new(raw: impl AsRef<str>) -> Self {
                Self(CompactString::from(raw.as_ref()))
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(raw: &str) -> Self {
                Self(CompactString::from(raw))
            }
        }

        impl From<String> for $name {
            fn from(raw: String) -> Self {
                Self(CompactString::from(raw))
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
    };
}

id_type!(
    /// SIS key of a school (building).
    SchoolKey
);
id_type!(
    /// SIS key of a term (marking period, semester or school year).
    TermKey
);
id_type!(
    /// SIS key of a person (student, teacher or guardian); unique across all people.
    PersonKey
);
id_type!(
    /// SIS key of a course; unique across the district.
    CourseKey
);
id_type!(
    /// SIS key of a section; unique across the district.
    SectionKey
);
id_type!(
    /// LMS id of a building (a Schoology school or building).
    BuildingId
);
id_type!(
    /// LMS id of a role.
    RoleId
);
id_type!(
    /// LMS id of a grading period.
    GradingPeriodId
);
id_type!(
    /// LMS id of a user account.
    UserId
);
id_type!(
    /// LMS id of a course.
    CourseId
);
id_type!(
    /// LMS id of a course section.
    SectionId
);
id_type!(
    /// LMS id of an enrollment.
    EnrollmentId
);

//! The domain model: the SIS side, the LMS side, the links between them and gradebooks.

pub mod grades;
pub mod links;
pub mod lms;
pub mod sis;

/// Short text of a person or an account (names, e-mail, login, grade).
///
/// Text of up to 24 bytes, which most names and logins are, is held inline
/// rather than in a heap allocation of its own; a district holds millions of
/// such fields. It derefs to `str`, compares with `str` and `String`, and is
/// made with `Text::from` or `.into()` from either.
pub type Text = compact_str::CompactString;

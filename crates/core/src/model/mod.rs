//! The domain model: the SIS side, the LMS side, the links between them and gradebooks.

pub mod grades;
pub mod links;
pub mod lms;
pub mod sis;

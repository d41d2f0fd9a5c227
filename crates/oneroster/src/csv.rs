//! The OneRoster CSV binding: a small RFC 4180 parser, tables with named
//! columns, the rows of each file, and packages (folders or zips) with
//! their manifest.

mod columns;
mod package;
mod parse;
mod rows;
mod source;
mod table;

pub use package::Version;
pub(crate) use package::read;
pub(crate) use parse::list as split_list;

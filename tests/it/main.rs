//! rostersync's end-to-end tests, in one binary:
//! - `district`: a generated district planned and applied, then a next day.

mod district;

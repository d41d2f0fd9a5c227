//! Tests of `plan()`: focused cases, golden plan files and properties.

mod cases;
mod fixture;
mod golden;
mod props;

//! Checks on the text of every Rust file: module docs, forbidden markers, file length.
//!
//! - `module-doc`: every `.rs` file starts with a `//!` line saying what the module is for.
//! - `forbidden-marker`: no ignored or should-panic tests, and no `dbg!`, `todo!` or `unimplemented!`.
//! - `file-length`: files under `crates/` stay focused; long ones are listed, very long ones fail.

use std::{
    fs,
    path::{Path, PathBuf},
};

use anyhow::Context;

use super::Report;

/// Directories whose `.rs` files are checked, relative to the workspace root; missing ones are skipped.
const ROOTS: &[&str] = &["crates", "xtask", "tests", "bench"];

/// Directory names never descended into.
const SKIPPED_DIRS: &[&str] = &["target", "node_modules"];

/// Only files under this directory have a length limit.
const LENGTH_CHECKED: &str = "crates/";
/// Longer files are listed as warnings.
const WARN_LINES: usize = 900;
/// Longer files fail tidy.
const MAX_LINES: usize = 1200;

/// Markers that must not appear in any Rust file, with the reason.
/// Each needle is split by `concat!` so that this file does not contain it.
const FORBIDDEN: &[(&str, &str)] = &[
    (
        concat!("#[", "ignore"),
        "a test runs or is deleted; to pin a known bug, assert today's behaviour with a FIXME",
    ),
    (
        concat!("#[", "should_panic"),
        "assert on a returned error instead of expecting a panic",
    ),
    (concat!("dbg", "!("), "debugging output left behind"),
    (
        concat!("todo", "!("),
        "unfinished code panics at run time; return an error or leave the item out",
    ),
    (
        concat!("unimplemented", "!("),
        "unfinished code panics at run time; return an error or leave the item out",
    ),
];

/// Checks every Rust file under [`ROOTS`] and returns how many there were.
pub(crate) fn check(root: &Path, report: &mut Report) -> anyhow::Result<usize> {
    let mut files = Vec::new();
    for dir in ROOTS {
        let dir = root.join(dir);
        if dir.is_dir() {
            collect_rust_files(&dir, &mut files)?;
        }
    }
    files.sort();
    for file in &files {
        let text =
            fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        let relative = file.strip_prefix(root).unwrap_or(file);
        // Forward slashes, so messages and the `crates/` prefix test read the same on every OS.
        let relative = relative.to_string_lossy().replace('\\', "/");
        check_text(&relative, &text, report);
    }
    Ok(files.len())
}

/// Checks one file, named `path` (relative, with `/`), whose content is `text`.
pub(crate) fn check_text(path: &str, text: &str, report: &mut Report) {
    if !text
        .lines()
        .next()
        .is_some_and(|line| line.starts_with("//!"))
    {
        report.violation(
            path.to_owned(),
            "module-doc",
            "the first line must be a `//!` comment saying what this module is for".to_owned(),
        );
    }

    for (index, line) in text.lines().enumerate() {
        for (needle, why) in FORBIDDEN {
            if line.contains(needle) {
                report.violation(
                    format!("{path}:{}", index + 1),
                    "forbidden-marker",
                    format!("`{needle}`: {why}"),
                );
            }
        }
    }

    if path.starts_with(LENGTH_CHECKED) {
        let lines = text.lines().count();
        if lines > MAX_LINES {
            report.violation(
                path.to_owned(),
                "file-length",
                format!("{lines} lines, more than {MAX_LINES}: split it into focused modules"),
            );
        } else if lines > WARN_LINES {
            report.warning(
                path.to_owned(),
                "file-length",
                format!("{lines} lines, more than {WARN_LINES}: consider splitting it"),
            );
        }
    }
}

/// Adds every `.rs` file under `dir` to `files`, skipping hidden and build directories.
fn collect_rust_files(dir: &Path, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let entries = fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let file_type = entry
            .file_type()
            .with_context(|| format!("reading {}", path.display()))?;
        if file_type.is_dir() {
            if !name.starts_with('.') && !SKIPPED_DIRS.contains(&name.as_ref()) {
                collect_rust_files(&path, files)?;
            }
        } else if file_type.is_file() && name.ends_with(".rs") {
            files.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(path: &str, text: &str) -> (Vec<String>, Vec<String>) {
        let mut report = Report::default();
        check_text(path, text, &mut report);
        let show =
            |findings: &[super::super::Finding]| findings.iter().map(ToString::to_string).collect();
        (show(&report.violations), show(&report.warnings))
    }

    #[test]
    fn documented_clean_file_passes() {
        let (violations, warnings) =
            findings("crates/core/src/lib.rs", "//! The core.\n\nfn f() {}\n");
        assert!(
            violations.is_empty() && warnings.is_empty(),
            "{violations:?} {warnings:?}"
        );
    }

    #[test]
    fn missing_module_doc_is_reported() {
        for text in [
            "",
            "fn f() {}\n",
            "\n//! Late doc.\n",
            "#![allow(dead_code)]\n//! Doc after an attribute.\n",
            "/// An item doc.\n",
        ] {
            let (violations, _) = findings("xtask/src/x.rs", text);
            assert_eq!(violations.len(), 1, "{text:?}: {violations:?}");
            assert!(
                violations[0].starts_with("xtask/src/x.rs: [module-doc]"),
                "{violations:?}"
            );
        }
    }

    #[test]
    fn every_forbidden_marker_is_reported_with_its_line() {
        let text = concat!(
            "//! Tests.\n",
            "#[test]\n#[",
            "ignore]\nfn a() {}\n",
            "#[test]\n#[",
            "should_panic(expected = \"boom\")]\nfn b() {}\n",
            "fn c() { dbg",
            "!(1); todo",
            "!(); }\n",
            "fn d() { unimplemented",
            "!() }\n",
        );
        let (violations, _) = findings("tests/it/main.rs", text);
        let places: Vec<&str> = violations
            .iter()
            .map(|v| v.split(": ").next().unwrap_or_default())
            .collect();
        assert_eq!(
            places,
            [
                "tests/it/main.rs:3",
                "tests/it/main.rs:6",
                "tests/it/main.rs:8",
                "tests/it/main.rs:8",
                "tests/it/main.rs:9"
            ]
        );
        assert!(
            violations.iter().all(|v| v.contains("[forbidden-marker]")),
            "{violations:?}"
        );
    }

    #[test]
    fn long_files_under_crates_warn_then_fail() {
        let file = |lines: usize| format!("//! Long.\n{}", "fn f() {}\n".repeat(lines - 1));
        assert_eq!(
            findings("crates/core/src/plan.rs", &file(WARN_LINES)),
            (vec![], vec![])
        );

        let (violations, warnings) = findings("crates/core/src/plan.rs", &file(WARN_LINES + 1));
        assert!(violations.is_empty(), "{violations:?}");
        assert_eq!(
            warnings,
            [
                "crates/core/src/plan.rs: [file-length] 901 lines, more than 900: consider splitting it"
            ]
        );

        let (violations, warnings) = findings("crates/core/src/plan.rs", &file(MAX_LINES + 1));
        assert_eq!(
            violations,
            [
                "crates/core/src/plan.rs: [file-length] 1201 lines, more than 1200: split it into focused modules"
            ]
        );
        assert!(warnings.is_empty(), "{warnings:?}");

        // Only `crates/` has a length limit.
        assert_eq!(
            findings("xtask/src/big.rs", &file(MAX_LINES + 1)),
            (vec![], vec![])
        );
    }
}

//! Build script: records the commit the binary is built from, for
//! `rostersync --version`. It reads the `.git` metadata directly, so it
//! needs no `git` program; outside a clone (a source package) the commit is
//! "unknown".

// Cargo reads a build script's instructions from its standard output.
#![allow(clippy::print_stdout)]

use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let commit = manifest
        .as_deref()
        .and_then(find_git_dir)
        .and_then(|git| {
            let commit = head_commit(&git);
            // A new commit or a checkout changes these; rebuild the version then.
            for watched in [git.join("HEAD"), common_dir(&git).join("packed-refs")] {
                println!("cargo:rerun-if-changed={}", watched.display());
            }
            if let Some(reference) = head_ref(&git) {
                for dir in [git.clone(), common_dir(&git)] {
                    println!("cargo:rerun-if-changed={}", dir.join(&reference).display());
                }
            }
            commit
        })
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=ROSTERSYNC_COMMIT={commit}");
}

/// The git directory of the clone holding `start`: a `.git` folder, or the
/// folder a `.git` file points to (a worktree).
fn find_git_dir(start: &Path) -> Option<PathBuf> {
    for dir in start.ancestors() {
        let dot_git = dir.join(".git");
        if dot_git.is_dir() {
            return Some(dot_git);
        }
        if let Ok(text) = fs::read_to_string(&dot_git) {
            let target = text.trim().strip_prefix("gitdir:")?.trim();
            return Some(dir.join(target));
        }
    }
    None
}

/// Where the shared refs live: the main git directory of a worktree.
fn common_dir(git: &Path) -> PathBuf {
    match fs::read_to_string(git.join("commondir")) {
        Ok(text) => git.join(text.trim()),
        Err(_) => git.to_owned(),
    }
}

/// The branch HEAD names (`refs/heads/main`), when it names one.
fn head_ref(git: &Path) -> Option<String> {
    let head = fs::read_to_string(git.join("HEAD")).ok()?;
    head.trim()
        .strip_prefix("ref:")
        .map(|r| r.trim().to_owned())
}

/// The short commit HEAD is at: detached, a loose ref, or a packed one.
fn head_commit(git: &Path) -> Option<String> {
    let head = fs::read_to_string(git.join("HEAD")).ok()?;
    let head = head.trim();
    let full = match head_ref(git) {
        None => head.to_owned(),
        Some(reference) => {
            let common = common_dir(git);
            [git.join(&reference), common.join(&reference)]
                .iter()
                .find_map(|path| fs::read_to_string(path).ok())
                .map(|text| text.trim().to_owned())
                .or_else(|| {
                    let packed = fs::read_to_string(common.join("packed-refs")).ok()?;
                    packed.lines().find_map(|line| {
                        let (hash, name) = line.split_once(' ')?;
                        (name.trim() == reference).then(|| hash.to_owned())
                    })
                })?
        }
    };
    let short: String = full.chars().take(12).collect();
    (short.len() == 12 && short.chars().all(|c| c.is_ascii_hexdigit())).then_some(short)
}

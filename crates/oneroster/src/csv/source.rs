//! Where a package's files come from: a folder on disk, or a zip archive
//! read in place (entries are read by name into memory, never extracted).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use zip::ZipArchive;

use crate::error::CsvError;

/// The largest uncompressed entry read from a zip: larger is refused
/// rather than read into memory (a real roster file is far smaller).
pub(super) const MAX_ENTRY_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// The files of one package, named by file name (`users.csv`).
pub(super) enum Package {
    /// An unpacked package folder.
    Folder(PathBuf),
    /// A zip archive with the files at its top or in one top-level folder.
    Zip(ZipPackage),
}

/// A zip package: the open archive and the index of each package file.
pub(super) struct ZipPackage {
    path: PathBuf,
    archive: ZipArchive<BufReader<File>>,
    /// The folder inside the zip holding `manifest.csv` (`""` or `export/`).
    prefix: String,
    /// File name (without the prefix) to entry index.
    entries: HashMap<String, usize>,
}

impl Package {
    /// Opens the package at `path`: a zip when it is a file, a folder otherwise.
    ///
    /// # Errors
    ///
    /// When a zip cannot be opened, is not a zip, or has no single
    /// `manifest.csv` at its top or in one top-level folder.
    pub(super) fn open(path: &Path) -> Result<Self, CsvError> {
        if path.is_file() {
            ZipPackage::open(path).map(Package::Zip)
        } else {
            Ok(Package::Folder(path.to_owned()))
        }
    }

    /// Whether the package holds `file`.
    pub(super) fn contains(&self, file: &str) -> bool {
        match self {
            Package::Folder(dir) => dir.join(file).is_file(),
            Package::Zip(zip) => zip.entries.contains_key(file),
        }
    }

    /// Where `file` is, for messages: a path, or an entry of a zip.
    pub(super) fn location(&self, file: &str) -> String {
        match self {
            Package::Folder(dir) => dir.join(file).display().to_string(),
            Package::Zip(zip) => format!("{}{file} in {}", zip.prefix, zip.path.display()),
        }
    }

    /// The package itself, for messages.
    pub(super) fn name(&self) -> String {
        match self {
            Package::Folder(dir) => dir.display().to_string(),
            Package::Zip(zip) => zip.path.display().to_string(),
        }
    }

    /// Reads `file` as text. OneRoster files are UTF-8; stray bytes are
    /// replaced rather than refused.
    ///
    /// # Errors
    ///
    /// When the file is missing or cannot be read, or a zip entry is
    /// damaged, uses an unsupported compression or is too large.
    pub(super) fn read_text(&mut self, file: &str) -> Result<String, CsvError> {
        let bytes = match self {
            Package::Folder(dir) => {
                let path = dir.join(file);
                std::fs::read(&path).map_err(|source| CsvError::Io {
                    path: path.display().to_string(),
                    source,
                })?
            }
            Package::Zip(zip) => zip.read(file, MAX_ENTRY_BYTES)?,
        };
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

impl ZipPackage {
    fn open(path: &Path) -> Result<Self, CsvError> {
        let file = File::open(path).map_err(|source| CsvError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let archive = ZipArchive::new(BufReader::new(file)).map_err(|error| CsvError::BadZip {
            path: path.display().to_string(),
            source: error.into(),
        })?;
        // Entry names as written, with `\` (written by some Windows tools)
        // read as `/`; folders are skipped.
        let mut names = HashMap::new();
        for index in 0..archive.len() {
            if let Some(name) = archive.name_for_index(index) {
                if !name.ends_with('/') && !name.ends_with('\\') {
                    names.insert(name.replace('\\', "/"), index);
                }
            }
        }
        let prefix = find_prefix(&names).map_err(|message| CsvError::ZipLayout {
            path: path.display().to_string(),
            message,
        })?;
        let entries = names
            .into_iter()
            .filter_map(|(name, index)| {
                let file = name.strip_prefix(&prefix)?;
                (!file.contains('/')).then(|| (file.to_owned(), index))
            })
            .collect();
        Ok(ZipPackage {
            path: path.to_owned(),
            archive,
            prefix,
            entries,
        })
    }

    /// Reads entry `file` whole, refusing more than `limit` bytes.
    fn read(&mut self, file: &str, limit: u64) -> Result<Vec<u8>, CsvError> {
        let path = self.path.display().to_string();
        let entry = format!("{}{file}", self.prefix);
        let damaged = |source: std::io::Error| CsvError::ZipEntry {
            path: path.clone(),
            entry: entry.clone(),
            source,
        };
        let too_large = || CsvError::ZipEntryTooLarge {
            path: path.clone(),
            entry: entry.clone(),
            limit,
        };
        let Some(&index) = self.entries.get(file) else {
            return Err(damaged(std::io::ErrorKind::NotFound.into()));
        };
        let mut reader = self
            .archive
            .by_index(index)
            .map_err(|error| damaged(error.into()))?;
        if reader.size() > limit {
            return Err(too_large());
        }
        // The declared size sizes the buffer, within reason; the read itself
        // stops just past the limit, whatever the header claims.
        let declared = usize::try_from(reader.size()).unwrap_or(0);
        let mut bytes = Vec::with_capacity(declared.min(64 * 1024 * 1024));
        reader
            .by_ref()
            .take(limit.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(damaged)?;
        if u64::try_from(bytes.len()).map_or(true, |read| read > limit) {
            return Err(too_large());
        }
        Ok(bytes)
    }
}

/// The folder holding `manifest.csv`: the zip's top when it is there,
/// otherwise the one top-level folder that has it (macOS's `__MACOSX`
/// folder of resource forks aside).
fn find_prefix(names: &HashMap<String, usize>) -> Result<String, String> {
    if names.contains_key("manifest.csv") {
        return Ok(String::new());
    }
    let mut folders: Vec<&str> = names
        .keys()
        .filter_map(|name| name.strip_suffix("/manifest.csv"))
        .filter(|folder| !folder.is_empty() && !folder.contains('/') && *folder != "__MACOSX")
        .collect();
    folders.sort_unstable();
    match folders.as_slice() {
        [folder] => Ok(format!("{folder}/")),
        [] => {
            Err("no manifest.csv at the top of the zip or in a single top-level folder".to_owned())
        }
        several => Err(format!(
            "manifest.csv is in several top-level folders ({}); zip one package per file",
            several.join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use zip::write::SimpleFileOptions;

    use super::*;

    fn zip_with(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("package.zip");
        let mut writer = zip::ZipWriter::new(File::create(&path).unwrap());
        for (name, text) in files {
            writer
                .start_file(*name, SimpleFileOptions::default())
                .unwrap();
            writer.write_all(text.as_bytes()).unwrap();
        }
        writer.finish().unwrap();
        (dir, path)
    }

    #[test]
    fn an_entry_over_the_limit_is_refused_naming_zip_and_entry() {
        let (_dir, path) = zip_with(&[("x/manifest.csv", "a"), ("x/users.csv", "0123456789")]);
        let Package::Zip(mut zip) = Package::open(&path).unwrap() else {
            panic!("a file opens as a zip");
        };
        assert_eq!(zip.read("users.csv", 10).unwrap(), b"0123456789");
        let error = zip.read("users.csv", 9).unwrap_err().to_string();
        assert!(error.contains("x/users.csv"), "{error}");
        assert!(error.contains(&path.display().to_string()), "{error}");
        assert!(error.contains("larger than 9 bytes"), "{error}");
    }

    #[test]
    fn backslash_names_and_deeper_files_are_handled() {
        let (_dir, path) = zip_with(&[
            ("pkg\\manifest.csv", "m"),
            ("pkg\\users.csv", "u"),
            ("pkg/old/users.csv", "stale"),
        ]);
        let mut package = Package::open(&path).unwrap();
        assert!(package.contains("manifest.csv"));
        assert!(!package.contains("old/users.csv"));
        assert_eq!(package.read_text("users.csv").unwrap(), "u");
        assert_eq!(
            package.location("users.csv"),
            format!("pkg/users.csv in {}", path.display())
        );
    }

    #[test]
    fn the_top_wins_over_folders_and_two_folders_are_ambiguous() {
        let names = |list: &[&str]| -> HashMap<String, usize> {
            list.iter().map(|n| ((*n).to_owned(), 0)).collect()
        };
        assert_eq!(
            find_prefix(&names(&["manifest.csv", "a/manifest.csv"])),
            Ok(String::new())
        );
        assert_eq!(
            find_prefix(&names(&["__MACOSX/manifest.csv", "a/manifest.csv"])),
            Ok("a/".to_owned())
        );
        let error = find_prefix(&names(&["b/manifest.csv", "a/manifest.csv"])).unwrap_err();
        assert!(error.contains("(a, b)"), "{error}");
        assert!(find_prefix(&names(&["a/b/manifest.csv"])).is_err());
    }
}

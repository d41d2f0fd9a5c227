//! Paths to the sample packages kept in `tests/data` and edited copies of them.

use std::path::{Path, PathBuf};

use rostersync_ports::SisRequest;
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

/// The OneRoster 1.1 bulk sample (Moodle enrol_oneroster fixtures, GPL-3.0).
pub(crate) const MINIMAL_1_1: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/Test_minimal_data_set"
);

/// The OneRoster 1.2 delta sample (same origin).
pub(crate) const DELTA_1_2: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/oneroster_test_data"
);

/// The one school of the 1.1 sample (a department named by its classes).
pub(crate) const SCHOOL_1_1: &str = "org-sch-222-456";

/// A request for `school` in school year 2023.
pub(crate) fn request(school: &str) -> SisRequest {
    SisRequest {
        schools: [school.into()].into(),
        school_year: 2023,
    }
}

/// A copy of package `from` in a new temporary folder.
pub(crate) fn copy(from: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    dir
}

/// Appends `lines` to `file` of the package in `dir` (after a line end).
pub(crate) fn append(dir: &Path, file: &str, lines: &str) {
    let path: PathBuf = dir.join(file);
    let mut text = std::fs::read_to_string(&path).unwrap();
    if !text.ends_with('\n') {
        text.push_str("\r\n");
    }
    text.push_str(lines);
    std::fs::write(path, text).unwrap();
}

/// Writes the files of package folder `from` into a new zip file `to`, at
/// the top of the zip or under `folder/`, compressed with `method`.
pub(crate) fn zip(from: &Path, to: &Path, folder: Option<&str>, method: CompressionMethod) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(from)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    let mut writer = zip::ZipWriter::new(std::fs::File::create(to).unwrap());
    let options = SimpleFileOptions::default().compression_method(method);
    if let Some(folder) = folder {
        writer.add_directory(folder, options).unwrap();
    }
    for file in files {
        let name = file.file_name().unwrap().to_str().unwrap().to_owned();
        let name = folder.map_or(name.clone(), |folder| format!("{folder}/{name}"));
        writer.start_file(name, options).unwrap();
        std::io::Write::write_all(&mut writer, &std::fs::read(&file).unwrap()).unwrap();
    }
    writer.finish().unwrap();
}

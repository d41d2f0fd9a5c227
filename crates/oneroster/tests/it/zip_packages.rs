//! The CSV reader on packages given as zip files: the sample packages zipped
//! (at the top or in one folder, stored or deflated) read exactly as the
//! folders do, a zipped delta applies like a folder delta, and broken zips
//! fail naming the zip and the file.

use std::path::{Path, PathBuf};

use rostersync_oneroster::OneRosterCsv;
use rostersync_ports::conformance::assert_sis_source;
use rostersync_ports::{ErrorKind, PortError, SisSource};
use zip::CompressionMethod;

use crate::conformance::{edited_package, minimal, one_two};
use crate::csv_packages::{assert_delta_applied, write_delta};
use crate::fixture::{self, DELTA_1_2, MINIMAL_1_1, SCHOOL_1_1, request};

/// Zips package folder `from` into `name` in a new temporary folder.
fn zipped(
    from: &Path,
    name: &str,
    folder: Option<&str>,
    method: CompressionMethod,
) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    fixture::zip(from, &path, folder, method);
    (dir, path)
}

/// The error of reading the schools of the package at `path`.
async fn read_error(path: &Path) -> PortError {
    OneRosterCsv::new(path).schools().await.unwrap_err()
}

/// The messages of `error`'s sources, outermost first.
fn causes(error: &PortError) -> String {
    let mut causes = Vec::new();
    let mut next = std::error::Error::source(error);
    while let Some(cause) = next {
        causes.push(cause.to_string());
        next = cause.source();
    }
    causes.join(": ")
}

#[tokio::test]
async fn zipped_one_one_sample_conforms_and_reads_as_the_folder() {
    let (_dir, zip) = zipped(
        Path::new(MINIMAL_1_1),
        "minimal.zip",
        None,
        CompressionMethod::Deflated,
    );
    let source = OneRosterCsv::new(&zip);
    assert_sis_source(&source, &request(SCHOOL_1_1), &minimal()).await;
    let from_zip = source.snapshot(&request(SCHOOL_1_1)).await.unwrap();
    let from_folder = OneRosterCsv::new(MINIMAL_1_1)
        .snapshot(&request(SCHOOL_1_1))
        .await
        .unwrap();
    assert_eq!(from_zip, from_folder);
}

#[tokio::test]
async fn zipped_one_two_sample_in_a_top_level_folder_conforms() {
    let (_dir, zip) = zipped(
        Path::new(DELTA_1_2),
        "export.zip",
        Some("export"),
        CompressionMethod::Stored,
    );
    let source = OneRosterCsv::new(&zip);
    assert_sis_source(&source, &request("ORG_1"), &one_two()).await;
    let from_zip = source.snapshot(&request("ORG_1")).await.unwrap();
    let from_folder = OneRosterCsv::new(DELTA_1_2)
        .snapshot(&request("ORG_1"))
        .await
        .unwrap();
    assert_eq!(from_zip, from_folder);
}

#[tokio::test]
async fn zipped_edited_package_reports_problems_by_file_and_line() {
    let (package, mut expected) = edited_package();
    expected.problem_locations = vec!["users.csv line 11".to_owned()];
    let (_dir, zip) = zipped(
        package.path(),
        "edited.zip",
        Some("oneroster"),
        CompressionMethod::Deflated,
    );
    assert_sis_source(&OneRosterCsv::new(&zip), &request(SCHOOL_1_1), &expected).await;
}

#[tokio::test]
async fn zipped_delta_applies_like_the_folder_delta() {
    let delta = tempfile::tempdir().unwrap();
    write_delta(delta.path());
    let (_dir, delta_zip) = zipped(
        delta.path(),
        "delta.zip",
        Some("delta-2022-11-15"),
        CompressionMethod::Deflated,
    );
    let (_bulk_dir, bulk_zip) = zipped(
        Path::new(MINIMAL_1_1),
        "bulk.zip",
        None,
        CompressionMethod::Stored,
    );
    let from_folders = OneRosterCsv::new(MINIMAL_1_1)
        .with_delta(delta.path())
        .with_courses_from_classes()
        .snapshot(&request(SCHOOL_1_1))
        .await
        .unwrap();
    // A zipped delta over a folder bulk package, and both zipped.
    for source in [
        OneRosterCsv::new(MINIMAL_1_1).with_delta(&delta_zip),
        OneRosterCsv::new(&bulk_zip).with_delta(&delta_zip),
    ] {
        let source = source.with_courses_from_classes();
        let read = source.snapshot(&request(SCHOOL_1_1)).await.unwrap();
        assert_delta_applied(&read);
        assert_eq!(read, from_folders);
    }
}

#[tokio::test]
async fn a_file_that_is_not_a_zip_fails_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("package.zip");
    std::fs::write(&path, "propertyName,value\noneroster.version,1.1\n").unwrap();
    let error = read_error(&path).await;
    assert_eq!(error.kind(), ErrorKind::Invalid);
    assert!(
        error
            .message()
            .contains(&format!("{} is not a readable zip archive", path.display())),
        "{error}"
    );
}

#[tokio::test]
async fn a_zip_without_manifest_fails_naming_it() {
    let package = fixture::copy(MINIMAL_1_1);
    std::fs::remove_file(package.path().join("manifest.csv")).unwrap();
    let (_dir, zip) = zipped(
        package.path(),
        "nomanifest.zip",
        Some("export"),
        CompressionMethod::Deflated,
    );
    let error = read_error(&zip).await;
    assert_eq!(error.kind(), ErrorKind::Invalid);
    assert!(
        error.message().contains(&format!(
            "{}: no manifest.csv at the top of the zip or in a single top-level folder",
            zip.display()
        )),
        "{error}"
    );
}

#[tokio::test]
async fn a_zip_missing_a_listed_bulk_file_fails_naming_file_and_zip() {
    let package = fixture::copy(MINIMAL_1_1);
    std::fs::remove_file(package.path().join("users.csv")).unwrap();
    let (_dir, zip) = zipped(
        package.path(),
        "nousers.zip",
        None,
        CompressionMethod::Deflated,
    );
    let error = read_error(&zip).await;
    assert_eq!(error.kind(), ErrorKind::Unavailable);
    assert!(
        error.message().contains(&format!(
            "users.csv is listed in the manifest as bulk but is not in the package {}",
            zip.display()
        )),
        "{error}"
    );
}

#[tokio::test]
async fn a_bad_manifest_in_a_zip_names_entry_and_zip() {
    let package = fixture::copy(MINIMAL_1_1);
    let manifest = package.path().join("manifest.csv");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|line| !line.contains("oneroster.version"))
        .collect();
    assert!(kept.len() < text.lines().count());
    std::fs::write(&manifest, kept.join("\n")).unwrap();
    let (_dir, zip) = zipped(
        package.path(),
        "badmanifest.zip",
        Some("export"),
        CompressionMethod::Stored,
    );
    let error = read_error(&zip).await;
    assert!(
        error.message().contains(&format!(
            "export/manifest.csv in {}: oneroster.version is missing",
            zip.display()
        )),
        "{error}"
    );
}

#[tokio::test]
async fn a_zip_with_two_packages_in_two_folders_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("two.zip");
    let mut writer = zip::ZipWriter::new(std::fs::File::create(&zip).unwrap());
    for folder in ["b", "a"] {
        writer
            .start_file(
                format!("{folder}/manifest.csv"),
                zip::write::SimpleFileOptions::default(),
            )
            .unwrap();
        std::io::Write::write_all(&mut writer, b"propertyName,value\n").unwrap();
    }
    writer.finish().unwrap();
    let error = read_error(&zip).await;
    assert!(
        error
            .message()
            .contains("manifest.csv is in several top-level folders (a, b)"),
        "{error}"
    );
}

/// A stored entry whose bytes were damaged after zipping fails its checksum.
#[tokio::test]
async fn a_damaged_entry_fails_naming_entry_and_zip() {
    let (_dir, zip) = zipped(
        Path::new(MINIMAL_1_1),
        "damaged.zip",
        Some("export"),
        CompressionMethod::Stored,
    );
    let mut bytes = std::fs::read(&zip).unwrap();
    let needle = b"oneroster.version";
    let at = bytes
        .windows(needle.len())
        .position(|window| window == needle)
        .unwrap();
    bytes[at] = b'O';
    std::fs::write(&zip, bytes).unwrap();
    let error = read_error(&zip).await;
    assert_eq!(error.kind(), ErrorKind::Invalid);
    assert!(
        error.message().contains(&format!(
            "cannot read export/manifest.csv in {}",
            zip.display()
        )),
        "{error}"
    );
    assert!(causes(&error).contains("checksum"), "{}", causes(&error));
}

/// An entry compressed with a method the reader does not carry (here
/// bzip2, patched into the headers of a stored entry) fails clearly.
#[tokio::test]
async fn an_entry_in_an_unsupported_compression_fails_naming_it() {
    let (_dir, zip) = zipped(
        Path::new(DELTA_1_2),
        "bzip2.zip",
        None,
        CompressionMethod::Stored,
    );
    let mut bytes = std::fs::read(&zip).unwrap();
    // The method field: 8 bytes into each local header, 10 into each
    // central directory header. 12 is bzip2.
    for (signature, offset) in [(b"PK\x03\x04", 8), (b"PK\x01\x02", 10)] {
        let starts: Vec<usize> = bytes
            .windows(4)
            .enumerate()
            .filter(|(_, window)| window == signature)
            .map(|(at, _)| at)
            .collect();
        assert!(!starts.is_empty());
        for at in starts {
            bytes[at + offset] = 12;
            bytes[at + offset + 1] = 0;
        }
    }
    std::fs::write(&zip, bytes).unwrap();
    let error = read_error(&zip).await;
    assert_eq!(error.kind(), ErrorKind::Invalid);
    assert!(
        error
            .message()
            .contains(&format!("cannot read manifest.csv in {}", zip.display())),
        "{error}"
    );
    assert!(
        causes(&error).to_lowercase().contains("unsupported"),
        "{}",
        causes(&error)
    );
}

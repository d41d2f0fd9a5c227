//! `CsvError`: what makes a whole OneRoster package unreadable, and its
//! mapping to `PortError`. Per-record trouble is a `SourceProblem` instead.

use rostersync_ports::{ErrorKind, PortError};

/// A failure that makes a package as a whole untrustworthy.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CsvError {
    /// A file could not be read from disk.
    #[error("cannot read {path}")]
    Io {
        /// The path tried.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The package has no `manifest.csv`, or it is not usable.
    #[error("{file}: {message}")]
    BadManifest {
        /// Where the manifest is: its path, or its entry and the zip.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A data file has no usable header line.
    #[error("{file} line 1: {message}")]
    BadHeader {
        /// The file name.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A column the mapping needs is missing from a file's header; guessing
    /// its values would corrupt data.
    #[error("{file} line {line}: required column `{column}` is missing{}", misspelled(near.as_deref()))]
    MissingColumn {
        /// The file name.
        file: String,
        /// The header line.
        line: usize,
        /// The column name.
        column: String,
        /// A column of the header that is likely a misspelling of it.
        near: Option<String>,
    },
    /// The manifest lists a file as bulk or delta, but it is not in the package.
    #[error("{file} is listed in the manifest as {mode} but is not in the package {package}")]
    MissingFile {
        /// The file name.
        file: String,
        /// `bulk` or `delta`.
        mode: String,
        /// The package folder or zip file.
        package: String,
    },
    /// A package given as a file is not a readable zip archive.
    #[error("{path} is not a readable zip archive")]
    BadZip {
        /// The zip file.
        path: String,
        /// What the zip reader met.
        #[source]
        source: std::io::Error,
    },
    /// A zip holds no single package: no `manifest.csv` at its top or in
    /// one top-level folder, or one in several folders.
    #[error("{path}: {message}")]
    ZipLayout {
        /// The zip file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// An entry of a zip package is damaged, encrypted or compressed in a
    /// way the reader does not support (only stored and deflated are read).
    #[error("cannot read {entry} in {path}")]
    ZipEntry {
        /// The zip file.
        path: String,
        /// The entry name inside the zip.
        entry: String,
        /// What the zip reader met.
        #[source]
        source: std::io::Error,
    },
    /// An entry of a zip package is larger than the reader accepts.
    #[error("{entry} in {path} is larger than {limit} bytes uncompressed; it was not read")]
    ZipEntryTooLarge {
        /// The zip file.
        path: String,
        /// The entry name inside the zip.
        entry: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// A 1.2 package has users without a role column and no `roles.csv`.
    #[error("users.csv has no role column and the package has no roles.csv")]
    NoRoles,
    /// The blocking reader task failed.
    #[error("the package reader stopped unexpectedly")]
    Join(#[source] tokio::task::JoinError),
}

/// The hint of a missing column that is likely misspelled in the header.
fn misspelled(near: Option<&str>) -> String {
    near.map_or(String::new(), |near| {
        format!(" (is `{near}` meant to be it?)")
    })
}

impl From<CsvError> for PortError {
    fn from(error: CsvError) -> Self {
        let kind = match &error {
            CsvError::Io { .. } | CsvError::MissingFile { .. } => ErrorKind::Unavailable,
            // A zip the disk failed to deliver (rather than one whose
            // content is damaged or unsupported) may read on a later try.
            CsvError::BadZip { source, .. } | CsvError::ZipEntry { source, .. }
                if !matches!(
                    source.kind(),
                    std::io::ErrorKind::InvalidData
                        | std::io::ErrorKind::InvalidInput
                        | std::io::ErrorKind::Unsupported
                        | std::io::ErrorKind::UnexpectedEof
                ) =>
            {
                ErrorKind::Unavailable
            }
            CsvError::Join(_) => ErrorKind::Other,
            _ => ErrorKind::Invalid,
        };
        PortError::new(kind, error.to_string()).with_source(error)
    }
}

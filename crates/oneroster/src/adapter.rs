//! `OneRosterCsv`: the `SisSource` over OneRoster CSV packages on disk,
//! as folders or zip files.

use std::path::PathBuf;

use async_trait::async_trait;
use rostersync_core::model::sis::{School, Term};
use rostersync_ports::{PortResult, SisRead, SisRequest, SisSource, SourceProblem};

use crate::error::CsvError;
use crate::map::{self, Options};
use crate::model::Records;

/// OneRoster CSV packages read as a SIS: one bulk package, optionally
/// followed by delta packages applied in order.
///
/// A package is a folder holding `manifest.csv` and the data files, or a
/// zip file holding them, either at the top of the zip or in one top-level
/// folder (`export/manifest.csv`). A path that is a file is read as a zip;
/// any other path as a folder. Zip entries are read by name into memory,
/// never extracted; stored and deflated entries are read, and an entry over
/// 2 GiB uncompressed is refused.
/// Every call reads the files again, so a changed package is seen on the next read.
///
/// Every row of the files it reads ends in the snapshot or in one problem
/// (see [`crate::reason`]); rows of `roles.csv` are part of their users'
/// records, and `demographics.csv` and `userProfiles.csv` are not read,
/// since no core field carries what they hold.
#[derive(Debug, Clone)]
pub struct OneRosterCsv {
    packages: Vec<PathBuf>,
    options: Options,
}

impl OneRosterCsv {
    /// A source over one package: a folder, or a zip file.
    pub fn new(package: impl Into<PathBuf>) -> Self {
        OneRosterCsv {
            packages: vec![package.into()],
            options: Options::default(),
        }
    }

    /// Makes a course for each course a class names that the package does
    /// not hold (a package without `courses.csv`), titled after the first
    /// class naming it, with a warning on each. Off by default, because a
    /// made-up course lands in the LMS: a class whose course is not in the
    /// package is then unreadable.
    #[must_use]
    pub fn with_courses_from_classes(mut self) -> Self {
        self.options.courses_from_classes = true;
        self
    }

    /// Adds a delta package (a folder or a zip file), applied over the
    /// packages before it.
    #[must_use]
    pub fn with_delta(mut self, package: impl Into<PathBuf>) -> Self {
        self.packages.push(package.into());
        self
    }

    /// Reads and merges the packages, off the async runtime's threads.
    ///
    /// # Errors
    ///
    /// When a manifest or a listed file is missing, a required column is
    /// absent, or a zip is not a readable zip holding one package.
    pub async fn read_records(&self) -> Result<(Records, Vec<SourceProblem>), CsvError> {
        let packages = self.packages.clone();
        tokio::task::spawn_blocking(move || {
            let mut problems = Vec::new();
            crate::csv::read(&packages, &mut problems).map(|records| (records, problems))
        })
        .await
        .map_err(CsvError::Join)?
    }
}

#[async_trait]
impl SisSource for OneRosterCsv {
    async fn schools(&self) -> PortResult<Vec<School>> {
        let (records, _) = self.read_records().await?;
        Ok(map::schools(&records))
    }

    /// The terms of `school_year`; a session marked inactive or tobedeleted
    /// is never one.
    async fn terms(&self, school_year: i32) -> PortResult<Vec<Term>> {
        let (records, _) = self.read_records().await?;
        Ok(map::terms(&records, school_year))
    }

    async fn snapshot(&self, request: &SisRequest) -> PortResult<SisRead> {
        let (records, mut problems) = self.read_records().await?;
        let snapshot = map::snapshot(&records, request, self.options, &mut problems);
        Ok(SisRead { snapshot, problems })
    }
}

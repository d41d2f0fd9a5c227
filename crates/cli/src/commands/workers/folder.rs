//! The folder of district configurations a worker serves: each `*.toml`
//! file one district on the shared database, read again at every check so
//! that a district added, changed or removed is served as it now is.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rostersync_store_postgres::PgOptions;

use crate::config::{self, Config, StoreSettings};
use crate::output::eprint_line;

/// One district's configuration as loaded from the folder.
pub(super) struct DistrictConfig {
    /// The district id (`[store] district`).
    pub(super) id: String,
    pub(super) config: Config,
    pub(super) options: PgOptions,
}

/// What changed in the folder since the last look.
pub(super) enum Change {
    /// A file new or changed that loads: its district as it now is.
    Loaded(Box<DistrictConfig>),
    /// A file that was served and is gone.
    Removed(PathBuf),
}

/// The folder as last read: each file's text, so that a file is looked at
/// (and a problem with it said) once per change.
pub(super) struct Folder {
    dir: PathBuf,
    texts: BTreeMap<PathBuf, String>,
}

impl Folder {
    /// A folder not read yet.
    pub(super) fn new(dir: &Path) -> Folder {
        Folder {
            dir: dir.to_owned(),
            texts: BTreeMap::new(),
        }
    }

    /// The changes since the last look, in file order. A file new or
    /// changed is loaded and checked: on the database `target` (when one is
    /// served yet: else the first file that loads sets it), under a district
    /// no other file of `served` (district and file) or of this look
    /// configures. A file that does not pass is said with its name and
    /// skipped (a served district keeps its last configuration).
    ///
    /// # Errors
    ///
    /// When the folder cannot be read.
    pub(super) fn changes(
        &mut self,
        target: Option<&str>,
        served: &[(String, PathBuf)],
    ) -> anyhow::Result<Vec<Change>> {
        let files = self.files()?;
        let mut changes: Vec<Change> = self
            .texts
            .keys()
            .filter(|path| !files.iter().any(|(file, _)| file == *path))
            .filter(|path| served.iter().any(|(_, file)| file == *path))
            .map(|path| Change::Removed(path.clone()))
            .collect();
        self.texts
            .retain(|path, _| files.iter().any(|(file, _)| file == path));
        let mut target = target.map(str::to_owned);
        let mut taken: Vec<(String, PathBuf)> = served.to_vec();
        for (path, text) in files {
            if self.texts.get(&path) == Some(&text) {
                continue;
            }
            self.texts.insert(path.clone(), text.clone());
            taken.retain(|(_, file)| *file != path);
            match check(&path, &text, target.as_deref(), &taken) {
                Ok(district) => {
                    target.get_or_insert_with(|| district.options.target());
                    taken.push((district.id.clone(), path));
                    changes.push(Change::Loaded(Box::new(district)));
                }
                Err(why) => {
                    let kept = if served.iter().any(|(_, file)| *file == path) {
                        "; its district keeps the configuration it had"
                    } else {
                        ""
                    };
                    eprint_line(format!("{}: skipped: {why}{kept}", path.display()));
                }
            }
        }
        Ok(changes)
    }

    /// Every `*.toml` file of the folder with its text, by path.
    fn files(&self) -> anyhow::Result<Vec<(PathBuf, String)>> {
        let entries = std::fs::read_dir(&self.dir).map_err(|error| {
            anyhow::anyhow!("cannot read the folder {}: {error}", self.dir.display())
        })?;
        let mut files: Vec<(PathBuf, String)> = entries
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "toml") && path.is_file())
            .filter_map(|path| {
                // A file that cannot be read now (being written) is read at
                // the next look.
                std::fs::read_to_string(&path).ok().map(|text| (path, text))
            })
            .collect();
        files.sort();
        Ok(files)
    }
}

/// The district configured by `text` (the file at `path`), or why a worker
/// cannot serve it: it does not load, keeps its state in a SQLite file,
/// names a database other than `target`, or a district `taken` by another
/// file.
fn check(
    path: &Path,
    text: &str,
    target: Option<&str>,
    taken: &[(String, PathBuf)],
) -> Result<DistrictConfig, String> {
    let config = config::parse(path, text, &|name| std::env::var(name).ok())
        .map_err(|error| error.to_string().replace("\n  - ", " - "))?;
    let StoreSettings::Postgres(options) = &config.store else {
        return Err(
            "its [store] is a SQLite file; a worker needs [store] url and district".to_owned(),
        );
    };
    let options = options.as_ref().clone();
    if let Some(target) = target {
        if options.target() != target {
            return Err(format!(
                "its database {} is not {target}, which this worker serves",
                options.target()
            ));
        }
    }
    let id = options.district().to_owned();
    if let Some((_, other)) = taken.iter().find(|(taken, _)| *taken == id) {
        return Err(format!(
            "district {id} is configured already by {}",
            other.display()
        ));
    }
    Ok(DistrictConfig {
        id,
        config,
        options,
    })
}

/// The configurations in `dir` on one database, each file said and skipped
/// when it cannot be served.
pub(super) fn load_districts(dir: &Path) -> anyhow::Result<Vec<DistrictConfig>> {
    Ok(loaded(Folder::new(dir).changes(None, &[])?))
}

/// The districts loaded among `changes`.
pub(super) fn loaded(changes: Vec<Change>) -> Vec<DistrictConfig> {
    changes
        .into_iter()
        .filter_map(|change| match change {
            Change::Loaded(district) => Some(*district),
            Change::Removed(_) => None,
        })
        .collect()
}

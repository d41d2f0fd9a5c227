//! The simulators served by hand (the `rostersync-sim` binary): a generated
//! district behind the eSchoolPLUS and Schoology simulators, what they serve
//! in words, and a rostersync configuration that points at them.

use std::path::PathBuf;

use chrono::{Datelike as _, NaiveDate};

use crate::district::{DistrictSize, generate};
use crate::eschoolplus::{EspSim, RunningEsp};
use crate::schoology::{RunningSchoology, SchoologySim};

/// What to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeOptions {
    /// Start the Schoology simulator.
    pub schoology: bool,
    /// Start the eSchoolPLUS simulator.
    pub eschoolplus: bool,
    /// The district's size.
    pub size: DistrictSize,
    /// The generator's seed.
    pub seed: u64,
    /// Schoology's port (eSchoolPLUS's is the next with both); 0: any free port.
    pub port: u16,
    /// The school year (its ending year); `None`: the one of the day.
    pub school_year: Option<i32>,
    /// Write the configuration here rather than only returning it.
    pub write_config: Option<PathBuf>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            schoology: true,
            eschoolplus: true,
            size: DistrictSize::Small,
            seed: 1,
            port: 0,
            school_year: None,
            write_config: None,
        }
    }
}

/// Why the simulators could not be served.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// `--write-config` names a file that exists.
    #[error("{0} exists; remove it (and the store it names) to start over, or write another file")]
    ConfigExists(PathBuf),
    /// A simulator could not start.
    #[error("the {what} simulator could not start: {message}")]
    Start {
        /// Which.
        what: &'static str,
        /// Why.
        message: String,
    },
    /// The configuration could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// Where.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The simulators, serving.
#[derive(Debug)]
pub struct Serving {
    /// The school year served (its ending year).
    pub school_year: i32,
    /// What is served, one line each, credentials included (they are the
    /// simulators' throw-away values).
    pub lines: Vec<String>,
    /// A rostersync configuration that points at the simulators.
    pub config: String,
    /// The eSchoolPLUS simulator, when started.
    pub esp: Option<RunningEsp>,
    /// The Schoology simulator, when started.
    pub schoology: Option<RunningSchoology>,
}

impl Serving {
    /// Stops the simulators.
    pub async fn stop(self) {
        if let Some(sim) = self.schoology {
            sim.stop().await;
        }
        if let Some(sim) = self.esp {
            sim.stop().await;
        }
    }
}

/// The school year of a date, as rostersync counts it: July starts the next.
pub fn school_year_of(date: NaiveDate) -> i32 {
    if date.month() >= 7 {
        date.year() + 1
    } else {
        date.year()
    }
}

/// Generates the district and starts the simulators; `today` sets the
/// school year unless the options fix it. Writes the configuration when
/// asked (never over an existing file).
///
/// # Errors
///
/// When the file to write exists or cannot be written, or a simulator
/// cannot listen.
pub async fn serve(options: &ServeOptions, today: NaiveDate) -> Result<Serving, ServeError> {
    if let Some(path) = &options.write_config {
        if path.exists() {
            return Err(ServeError::ConfigExists(path.clone()));
        }
    }
    let year = options.school_year.unwrap_or_else(|| school_year_of(today));
    let district = generate(options.size, options.seed, year);
    let mut lines = vec![format!(
        "district: {} (seed {}), {} people, {} sections, school year {}-{:02}",
        options.size.as_str(),
        options.seed,
        district.sis.people.len(),
        district.sis.sections.len(),
        year - 1,
        year.rem_euclid(100)
    )];
    let mut serving = Serving {
        school_year: year,
        lines: Vec::new(),
        config: String::new(),
        esp: None,
        schoology: None,
    };
    if options.schoology {
        let sim = SchoologySim::builder()
            .port(options.port)
            .directory(&district.lms_directory)
            .start()
            .await
            .map_err(|error| ServeError::Start {
                what: "Schoology",
                message: error.to_string(),
            })?;
        let admin = sim.admin_credentials();
        let other = sim.non_admin_credentials();
        lines.extend([
            format!("Schoology simulator: {}", sim.url()),
            format!("  district (school id) {}", sim.school_id()),
            format!(
                "  admin consumer key {} secret {} (a System Administrator)",
                admin.key, admin.secret
            ),
            format!(
                "  teacher consumer key {} secret {} (not an administrator)",
                other.key, other.secret
            ),
        ]);
        serving.schoology = Some(sim);
    }
    if options.eschoolplus {
        let port = if options.schoology && options.port != 0 {
            options.port.saturating_add(1)
        } else {
            options.port
        };
        let started = EspSim::builder()
            .port(port)
            .district(&district)
            .task_polls(1)
            .start()
            .await;
        let sim = match started {
            Ok(sim) => sim,
            Err(error) => {
                serving.stop().await;
                return Err(ServeError::Start {
                    what: "eSchoolPLUS",
                    message: error.to_string(),
                });
            }
        };
        lines.extend([
            format!("eSchoolPLUS simulator: {}", sim.url()),
            format!(
                "  site code {}, login {} password {}",
                sim.site_code(),
                sim.login_name(),
                sim.password()
            ),
        ]);
        serving.esp = Some(sim);
    }
    serving.config = config_text(year, serving.esp.as_ref(), serving.schoology.as_ref());
    serving.lines = lines;
    if let Some(path) = &options.write_config {
        if let Err(source) = std::fs::write(path, &serving.config) {
            serving.stop().await;
            return Err(ServeError::Write {
                path: path.clone(),
                source,
            });
        }
    }
    Ok(serving)
}

/// A rostersync configuration for the simulators that run.
pub fn config_text(
    year: i32,
    esp: Option<&RunningEsp>,
    schoology: Option<&RunningSchoology>,
) -> String {
    let mut text = String::from(
        "# rostersync configuration for the local simulators (rostersync-sim).\n\
         # The secrets below are the simulators' throw-away values; for a real\n\
         # district keep secrets out of this file and set ROSTERSYNC_ESP_PASSWORD\n\
         # and ROSTERSYNC_SCHOOLOGY_SECRET in the environment (see `rostersync init`).\n\n",
    );
    text.push_str(&format!(
        "[sis]\nadapter = \"eschoolplus\"\n# The simulator's school year ({}-{:02}).\nschool_year = {year}\n\n",
        year - 1,
        year.rem_euclid(100)
    ));
    if let Some(esp) = esp {
        text.push_str(&format!(
            "[eschoolplus]\ndomain = \"{}\"\nsite_code = \"{}\"\nlogin_name = \"{}\"\npassword = \"{}\"\n\
             # The simulator finishes a download at once; a real server wants the default, 2000.\n\
             poll_interval_ms = 100\n\n",
            esp.url(),
            esp.site_code(),
            esp.login_name(),
            esp.password()
        ));
    }
    if let Some(sim) = schoology {
        text.push_str(&format!(
            "[schoology]\nbase_url = \"{}\"\nconsumer_key = \"{}\"\nconsumer_secret = \"{}\"\nschool_id = \"{}\"\n\n",
            sim.url(),
            sim.admin_credentials().key,
            sim.admin_credentials().secret,
            sim.school_id()
        ));
    }
    text.push_str(
        "[store]\npath = \"rostersync.db\"\n\n[district]\ntime_zone = \"America/Chicago\"\n",
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn july_starts_the_next_school_year() {
        let date = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        assert_eq!(school_year_of(date(6, 30)), 2026);
        assert_eq!(school_year_of(date(7, 1)), 2027);
    }

    #[tokio::test]
    async fn an_existing_file_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rostersync.toml");
        std::fs::write(&path, "mine").unwrap();
        let options = ServeOptions {
            write_config: Some(path.clone()),
            ..ServeOptions::default()
        };
        let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let refused = serve(&options, today).await.unwrap_err();
        assert!(matches!(refused, ServeError::ConfigExists(_)), "{refused}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
    }
}

//! `rostersync-sim`: runs the simulators by hand, loaded with a generated
//! district, and prints the school year, where they listen, the credentials
//! and site code they serve, and a configuration for rostersync (or writes
//! it with `--write-config FILE`). `--help` prints the help and starts nothing.
//!
//! ```text
//! rostersync-sim schoology|eschoolplus|both [--size SIZE] [--seed N] [--port P]
//!     [--school-year YEAR] [--write-config FILE]
//! ```

// A command-line tool's output is its interface.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use rostersync_sim::district::ParseDistrictSizeError;
use rostersync_sim::serve::{ServeError, ServeOptions, serve};

const HELP: &str = "\
rostersync-sim: local simulators of eSchoolPLUS and Schoology, loaded with a
generated district, to try rostersync without any credentials.

Usage: rostersync-sim <schoology|eschoolplus|both> [options]

Starts the simulator(s) on 127.0.0.1 and prints the school year, the
addresses, the credentials and the site code they serve, and a configuration
for rostersync that points at them; then serves until Ctrl-C. The credentials
are throw-away values made up at every start.

Options:
  --size SIZE          tiny, small (default), medium, large or xl
  --seed N             the district generator's seed (default 1): the same
                       seed gives the same district
  --port P             Schoology's port, and eSchoolPLUS's P+1 with `both`
                       (default: free ports the system picks)
  --school-year YEAR   the school year, as its ending year (2027 for 2026-27);
                       default: the current one, counted as rostersync counts
                       it (July starts the next school year)
  --write-config FILE  write the configuration to FILE instead of printing it
                       (never over an existing file)
  -h, --help           print this help and start nothing

Example (see the README's five-minute path):
  rostersync-sim both --size tiny --write-config rostersync.toml
  rostersync check
";

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Parsed {
    Help,
    Run(ServeOptions),
}

/// Reads the arguments; the error is a message for standard error.
fn parse(args: &[String]) -> Result<Parsed, String> {
    if args
        .iter()
        .any(|arg| arg == "-h" || arg == "--help" || arg == "help")
    {
        return Ok(Parsed::Help);
    }
    let mut which = None;
    let mut options = ServeOptions::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match arg.as_str() {
            "--size" => {
                options.size = value("--size")?
                    .parse()
                    .map_err(|error: ParseDistrictSizeError| error.to_string())?;
            }
            "--seed" => {
                options.seed = value("--seed")?
                    .parse()
                    .map_err(|_| "--seed takes a whole number".to_owned())?;
            }
            "--port" => {
                options.port = value("--port")?
                    .parse()
                    .map_err(|_| "--port takes a port number".to_owned())?;
            }
            "--school-year" => {
                let year: i32 = value("--school-year")?
                    .parse()
                    .map_err(|_| "--school-year takes a year such as 2027".to_owned())?;
                if !(2000..=2100).contains(&year) {
                    return Err(format!(
                        "--school-year {year} is not a school year such as 2027"
                    ));
                }
                options.school_year = Some(year);
            }
            "--write-config" => {
                options.write_config = Some(PathBuf::from(value("--write-config")?));
            }
            "schoology" | "eschoolplus" | "both" if which.is_none() => which = Some(arg.clone()),
            other if other.starts_with('-') => return Err(format!("unknown option {other}")),
            other => return Err(format!("unknown simulator {other:?}")),
        }
    }
    let Some(which) = which else {
        return Err("say which simulator to run: schoology, eschoolplus or both".to_owned());
    };
    options.schoology = which != "eschoolplus";
    options.eschoolplus = which != "schoology";
    Ok(Parsed::Run(options))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse(&args) {
        Ok(Parsed::Help) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Ok(Parsed::Run(options)) => options,
        Err(message) => {
            eprintln!("rostersync-sim: {message}\n(`rostersync-sim --help` shows the usage)");
            return ExitCode::from(2);
        }
    };
    let today = DateTime::<Utc>::from(std::time::SystemTime::now()).date_naive();
    let serving = match serve(&options, today).await {
        Ok(serving) => serving,
        Err(error @ ServeError::ConfigExists(_)) => {
            eprintln!("rostersync-sim: {error}");
            return ExitCode::from(2);
        }
        Err(error) => {
            eprintln!("rostersync-sim: {error}");
            return ExitCode::FAILURE;
        }
    };
    for line in &serving.lines {
        println!("{line}");
    }
    match &options.write_config {
        Some(path) => println!("configuration for rostersync written to {}", path.display()),
        None => {
            println!("\nconfiguration for rostersync (save it as rostersync.toml):\n");
            print!("{}", serving.config);
            println!();
        }
    }
    println!("ready; the credentials are throw-away values; stop with Ctrl-C");
    if let Err(error) = tokio::signal::ctrl_c().await {
        eprintln!("waiting for Ctrl-C failed: {error}");
    }
    serving.stop().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;
    use rostersync_sim::district::DistrictSize;

    fn args(line: &str) -> Result<Parsed, String> {
        let words: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
        parse(&words)
    }

    #[test]
    fn help_is_asked_for_anywhere_on_the_line() {
        for line in ["--help", "-h", "both --help", "help", "both --size tiny -h"] {
            assert_eq!(args(line), Ok(Parsed::Help), "{line}");
        }
    }

    #[test]
    fn flags_are_read_and_mistakes_named() {
        let Ok(Parsed::Run(run)) =
            args("both --size tiny --school-year 2026 --write-config r.toml")
        else {
            panic!("not read");
        };
        assert!(run.schoology && run.eschoolplus);
        assert_eq!(run.size, DistrictSize::Tiny);
        assert_eq!(run.school_year, Some(2026));
        assert_eq!(run.write_config, Some(PathBuf::from("r.toml")));
        let Ok(Parsed::Run(one)) = args("schoology") else {
            panic!("not read");
        };
        assert!(one.schoology && !one.eschoolplus);
        assert!(args("").unwrap_err().contains("which simulator"));
        assert!(args("both --sise tiny").unwrap_err().contains("--sise"));
        assert!(args("both --size").unwrap_err().contains("needs a value"));
        assert!(
            args("both --school-year 26")
                .unwrap_err()
                .contains("--school-year")
        );
    }
}

//! `rostersync-sim`: runs the simulators by hand, loaded with a generated
//! district, and prints where they listen and the credentials to use.
//!
//! ```text
//! rostersync-sim schoology|eschoolplus|both [--size tiny|small|medium|large|xl] [--seed N] [--port P]
//! ```

// A command-line tool's output is its interface.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use rostersync_sim::district::{DistrictSize, generate};
use rostersync_sim::eschoolplus::EspSim;
use rostersync_sim::schoology::SchoologySim;

const USAGE: &str = "usage: rostersync-sim schoology|eschoolplus|both [--size tiny|small|medium|large|xl] [--seed N] [--port P]";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| args.windows(2).find(|w| w[0] == flag).map(|w| w[1].clone());
    let Some(which) = args.first().cloned() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let size: DistrictSize = match value("--size").unwrap_or_else(|| "small".into()).parse() {
        Ok(size) => size,
        Err(error) => {
            eprintln!("{error}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let (Ok(seed), Ok(port)) = (
        value("--seed").unwrap_or_else(|| "1".into()).parse::<u64>(),
        value("--port").unwrap_or_else(|| "0".into()).parse::<u16>(),
    ) else {
        eprintln!("--seed takes a whole number and --port a port number\n{USAGE}");
        return ExitCode::from(2);
    };
    let (schoology, eschoolplus) = match which.as_str() {
        "schoology" => (true, false),
        "eschoolplus" => (false, true),
        "both" => (true, true),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let district = generate(size, seed, 2026);
    println!(
        "district: {} (seed {seed}), {} people, {} sections",
        size.as_str(),
        district.sis.people.len(),
        district.sis.sections.len()
    );
    let mut running_sgy = None;
    let mut running_esp = None;
    if schoology {
        match SchoologySim::builder()
            .port(port)
            .directory(&district.lms_directory)
            .start()
            .await
        {
            Ok(sim) => {
                let admin = sim.admin_credentials();
                println!("Schoology simulator: {}", sim.url());
                println!("  admin consumer key {} secret {}", admin.key, admin.secret);
                let other = sim.non_admin_credentials();
                println!(
                    "  non-admin consumer key {} secret {}",
                    other.key, other.secret
                );
                running_sgy = Some(sim);
            }
            Err(error) => {
                eprintln!("the Schoology simulator could not start: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    if eschoolplus {
        let esp_port = if schoology && port != 0 {
            port.saturating_add(1)
        } else {
            port
        };
        match EspSim::builder()
            .port(esp_port)
            .district(&district)
            .start()
            .await
        {
            Ok(sim) => {
                println!("eSchoolPLUS simulator: {}", sim.url());
                println!(
                    "  site code {}, login {} password {}",
                    sim.site_code(),
                    sim.login_name(),
                    sim.password()
                );
                running_esp = Some(sim);
            }
            Err(error) => {
                eprintln!("the eSchoolPLUS simulator could not start: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    println!("(these are throw-away simulator credentials; press Ctrl-C to stop)");
    if let Err(error) = tokio::signal::ctrl_c().await {
        eprintln!("waiting for Ctrl-C failed: {error}");
    }
    if let Some(sim) = running_sgy {
        sim.stop().await;
    }
    if let Some(sim) = running_esp {
        sim.stop().await;
    }
    ExitCode::SUCCESS
}

//! `cargo xtask`: the automation of the rostersync workspace.
//!
//! This is the cargo-xtask pattern: a binary crate that needs nothing but cargo,
//! run through the `xtask` alias in `.cargo/config.toml`.
//! Run `cargo xtask` with no arguments for the list of tasks.
//! `main` only dispatches; each task lives in its own module, and every flag is declared in `flags`.

// xtask is a command-line tool: printing progress and results is its job, not a leftover.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod bench;
mod bless;
mod ci;
mod flags;
mod man;
mod quickstart;
mod tidy;
mod util;

use flags::Task;

fn main() -> anyhow::Result<()> {
    let task = flags::parse(std::env::args().skip(1))?;
    let root = util::project_root();
    match task {
        Task::Help => {
            print!("{}", flags::HELP);
            Ok(())
        }
        Task::Ci => ci::run(&root),
        Task::Tidy => tidy::run_tidy(&root),
        Task::Bless => bless::run(&root),
        Task::Man => man::run(&root),
        Task::Bench(args) => bench::run(&root, &args),
    }
}

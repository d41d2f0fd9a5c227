//! Every task and flag `cargo xtask` accepts, declared in one place.

use anyhow::{Context, bail};

/// The help text, printed when `cargo xtask` runs with no arguments.
pub(crate) const HELP: &str = "\
cargo xtask <TASK>

Tasks:
  ci      Everything CI runs, in order, stopping at the first failure:
          fmt --check, clippy (-D warnings), test, doc (warnings denied), tidy.
          If `cargo xtask ci` passes locally, CI passes.
  tidy    Repository rules: dependency directions of DESIGN.md §2 (from cargo metadata),
          no anyhow in libraries, a `//!` doc atop every .rs file, no ignored or
          should-panic tests, no dbg!/todo!/unimplemented!, no oversized files.
  bless   UPDATE_EXPECT=1 cargo test -p rostersync-core, then show what changed
          under crates/core/test_data. Review that diff before committing it.
  bench [--size SIZE] [--quick] [--runs N]
          Build rostersync-bench in release mode and run each of its scenarios in a
          fresh process (default size: xl). Prints a Markdown table and rewrites the
          results section of docs/benchmarks.md.
          --quick  print the table only; docs/benchmarks.md is left unchanged.
          --runs N run each scenario N times (default 3, 1 with --quick) and report
                   the run with the median wall time, with every run's time.
  man     Write the man pages of the rostersync binary (rostersync.1 and one per
          command) into target/man, generated from its command line.
  help    Print this text.
";

/// A task to run, with its flags.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Task {
    Help,
    Ci,
    Tidy,
    Bless,
    Man,
    Bench(BenchArgs),
}

/// Flags of `cargo xtask bench`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct BenchArgs {
    /// District size handed to each scenario (`--size`), e.g. `small` or `xl`.
    pub(crate) size: String,
    /// A smoke run: print the results, leave `docs/benchmarks.md` alone.
    pub(crate) quick: bool,
    /// Fresh processes per scenario; the run with the median wall time is
    /// reported (3 unless set, 1 with `--quick`).
    pub(crate) runs: usize,
}

/// Parses the arguments after `cargo xtask`.
pub(crate) fn parse(args: impl IntoIterator<Item = String>) -> anyhow::Result<Task> {
    let mut args = args.into_iter();
    let Some(task) = args.next() else {
        return Ok(Task::Help);
    };
    let rest: Vec<String> = args.collect();
    let task = match task.as_str() {
        "help" | "-h" | "--help" => Task::Help,
        "ci" => no_flags(Task::Ci, &rest)?,
        "tidy" => no_flags(Task::Tidy, &rest)?,
        "bless" => no_flags(Task::Bless, &rest)?,
        "man" => no_flags(Task::Man, &rest)?,
        "bench" => Task::Bench(parse_bench(rest)?),
        other => bail!("unknown task `{other}`\n\n{HELP}"),
    };
    Ok(task)
}

fn no_flags(task: Task, rest: &[String]) -> anyhow::Result<Task> {
    match rest.first() {
        None => Ok(task),
        Some(arg) => bail!("unexpected argument `{arg}`\n\n{HELP}"),
    }
}

fn parse_bench(rest: Vec<String>) -> anyhow::Result<BenchArgs> {
    let mut bench = BenchArgs {
        size: "xl".to_owned(),
        quick: false,
        runs: 0,
    };
    let mut rest = rest.into_iter();
    while let Some(arg) = rest.next() {
        if let Some(size) = arg.strip_prefix("--size=") {
            bench.size = size.to_owned();
            continue;
        }
        match arg.as_str() {
            "--size" => {
                bench.size = rest
                    .next()
                    .context("`--size` needs a value, e.g. `--size xl`")?
            }
            "--quick" => bench.quick = true,
            "--runs" => {
                bench.runs = rest
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .context("`--runs` needs a count of at least 1, e.g. `--runs 5`")?
            }
            other => bail!("unexpected argument `{other}` for `bench`\n\n{HELP}"),
        }
    }
    if bench.runs == 0 {
        bench.runs = if bench.quick { 1 } else { 3 };
    }
    if bench.size.is_empty() || bench.size.starts_with('-') {
        bail!("`--size` needs a value, e.g. `--size xl`");
    }
    Ok(bench)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(args: &[&str]) -> anyhow::Result<Task> {
        parse(args.iter().map(|arg| (*arg).to_owned()))
    }

    #[test]
    fn no_arguments_means_help() {
        assert_eq!(parse_str(&[]).unwrap(), Task::Help);
    }

    #[test]
    fn tasks_without_flags() {
        assert_eq!(parse_str(&["ci"]).unwrap(), Task::Ci);
        assert_eq!(parse_str(&["tidy"]).unwrap(), Task::Tidy);
        assert_eq!(parse_str(&["bless"]).unwrap(), Task::Bless);
        assert_eq!(parse_str(&["man"]).unwrap(), Task::Man);
        assert!(parse_str(&["ci", "--fast"]).is_err());
        assert!(parse_str(&["deploy"]).is_err());
    }

    #[test]
    fn bench_flags() {
        let bench = |size: &str, quick| {
            Task::Bench(BenchArgs {
                size: size.to_owned(),
                quick,
                runs: if quick { 1 } else { 3 },
            })
        };
        assert_eq!(parse_str(&["bench"]).unwrap(), bench("xl", false));
        assert_eq!(
            parse_str(&["bench", "--size", "small", "--quick"]).unwrap(),
            bench("small", true)
        );
        assert_eq!(
            parse_str(&["bench", "--quick", "--size=tiny"]).unwrap(),
            bench("tiny", true)
        );
        assert!(parse_str(&["bench", "--size"]).is_err());
        assert!(parse_str(&["bench", "--size", "--quick"]).is_err());
        assert!(parse_str(&["bench", "--slow"]).is_err());
        assert_eq!(
            parse_str(&["bench", "--runs", "5"]).unwrap(),
            Task::Bench(BenchArgs {
                size: "xl".to_owned(),
                quick: false,
                runs: 5,
            })
        );
        assert!(parse_str(&["bench", "--runs", "0"]).is_err());
        assert!(parse_str(&["bench", "--runs"]).is_err());
    }
}

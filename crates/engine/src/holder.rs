//! Who holds a sync lock: the host, the process and when it started, written
//! into the lease's holder name so that a later run can tell a live holder
//! from one that is gone.
//!
//! The store keeps the holder name as text and compares it whole; only the
//! engine reads it. A holder on this host whose process no longer runs (or
//! whose process id now belongs to a process that started later) holds
//! nothing, and the next run takes its lock over at once. A holder on another
//! host cannot be seen from here: its lease is short and renewed by a
//! heartbeat while it runs, so it lapses within minutes of its death.

use std::fmt;

use chrono::{DateTime, Utc};

/// The identity of one lock holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Holder {
    /// The host it runs on, when known.
    pub(crate) host: Option<String>,
    /// Its process id.
    pub(crate) pid: u32,
    /// When its process started, in the kernel's clock ticks since boot
    /// (`/proc/PID/stat`), when known: tells a reused process id apart.
    pub(crate) started: Option<u64>,
    /// Distinguishes engines of one process.
    pub(crate) engine: u64,
    /// What it does ("sync all", "grade passback", ...).
    pub(crate) what: String,
    /// When it took the lock.
    pub(crate) since: DateTime<Utc>,
}

/// Whether a holder's process still runs, as far as this host can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Liveness {
    /// Its process runs (or this host cannot tell: another host, or no
    /// process table to read). Its lease is respected.
    Alive,
    /// It ran on this host and its process is gone.
    Gone,
}

impl Holder {
    /// This process, as the holder of a lock taken at `since`.
    pub(crate) fn current(engine: u64, what: &str, since: DateTime<Utc>) -> Self {
        let pid = std::process::id();
        Holder {
            host: host_name(),
            pid,
            started: process_started(pid),
            engine,
            what: what.to_owned(),
            since,
        }
    }

    /// Reads a holder name written by [`Holder`]'s `Display`; `None` for a
    /// name of another form (an older build, a test), which is then never
    /// judged gone.
    pub(crate) fn parse(name: &str) -> Option<Self> {
        // "process 12 (started 345) on host h engine 1 (what since 2026-...)"
        let rest = name.strip_prefix("process ")?;
        let (pid, rest) = rest.split_once(' ')?;
        let pid = pid.parse().ok()?;
        let (started, rest) = match rest.strip_prefix("(started ") {
            Some(after) => {
                let (ticks, rest) = after.split_once(") ")?;
                (Some(ticks.parse().ok()?), rest)
            }
            None => (None, rest),
        };
        let (host, rest) = match rest.strip_prefix("on host ") {
            Some(after) => {
                let (host, rest) = after.split_once(' ')?;
                (Some(host.to_owned()), rest)
            }
            None => (None, rest),
        };
        let rest = rest.strip_prefix("engine ")?;
        let (engine, rest) = rest.split_once(" (")?;
        let engine = engine.parse().ok()?;
        let inner = rest.strip_suffix(')')?;
        let (what, since) = inner.rsplit_once(" since ")?;
        let since = DateTime::parse_from_rfc3339(since)
            .ok()?
            .with_timezone(&Utc);
        Some(Holder {
            host,
            pid,
            started,
            engine,
            what: what.to_owned(),
            since,
        })
    }

    /// Whether this holder still runs, seen from `here` (this host's name)
    /// through `probe` (what this host knows of a process id).
    pub(crate) fn liveness(
        &self,
        here: Option<&str>,
        probe: impl Fn(u32) -> ProcessState,
    ) -> Liveness {
        let same_host = matches!((self.host.as_deref(), here), (Some(a), Some(b)) if a == b);
        if !same_host {
            return Liveness::Alive;
        }
        match probe(self.pid) {
            ProcessState::Unknown => Liveness::Alive,
            ProcessState::Absent => Liveness::Gone,
            ProcessState::Running { started } => match (self.started, started) {
                // The id was reused by a process that started later.
                (Some(held), Some(now)) if held != now => Liveness::Gone,
                _ => Liveness::Alive,
            },
        }
    }

    /// The holder's process in words, for messages.
    pub(crate) fn process(&self) -> String {
        match &self.host {
            Some(host) => format!("process {} on host {host}", self.pid),
            None => format!("process {}", self.pid),
        }
    }
}

impl fmt::Display for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "process {}", self.pid)?;
        if let Some(started) = self.started {
            write!(f, " (started {started})")?;
        }
        if let Some(host) = &self.host {
            write!(f, " on host {host}")?;
        }
        write!(
            f,
            " engine {} ({} since {})",
            self.engine,
            self.what,
            self.since
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )
    }
}

/// What this host knows of a process id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProcessState {
    /// No process has this id.
    Absent,
    /// A process has it; when it started, if known.
    Running {
        /// Clock ticks since boot.
        started: Option<u64>,
    },
    /// This host cannot tell (no `/proc`).
    Unknown,
}

/// This host's name, without blanks (it is one word of the holder name).
pub(crate) fn host_name() -> Option<String> {
    let raw = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())?;
    let name: String = raw.trim().chars().filter(|c| !c.is_whitespace()).collect();
    (!name.is_empty()).then_some(name)
}

/// Looks a process up in `/proc`.
pub(crate) fn probe_process(pid: u32) -> ProcessState {
    let proc_root = std::path::Path::new("/proc");
    if !proc_root.join("self").exists() {
        return ProcessState::Unknown;
    }
    match std::fs::read_to_string(proc_root.join(pid.to_string()).join("stat")) {
        Ok(stat) => ProcessState::Running {
            started: start_ticks(&stat),
        },
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => ProcessState::Absent,
        Err(_) => ProcessState::Unknown,
    }
}

/// When process `pid` started, from `/proc/PID/stat`.
fn process_started(pid: u32) -> Option<u64> {
    match probe_process(pid) {
        ProcessState::Running { started } => started,
        _ => None,
    }
}

/// Field 22 of a `/proc/PID/stat` line (the start time); the command name
/// (field 2) is in parentheses and may hold blanks, so fields are counted
/// after its closing parenthesis.
fn start_ticks(stat: &str) -> Option<u64> {
    let (_, after_name) = stat.rsplit_once(')')?;
    // After the name come field 3 (state) onwards: field 22 is the 20th.
    after_name.split_whitespace().nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holder(host: Option<&str>, started: Option<u64>) -> Holder {
        Holder {
            host: host.map(str::to_owned),
            pid: 4242,
            started,
            engine: 3,
            what: "sync all".to_owned(),
            since: "2026-12-05T10:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn a_holder_name_reads_back_as_written() {
        for written in [
            holder(Some("web-1"), Some(987)),
            holder(None, None),
            holder(Some("h"), None),
        ] {
            let name = written.to_string();
            assert_eq!(Holder::parse(&name), Some(written), "{name}");
        }
        assert_eq!(
            holder(Some("web-1"), Some(987)).to_string(),
            "process 4242 (started 987) on host web-1 engine 3 (sync all since 2026-12-05T10:00:00Z)"
        );
        assert_eq!(Holder::parse("process-1/run-7"), None);
        assert_eq!(Holder::parse("a"), None);
    }

    #[test]
    fn only_a_holder_of_this_host_whose_process_is_gone_is_gone() {
        let absent = |_| ProcessState::Absent;
        let running = |started| move |_| ProcessState::Running { started };
        let here = Some("web-1");
        let mine = holder(Some("web-1"), Some(987));
        assert_eq!(mine.liveness(here, absent), Liveness::Gone);
        assert_eq!(mine.liveness(here, running(Some(987))), Liveness::Alive);
        // The id now belongs to a process that started later.
        assert_eq!(mine.liveness(here, running(Some(5000))), Liveness::Gone);
        assert_eq!(mine.liveness(here, running(None)), Liveness::Alive);
        assert_eq!(
            mine.liveness(here, |_| ProcessState::Unknown),
            Liveness::Alive
        );
        // Another host, or a host that cannot be named: its lease is respected.
        assert_eq!(mine.liveness(Some("web-2"), absent), Liveness::Alive);
        assert_eq!(mine.liveness(None, absent), Liveness::Alive);
        assert_eq!(
            holder(None, Some(987)).liveness(here, absent),
            Liveness::Alive
        );
    }

    #[test]
    fn the_start_time_is_read_after_a_command_name_with_blanks() {
        let stat =
            "77 (my (odd) cmd) S 1 77 77 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 123456 1000 10";
        assert_eq!(start_ticks(stat), Some(123_456));
        assert_eq!(start_ticks("77 (x) S 1"), None);
    }

    #[test]
    fn this_process_is_running_and_is_found_alive() {
        let me = Holder::current(1, "sync all", "2026-12-05T10:00:00Z".parse().unwrap());
        if matches!(probe_process(me.pid), ProcessState::Unknown) {
            return; // no /proc here: nothing to judge
        }
        assert!(me.started.is_some());
        assert_eq!(
            me.liveness(me.host.as_deref(), probe_process),
            Liveness::Alive
        );
    }
}

//! `EngineError`: the whole-run failures of the engine. Per-record problems
//! are never errors; they are outcomes in the run report.

use rostersync_core::SyncScope;
use rostersync_core::ids::TermKey;
use rostersync_ports::{ActingUser, ErrorKind, PortError};

use crate::report::RunReport;

/// Why a run (or another engine operation) stopped as a whole.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The LMS acting user is not a System Administrator; nothing was read.
    /// [`EngineError::not_admin`] builds it from the acting user.
    #[error(
        "the LMS acting user {user} is not a System Administrator of the district: \
         only the role titles listed in schoology.system_admin_roles count; give the account \
         such a role or use the credentials of one that has it, or, if its role is the \
         district's System Administrator role under another title, add that title to \
         schoology.system_admin_roles"
    )]
    NotAdmin {
        /// Who the acting user is: name, id and, when the LMS names it, the
        /// title of its role ([`ActingUser::describe`]).
        user: String,
    },
    /// Another sync of overlapping data holds the lock.
    #[error(
        "a {scope} sync cannot start: {holder} holds the sync lock for overlapping data; {}",
        wait_advice(*scope)
    )]
    AlreadyRunning {
        /// The scope asked for.
        scope: SyncScope,
        /// Who holds the lock, as far as the store tells.
        holder: String,
    },
    /// The run's lock lapsed and another process took it; the run stopped
    /// between two phases, and the next run finishes its work.
    #[error(
        "the {scope} sync lost its lock to another process (the lease lapsed); \
         it stopped, and the next run finishes its work; consider a longer lease"
    )]
    LockLost {
        /// The scope of the run.
        scope: SyncScope,
    },
    /// A queued job failed for a reason that may pass (a port unavailable or
    /// rate limited, a SIS task that failed in every run) as many times as
    /// the queue allows, and was dropped; the last failure is the source.
    #[error(
        "the job failed {attempts} times in a row for a reason that may pass (the last failure \
         follows) and was dropped from the queue; the next scheduled or queued sync tries again"
    )]
    GaveUp {
        /// Failed attempts, the last one included.
        attempts: u32,
        /// The last failure.
        #[source]
        source: Box<EngineError>,
    },
    /// The plan exceeds a safety threshold and the run was not forced; the
    /// run is recorded with status `StoppedByThreshold` and nothing was written.
    #[error("{}", threshold_message(report))]
    ThresholdExceeded {
        /// The recorded run, with the breaches and the plan summary.
        report: Box<RunReport>,
    },
    /// A read from the SIS failed as a whole.
    #[error("reading the SIS failed ({what})")]
    Sis {
        /// What was being read.
        what: &'static str,
        /// The port's error.
        #[source]
        source: PortError,
    },
    /// A call to the LMS failed as a whole.
    #[error("the LMS call failed ({what})")]
    Lms {
        /// What was being done.
        what: &'static str,
        /// The port's error.
        #[source]
        source: PortError,
    },
    /// The state store failed.
    #[error("the state store failed ({what})")]
    Store {
        /// What was being done.
        what: &'static str,
        /// The port's error.
        #[source]
        source: PortError,
    },
    /// A teacher asked for grade passback of a section they do not teach.
    #[error(
        "LMS user {user} is not a section admin of {section} in the LMS; a teacher may pass back \
         grades only of their own sections (a System Administrator may for any)"
    )]
    NotSectionTeacher {
        /// The section.
        section: String,
        /// The teacher's LMS id.
        user: String,
    },
    /// The SIS grade sink failed as a whole.
    #[error("the SIS gradebook call failed ({what})")]
    Gradebook {
        /// What was being done.
        what: &'static str,
        /// The port's error.
        #[source]
        source: PortError,
    },
    /// The SIS grade sink has no section with this key, so it is not known
    /// which school's terms its grades belong to.
    #[error(
        "the SIS has no section {section}; grades go only into the terms of a section's own school"
    )]
    SectionNotInSis {
        /// The section.
        section: String,
    },
    /// The SIS has no term with this key in the school year.
    #[error("the SIS has no term {term} in school year {school_year}")]
    UnknownTerm {
        /// The term.
        term: TermKey,
        /// The school year read.
        school_year: i32,
    },
    /// A grading period with the term's title exists and is linked to another term.
    #[error(
        "a grading period titled \"{title}\" already exists and is linked to term {other}; \
         map the term to that grading period or rename one of them"
    )]
    PeriodTitleTaken {
        /// The title.
        title: String,
        /// The term it is linked to.
        other: TermKey,
    },
}

impl EngineError {
    /// The refusal of an acting user who is not a System Administrator,
    /// naming its role title.
    pub fn not_admin(acting: &ActingUser) -> Self {
        EngineError::NotAdmin {
            user: acting.describe(),
        }
    }

    /// The kind of the port error underneath, if the failure came from a port.
    pub fn port_kind(&self) -> Option<ErrorKind> {
        match self {
            EngineError::Sis { source, .. }
            | EngineError::Lms { source, .. }
            | EngineError::Gradebook { source, .. }
            | EngineError::Store { source, .. } => Some(source.kind()),
            EngineError::GaveUp { source, .. } => source.port_kind(),
            _ => None,
        }
    }
}

impl EngineError {
    /// Whether trying again later may succeed without anyone changing
    /// anything: the lock is held, or a port was unavailable or rate limited
    /// (a SIS task that failed in every run counts as unavailable). A job
    /// the queue gave up on is not: it was tried enough.
    pub fn is_transient(&self) -> bool {
        if matches!(self, EngineError::GaveUp { .. }) {
            return false;
        }
        matches!(
            self,
            EngineError::AlreadyRunning { .. } | EngineError::LockLost { .. }
        ) || matches!(
            self.port_kind(),
            Some(ErrorKind::Unavailable | ErrorKind::RateLimited)
        )
    }
}

/// What to do while another run holds the lock: a sync can be queued for
/// the service, which runs it once the lock is free.
fn wait_advice(scope: SyncScope) -> String {
    match scope {
        SyncScope::Grades => "wait for it to finish, then try again".to_owned(),
        _ => format!(
            "wait for it to finish, or queue this sync for the service (`rostersync run`) \
             with `rostersync sync {scope} --queue`"
        ),
    }
}

fn threshold_message(report: &RunReport) -> String {
    let breaches: Vec<String> = report.breaches.iter().map(ToString::to_string).collect();
    // Only a recorded run stops; a dry run lists its breaches.
    let run = report
        .run
        .map_or_else(|| "the run".to_owned(), |id| format!("run {id}"));
    format!(
        "{run} stopped by the safety thresholds before any write: {}; \
         check the SIS data, or run again with force to apply anyway",
        breaches.join("; ")
    )
}

/// Maps a SIS port error.
pub(crate) fn sis(what: &'static str) -> impl FnOnce(PortError) -> EngineError {
    move |source| EngineError::Sis { what, source }
}

/// Maps an LMS port error.
pub(crate) fn lms(what: &'static str) -> impl FnOnce(PortError) -> EngineError {
    move |source| EngineError::Lms { what, source }
}

/// Maps a store port error.
pub(crate) fn store(what: &'static str) -> impl FnOnce(PortError) -> EngineError {
    move |source| EngineError::Store { what, source }
}

#[cfg(test)]
mod tests {
    use rostersync_core::ids::UserId;

    use super::*;

    fn acting(role_title: Option<&str>) -> ActingUser {
        ActingUser {
            id: UserId::new("77"),
            name: "Tom Teacher".to_owned(),
            is_system_admin: false,
            role_title: role_title.map(str::to_owned),
        }
    }

    #[test]
    fn the_refusal_names_the_role_title_and_the_key() {
        let message = EngineError::not_admin(&acting(Some("District Boss"))).to_string();
        assert!(
            message.contains("Tom Teacher (77) (role \"District Boss\")"),
            "{message}"
        );
        assert!(
            message.contains("schoology.system_admin_roles"),
            "{message}"
        );
        let untitled = EngineError::not_admin(&acting(None)).to_string();
        assert!(untitled.contains("(no role title)"), "{untitled}");
    }
}

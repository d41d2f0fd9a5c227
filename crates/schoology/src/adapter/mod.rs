//! `SchoologyLms`: the rostersync adapter. It implements `LmsTarget` (acting
//! user, directory, snapshot, apply) and `GradeSource` on top of the
//! [`Client`], and is the only place where Schoology records become core types.

mod acting;
mod apply;
pub mod convert;
mod gradebook;
mod snapshot;
mod users;

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use rostersync_core::ids::{SectionKey, UserId};
use rostersync_core::model::grades::LmsGradebook;
use rostersync_core::model::lms::{LmsSection, LmsSnapshot};
use rostersync_ports::{
    ActingUser, CallMemory, ErrorKind, GradeSource, LmsCallStats, LmsDirectory, LmsOutcome,
    LmsRequest, LmsTarget, LmsWrite, PortError, PortResult,
};

pub use acting::DEFAULT_SYSTEM_ADMIN_ROLES;

use crate::client::Client;
use crate::users::EmailConflicts;

/// Settings of the adapter (the client has its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdapterConfig {
    /// The district's school id: its buildings are the LMS buildings. `None`
    /// lists every school the key can see, with their buildings.
    pub school_id: Option<String>,
    /// Role titles that make an account a System Administrator (compared
    /// without regard to case); see [`DEFAULT_SYSTEM_ADMIN_ROLES`].
    pub system_admin_roles: Vec<String>,
    /// What to do with a user record Schoology refuses because its e-mail
    /// is in use: [`EmailConflicts::Fail`] keeps the failure; the others send
    /// the record once more with their flag (an update once more without
    /// the e-mail), and a record that then lands is done with a warning
    /// naming the address. Default [`EmailConflicts::IgnoreOtherSchools`].
    pub email_conflicts: EmailConflicts,
    /// Mark written users, courses and sections `synced` (SIS-owned).
    pub mark_synced: bool,
}

impl Default for AdapterConfig {
    fn default() -> Self {
        AdapterConfig {
            school_id: None,
            system_admin_roles: DEFAULT_SYSTEM_ADMIN_ROLES
                .iter()
                .map(|title| (*title).to_owned())
                .collect(),
            email_conflicts: EmailConflicts::IgnoreOtherSchools,
            mark_synced: true,
        }
    }
}

/// Schoology as rostersync's LMS and grade source.
#[derive(Debug)]
pub struct SchoologyLms {
    client: Client,
    config: AdapterConfig,
    /// Section ids by `section_school_code`, learned from snapshots and writes.
    section_ids: Mutex<HashMap<String, String>>,
}

impl SchoologyLms {
    /// An adapter over `client`.
    pub fn new(client: Client, config: AdapterConfig) -> Self {
        SchoologyLms {
            client,
            config,
            section_ids: Mutex::new(HashMap::new()),
        }
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The settings.
    pub fn config(&self) -> &AdapterConfig {
        &self.config
    }

    fn remember_sections<'a>(&self, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) {
        if let Ok(mut ids) = self.section_ids.lock() {
            for (code, id) in pairs {
                ids.insert(code.to_owned(), id.to_owned());
            }
        }
    }

    /// The Schoology ids of sections by unique code: from what this adapter
    /// has seen, else asked of Schoology (50 codes per call).
    async fn section_ids(&self, codes: &[&str]) -> PortResult<HashMap<String, String>> {
        let mut found = HashMap::new();
        let mut missing = Vec::new();
        if let Ok(ids) = self.section_ids.lock() {
            for code in codes {
                match ids.get(*code) {
                    Some(id) => {
                        found.insert((*code).to_owned(), id.clone());
                    }
                    None => missing.push(*code),
                }
            }
        }
        missing.sort_unstable();
        missing.dedup();
        if !missing.is_empty() {
            let sections = self.client.sections_by_school_codes(&missing).await?;
            let pairs: Vec<(String, String)> = sections
                .iter()
                .filter_map(|s| Some((s.section_school_code.clone()?, s.id.clone())))
                .collect();
            self.remember_sections(pairs.iter().map(|(c, i)| (c.as_str(), i.as_str())));
            found.extend(pairs);
        }
        Ok(found)
    }

    async fn section_id(&self, section: &SectionKey) -> PortResult<String> {
        self.section_ids(&[section.as_str()])
            .await?
            .remove(section.as_str())
            .ok_or_else(|| {
                PortError::new(
                    ErrorKind::NotFound,
                    format!("no Schoology section has section_school_code {section}"),
                )
            })
    }
}

#[async_trait]
impl LmsTarget for SchoologyLms {
    async fn acting_user(&self) -> PortResult<ActingUser> {
        self.acting().await
    }

    async fn directory(&self) -> PortResult<LmsDirectory> {
        self.read_directory().await
    }

    async fn snapshot(&self, request: &LmsRequest) -> PortResult<LmsSnapshot> {
        self.read_snapshot(request).await
    }

    async fn sections_by_codes(&self, codes: &[String]) -> PortResult<Vec<LmsSection>> {
        let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
        let sections = self.client.sections_by_school_codes(&codes).await?;
        Ok(sections
            .iter()
            .map(|section| convert::section(section, ""))
            .collect())
    }

    async fn apply(&self, write: &LmsWrite) -> PortResult<Vec<LmsOutcome>> {
        self.write(write).await
    }

    fn call_stats(&self) -> Option<LmsCallStats> {
        let stats = self.client.call_stats();
        Some(LmsCallStats {
            calls: stats.answers,
            rate_limited: stats.rate_limited,
            busy: stats.busy,
            limit_per_second: self.client.rate_limit().per_second(),
            pace_per_second: stats.rate_per_second,
        })
    }

    fn call_memory(&self) -> Option<CallMemory> {
        Some(self.client.call_memory())
    }

    fn recall_calls(&self, memory: &CallMemory) {
        self.client.recall_calls(memory);
    }
}

#[async_trait]
impl GradeSource for SchoologyLms {
    async fn gradebook(&self, section: &SectionKey) -> PortResult<LmsGradebook> {
        self.read_gradebook(section).await
    }

    async fn section_admins(&self, section: &SectionKey) -> PortResult<Vec<UserId>> {
        self.read_section_admins(section).await
    }
}

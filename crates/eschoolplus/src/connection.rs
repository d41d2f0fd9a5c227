//! One logged-on session shared by every call an adapter makes for a
//! command, with what the session learned: which of rostersync's
//! definitions the server already holds (read once from
//! `LTDB_INTERFACE_DEF`), so a definition is saved only when its content
//! changed, and downloads already made that no write has made stale.

use std::collections::BTreeMap;

use crate::config::{Credentials, Options};
use crate::definitions::{self, Definition};
use crate::error::{EspError, EspResult};
use crate::session::Session;
use crate::tasks::{self, Download};

/// A session and what it knows.
#[derive(Debug)]
pub(crate) struct Connection {
    session: Session,
    /// Interface id → description of rostersync's definitions on the server;
    /// `None` until read.
    held: Option<BTreeMap<String, String>>,
    /// Downloads made, by interface id and description (content) of their
    /// definition.
    cache: BTreeMap<(String, String), Vec<Download>>,
}

impl Connection {
    /// Logs on.
    pub(crate) async fn open(credentials: Credentials, options: Options) -> EspResult<Self> {
        Ok(Connection {
            session: Session::open(credentials, options).await?,
            held: None,
            cache: BTreeMap::new(),
        })
    }

    /// The session.
    pub(crate) fn session(&self) -> &Session {
        &self.session
    }

    /// Selects `school_year` (logging on again if it changes).
    pub(crate) async fn select_year(&self, school_year: i32) -> EspResult<()> {
        self.session.select_year(school_year).await
    }

    /// Makes sure the server holds every definition of `definitions` as
    /// they are: saves those whose content differs from what it holds, then
    /// logs on again once if anything was saved (assumption 3). Returns how
    /// many were saved.
    ///
    /// # Errors
    ///
    /// When the catalogue cannot be read or a save is refused.
    pub(crate) async fn prepare(&mut self, definitions: &[&Definition]) -> EspResult<usize> {
        let results = self.prepare_each(definitions).await?;
        let mut saved = 0;
        for result in results {
            saved += usize::from(result?);
        }
        Ok(saved)
    }

    /// Like [`Connection::prepare`], with one result per definition: whether
    /// it was saved, or why the server refused it. Logs on again once if
    /// anything was saved.
    ///
    /// # Errors
    ///
    /// When the catalogue cannot be read or logging on again fails.
    pub(crate) async fn prepare_each(
        &mut self,
        definitions: &[&Definition],
    ) -> EspResult<Vec<EspResult<bool>>> {
        let held = self.held().await?.clone();
        let mut results = Vec::with_capacity(definitions.len());
        let mut saved = 0;
        for definition in definitions {
            let description = definition.description();
            if held.get(&definition.interface_id) == Some(&description) {
                results.push(Ok(false));
                continue;
            }
            let result = tasks::save(&self.session, definition).await;
            if result.is_ok() {
                saved += 1;
                if let Some(held) = self.held.as_mut() {
                    held.insert(definition.interface_id.clone(), description);
                }
            }
            results.push(result.map(|()| true));
        }
        if saved > 0 {
            tracing::info!(
                saved,
                "saved rostersync's definitions in eSchoolPLUS; logging on again to run them"
            );
            self.session.log_on_again().await?;
        }
        Ok(results)
    }

    /// What the server holds, read once per connection through the
    /// catalogue definition. A server that refuses to run the catalogue
    /// does not hold it yet (assumption 2): it is then taken to hold none
    /// of rostersync's definitions, and the catalogue is saved with the next
    /// ones.
    async fn held(&mut self) -> EspResult<&BTreeMap<String, String>> {
        if self.held.is_none() {
            let catalogue = definitions::catalogue();
            let mut held = BTreeMap::new();
            match tasks::download(&self.session, &catalogue).await {
                Ok(downloads) => {
                    if let Some(download) = downloads.first() {
                        for row in &download.table.rows {
                            held.insert(
                                download.table.get(row, "INTERFACE_ID").to_owned(),
                                download.table.get(row, "DESCRIPTION").to_owned(),
                            );
                        }
                    }
                }
                Err(
                    error @ (EspError::Refused { .. }
                    | EspError::TaskFailed { .. }
                    | EspError::Layout { .. }),
                ) => {
                    tracing::info!(%error, "the server holds no usable catalogue of rostersync's definitions yet");
                }
                Err(error) => return Err(error),
            }
            let current = held.get(&catalogue.interface_id) == Some(&catalogue.description());
            self.held = Some(held);
            if !current {
                // Saved for the next session; this one has read what it needs.
                tasks::save(&self.session, &catalogue).await?;
                if let Some(held) = self.held.as_mut() {
                    held.insert(catalogue.interface_id.clone(), catalogue.description());
                }
            }
        }
        Ok(self.held.get_or_insert_with(BTreeMap::new))
    }

    /// Saves `definition` if needed, runs it and returns its files, one per
    /// header.
    pub(crate) async fn download(&mut self, definition: &Definition) -> EspResult<Vec<Download>> {
        self.prepare(&[definition]).await?;
        tasks::download(&self.session, definition).await
    }

    /// Like [`Connection::download`], but a download of the same content
    /// made earlier in this connection (and not forgotten) is reused.
    pub(crate) async fn download_once(
        &mut self,
        definition: &Definition,
    ) -> EspResult<Vec<Download>> {
        let key = (definition.interface_id.clone(), definition.description());
        if let Some(found) = self.cache.get(&key) {
            return Ok(found.clone());
        }
        let downloads = self.download(definition).await?;
        self.cache.insert(key, downloads.clone());
        Ok(downloads)
    }

    /// Forgets the downloads of `interface_id` (a write made them stale).
    pub(crate) fn forget(&mut self, interface_id: &str) {
        self.cache.retain(|(id, _), _| id != interface_id);
    }

    /// Logs off.
    pub(crate) async fn close(self) {
        self.session.log_off().await;
    }
}

//! What `rostersync check` asks of eSchoolPLUS beyond logging on: save every
//! definition a sync (and, when configured, a grade passback) needs and run
//! each download once with a filter that selects nothing, so a definition the
//! server refuses shows at set-up with the server's message and the
//! permission that is likely missing, never in the middle of the first sync.

use crate::adapter::EspAdapter;
use crate::definitions::{Definition, Direction};
use crate::error::{EspError, EspResult};
use crate::tasks;

/// The step at which the server refused a definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusedAt {
    /// Saving it (`Utility/SaveUploadDownload`).
    Save,
    /// Starting it (`Utility/RunDownload`).
    Run,
    /// Running it: the task failed (a table, column or SQL the server does not take).
    Task,
}

impl RefusedAt {
    /// The eSchoolPLUS permission a refusal at this step most likely means
    /// is missing (FACT: definitions need RUNLOAD and LOADDEFS, reference
    /// A2); `None` when the task itself failed.
    pub fn likely_permission(self) -> Option<&'static str> {
        match self {
            RefusedAt::Save => Some("LOADDEFS"),
            RefusedAt::Run => Some("RUNLOAD"),
            RefusedAt::Task => None,
        }
    }
}

/// How one definition fared.
#[derive(Debug)]
pub struct DefinitionCheck {
    /// Its interface id.
    pub interface_id: String,
    /// What it is for.
    pub purpose: String,
    /// Whether it was saved now (false: the server held it as it is).
    pub saved: bool,
    /// The rows per header of the run (downloads; `None` for uploads, which
    /// are only saved), or where and why the server refused it.
    pub result: Result<Option<Vec<usize>>, (RefusedAt, EspError)>,
}

impl EspAdapter {
    /// Saves each definition (where the server does not hold it as it is)
    /// and runs each download; one result per definition, in order.
    ///
    /// # Errors
    ///
    /// When logging on or reading the server's catalogue fails; refusals of
    /// single definitions are results.
    pub async fn check_definitions(
        &self,
        definitions: &[Definition],
    ) -> EspResult<Vec<DefinitionCheck>> {
        self.with_connection(self.school_year(), async |connection, _| {
            let refs: Vec<&Definition> = definitions.iter().collect();
            let saves = connection.prepare_each(&refs).await?;
            let mut out = Vec::with_capacity(definitions.len());
            for (definition, save) in definitions.iter().zip(saves) {
                let (saved, result) = match save {
                    Err(error) => (false, Err((RefusedAt::Save, error))),
                    Ok(saved) if definition.direction == Direction::Upload => (saved, Ok(None)),
                    Ok(saved) => match tasks::download(connection.session(), definition).await {
                        Ok(downloads) => (
                            saved,
                            Ok(Some(downloads.iter().map(|d| d.table.rows.len()).collect())),
                        ),
                        Err(error @ (EspError::TaskFailed { .. } | EspError::Layout { .. })) => {
                            (saved, Err((RefusedAt::Task, error)))
                        }
                        Err(
                            error @ (EspError::Refused { .. } | EspError::MissingPermission { .. }),
                        ) => (saved, Err((RefusedAt::Run, error))),
                        Err(error) => return Err(error),
                    },
                };
                out.push(DefinitionCheck {
                    interface_id: definition.interface_id.clone(),
                    purpose: definition.purpose.clone(),
                    saved,
                    result,
                });
            }
            Ok(out)
        })
        .await
    }
}

//! `drift`: what the last drift check (a full read of the LMS against the
//! shadow rostersync keeps of it) found, record by record.

use rostersync_engine::{DriftCheck, LAST_DRIFT_CHECK};
use rostersync_ports::{OutcomeFilter, OutcomeStatus};
use serde_json::json;

use crate::EXIT_OK;
use crate::cli::UsageError;
use crate::config::Config;
use crate::output::{Out, local_time};
use crate::wire;

/// `drift [--run N]`.
pub(crate) async fn drift(run: Option<i64>, config: &Config, out: Out) -> anyhow::Result<u8> {
    let store = wire::store(config).await?;
    let last: Option<DriftCheck> = match store.setting(LAST_DRIFT_CHECK).await? {
        Some(json) => serde_json::from_str(&json).ok(),
        None => None,
    };
    let run = match (run, last) {
        (Some(run), _) => run,
        (None, Some(check)) => check.run,
        (None, None) => {
            let message = "no drift check has run yet";
            if out.json {
                out.json(&json!({ "run": null, "items": [] }))?;
            } else {
                out.line(format!(
                    "{message}: it runs with the first full read of the LMS after a sync has kept a shadow of it (`rostersync sync all --full-read`, or the weekly check of the service)"
                ));
            }
            return Ok(EXIT_OK);
        }
    };
    let Some(record) = wire::run(store.as_ref(), run).await? else {
        return Err(UsageError::new(format!("there is no run {run}"))
            .hint("`rostersync logs list` lists the runs".to_owned())
            .into());
    };
    let items = store
        .outcomes(&OutcomeFilter {
            run: Some(run),
            status: Some(OutcomeStatus::Drift),
            ..OutcomeFilter::default()
        })
        .await?;
    if out.json {
        out.json(&json!({ "run": run, "at": record.started_at, "items": items }))?;
        return Ok(EXIT_OK);
    }
    let checked = last.is_some_and(|check| check.run == run);
    out.line(format!(
        "drift check of run {run} ({}): {} record(s) changed in the LMS outside rostersync{}",
        local_time(record.started_at, config.zone),
        items.len(),
        if checked || !items.is_empty() {
            ""
        } else {
            " (this run made no drift check)"
        }
    ));
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| {
            vec![
                item.entity.to_string(),
                item.key.clone(),
                item.reason.clone().unwrap_or_default(),
            ]
        })
        .collect();
    out.table(&["object", "key", "found, and what the sync does"], &rows);
    Ok(EXIT_OK)
}

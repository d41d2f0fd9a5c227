//! The LMS adapter's memory of its calls, kept in the store between runs:
//! a district's rate limit belongs to the LMS, not to one process, so a run
//! starts by counting the calls the district's last run made (wherever it
//! ran: another worker, another machine) and ends by leaving its own for
//! the next.

use rostersync_ports::{CallMemory, LmsTarget, StateStore};

use crate::engine::Engine;

/// The settings entry that holds the memory.
pub const CALL_MEMORY: &str = "lms_call_memory";

impl Engine {
    /// Runs `work`, an operation that calls the LMS, between
    /// [`recall_lms_calls`] and [`keep_lms_calls`], whatever its outcome.
    pub(crate) async fn paced<T>(&self, work: impl Future<Output = T>) -> T {
        recall_lms_calls(&*self.store, &*self.lms).await;
        let done = work.await;
        keep_lms_calls(&*self.store, &*self.lms).await;
        done
    }
}

/// Before the first LMS call of `lms`: counts the calls the district's last
/// user of the LMS left in `store`. A memory that cannot be read is said and
/// passed over (the adapter's pace still keeps this process's calls to the
/// limit, and the LMS's answers slow it down if need be).
pub async fn recall_lms_calls(store: &dyn StateStore, lms: &dyn LmsTarget) {
    let text = match store.setting(CALL_MEMORY).await {
        Ok(Some(text)) => text,
        Ok(None) => return,
        Err(error) => {
            tracing::warn!(%error, "the LMS calls of the last run cannot be read; pacing from now on only");
            return;
        }
    };
    match serde_json::from_str::<CallMemory>(&text) {
        Ok(memory) => lms.recall_calls(&memory),
        Err(error) => {
            tracing::warn!(%error, "the LMS calls of the last run cannot be read; pacing from now on only");
        }
    }
}

/// After the last LMS call of `lms`: leaves its memory in `store` for the
/// district's next user of the LMS. A failure to keep it is said, not
/// fatal.
pub async fn keep_lms_calls(store: &dyn StateStore, lms: &dyn LmsTarget) {
    let Some(memory) = lms.call_memory() else {
        return;
    };
    let kept = match serde_json::to_string(&memory) {
        Ok(text) => store.save_setting(CALL_MEMORY, &text).await,
        Err(error) => {
            tracing::warn!(%error, "the LMS calls of this run cannot be written");
            return;
        }
    };
    if let Err(error) = kept {
        tracing::warn!(%error, "the LMS calls of this run could not be kept for the next one");
    }
}

//! Schedule policy: when the next scheduled sync may be enqueued.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The events the schedule policy reads, as the state store keeps them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ScheduleState {
    /// When the last manual sync was started.
    pub last_manual_sync: Option<DateTime<Utc>>,
    /// When the timing settings were last saved.
    pub last_settings_save: Option<DateTime<Utc>>,
    /// When the last scheduled sync was enqueued.
    pub last_scheduled_enqueue: Option<DateTime<Utc>>,
}

//! Settings as JSON text under a name.

use rostersync_core::schedule::ScheduleMode;
use serde_json::json;

use super::store;
use crate::{MAPPING_SETTING, StoreError, TIMING_SETTING};

#[tokio::test]
async fn settings_round_trip_and_replace() {
    let store = store();
    assert_eq!(
        store
            .setting::<ScheduleMode>(TIMING_SETTING)
            .await
            .expect("read"),
        None
    );
    let daily: ScheduleMode = serde_json::from_value(json!({
        "mode": "daily", "start": "00:00", "end": "03:00", "zone": "America/Chicago"
    }))
    .expect("timing");
    store
        .save_setting(TIMING_SETTING, &daily)
        .await
        .expect("save");
    assert_eq!(
        store
            .setting::<ScheduleMode>(TIMING_SETTING)
            .await
            .expect("read"),
        Some(daily)
    );
    store
        .save_setting(TIMING_SETTING, &ScheduleMode::Manual)
        .await
        .expect("save again");
    assert_eq!(
        store
            .setting::<ScheduleMode>(TIMING_SETTING)
            .await
            .expect("read"),
        Some(ScheduleMode::Manual)
    );

    let mapping = json!({"users": {"role_map": {"student": "Student"}}, "list": [1, "two"]});
    store
        .save_setting(MAPPING_SETTING, &mapping)
        .await
        .expect("save");
    assert_eq!(
        store
            .setting::<serde_json::Value>(MAPPING_SETTING)
            .await
            .expect("read"),
        Some(mapping)
    );
}

#[tokio::test]
async fn a_setting_of_the_wrong_shape_is_an_error_naming_it() {
    let store = store();
    store
        .save_setting(TIMING_SETTING, &json!({"mode": "hourly"}))
        .await
        .expect("save");
    let error = store
        .setting::<ScheduleMode>(TIMING_SETTING)
        .await
        .expect_err("wrong shape");
    assert!(matches!(error, StoreError::Json { .. }), "{error:?}");
    assert!(error.to_string().contains("\"timing\""), "{error}");
}

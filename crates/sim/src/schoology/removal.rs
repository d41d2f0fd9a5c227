//! Deleting records by id, one or many, the same way for courses and sections.

use serde_json::{Value, json};

use super::db::Db;
use super::wire::{BULK_LIMIT, Call, Reply, item_error};

/// `DELETE {realm}/{id}`: `remove` returns how many records went.
pub(crate) fn delete_one(
    db: &mut Db,
    call: &Call,
    id: u64,
    remove: fn(&mut Db, u64) -> u64,
) -> Reply {
    if !call.admin {
        return Reply::forbidden();
    }
    match remove(db, id) {
        0 => Reply::not_found(),
        gone => Reply::no_content().wrote(0, gone),
    }
}

/// `DELETE {realm}?{list}=1,2,3`: one answer per id under `envelope`.
pub(crate) fn delete_many(
    db: &mut Db,
    call: &Call,
    list: &str,
    envelope: &str,
    noun: &str,
    remove: fn(&mut Db, u64) -> u64,
) -> Reply {
    if !call.admin {
        return Reply::forbidden();
    }
    let Some(ids) = call.list(list) else {
        return Reply::bad_request(format!("{list} is required"));
    };
    if ids.len() > BULK_LIMIT {
        return Reply::bad_request(format!("At most {BULK_LIMIT} {list}"));
    }
    let mut deleted = 0;
    let answers: Vec<Value> = ids
        .iter()
        .map(|id| match id.parse().map_or(0, |id| remove(db, id)) {
            0 => item_error(404, format!("{noun} {id} not found")),
            gone => {
                deleted += gone;
                json!({ "response_code": 200, "id": id })
            }
        })
        .collect();
    Reply::multi(json!({ envelope: answers })).wrote(0, deleted)
}

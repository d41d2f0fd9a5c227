//! Updating and deleting records by id, one or many, the same way for
//! courses and sections.

use serde_json::{Value, json};

use super::db::Db;
use super::wire::{BULK_LIMIT, Call, Reply, bulk_items, int, item_error};

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

/// Updates one record from a JSON item: how many records changed, or a status and message.
pub(crate) type UpdateOne = fn(&mut Db, &Call, u64, &Value) -> Result<u64, (u16, String)>;

/// `PUT {realm}/{id}`.
pub(crate) fn update(db: &mut Db, call: &Call, id: u64, update_one: UpdateOne) -> Reply {
    if !call.admin {
        return Reply::forbidden();
    }
    match update_one(db, call, id, &call.body) {
        Ok(changed) => Reply::no_content().wrote(changed, 0),
        Err((404, _)) => Reply::not_found(),
        Err((_, message)) => Reply::bad_request(message),
    }
}

/// `PUT {realm}` with `{plural: {singular: [...]}}`, each item naming its id;
/// `answer` says what a success looks like.
pub(crate) fn update_many(
    db: &mut Db,
    call: &Call,
    plural: &str,
    singular: &str,
    update_one: UpdateOne,
    answer: impl Fn(&Db, &Call, u64) -> Value,
) -> Reply {
    if !call.admin {
        return Reply::forbidden();
    }
    let items = match bulk_items(&call.body, plural, singular) {
        Ok(items) => items,
        Err(reply) => return reply,
    };
    let mut written = 0;
    let answers: Vec<Value> = items
        .iter()
        .map(|item| {
            let Some(id) = int(item, "id").and_then(|id| u64::try_from(id).ok()) else {
                return item_error(400, format!("Each {singular} needs an id"));
            };
            match update_one(db, call, id, item) {
                Ok(changed) => {
                    written += changed;
                    answer(db, call, id)
                }
                Err((code, message)) => item_error(code, message),
            }
        })
        .collect();
    Reply::multi(json!({ singular: answers })).wrote(written, 0)
}

//! Users: the acting user, lists by building or by unique id, single and bulk
//! creates and updates, and parent associations.

use http::Method;
use serde::{Deserialize, Serialize};

use crate::bulk::{Answer, Bulk, BulkFailure, BulkResult};
use crate::client::{Client, Request, Safety};
use crate::de;
use crate::error::Error;
use crate::paging::Collection;

/// A user as Schoology returns it.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub struct User {
    /// `id` (some answers carry `uid` instead, or both).
    #[serde(deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    /// `uid`.
    #[serde(deserialize_with = "de::opt_id")]
    pub uid: Option<String>,
    /// The school (district) id.
    #[serde(deserialize_with = "de::opt_id")]
    pub school_id: Option<String>,
    /// The primary building.
    #[serde(deserialize_with = "de::opt_id")]
    pub building_id: Option<String>,
    /// The unique id (the SIS key).
    #[serde(deserialize_with = "de::opt_id")]
    pub school_uid: Option<String>,
    /// First name.
    #[serde(deserialize_with = "de::opt_id")]
    pub name_first: Option<String>,
    /// Preferred first name.
    #[serde(deserialize_with = "de::opt_id")]
    pub name_first_preferred: Option<String>,
    /// Middle name.
    #[serde(deserialize_with = "de::opt_id")]
    pub name_middle: Option<String>,
    /// Last name.
    #[serde(deserialize_with = "de::opt_id")]
    pub name_last: Option<String>,
    /// Display name (read only).
    #[serde(deserialize_with = "de::opt_id")]
    pub name_display: Option<String>,
    /// Login name.
    #[serde(deserialize_with = "de::opt_id")]
    pub username: Option<String>,
    /// Primary e-mail.
    #[serde(deserialize_with = "de::opt_id")]
    pub primary_email: Option<String>,
    /// Graduation year.
    #[serde(deserialize_with = "de::opt_i64")]
    pub grad_year: Option<i64>,
    /// The role.
    #[serde(deserialize_with = "de::opt_id")]
    pub role_id: Option<String>,
    /// Other buildings (a comma-separated list on the wire).
    #[serde(deserialize_with = "de::id_list")]
    pub additional_buildings: Vec<String>,
    /// Whether the SIS owns the record.
    #[serde(deserialize_with = "de::flag")]
    pub synced: bool,
    /// The user's parents' uids, when the answer includes them.
    #[serde(deserialize_with = "de::id_list")]
    pub parent_uids: Vec<String>,
    /// The user's children's uids, when the answer includes them.
    #[serde(deserialize_with = "de::id_list")]
    pub child_uids: Vec<String>,
}

impl User {
    /// The user's Schoology id (`id`, else `uid`).
    pub fn user_id(&self) -> Option<&str> {
        self.id.as_deref().or(self.uid.as_deref())
    }
}

/// A user to create or update. `id` is set only for updates by id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct UserRecord {
    /// The Schoology id (bulk PUT only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The unique id (the SIS key).
    pub school_uid: String,
    /// First name.
    pub name_first: String,
    /// Last name.
    pub name_last: String,
    /// Preferred first name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_first_preferred: Option<String>,
    /// Middle name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_middle: Option<String>,
    /// Primary e-mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_email: Option<String>,
    /// Login name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Graduation year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grad_year: Option<i32>,
    /// Primary building.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub building_id: Option<String>,
    /// Other buildings, comma-separated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_buildings: Option<String>,
    /// Role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_id: Option<String>,
    /// Whether the SIS owns the record (locks the unique id in the UI).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "de::ser_opt_flag"
    )]
    pub synced: Option<bool>,
}

/// What Schoology does when a new user's e-mail already belongs to someone:
/// the flag a bulk create sends. (`email_conflict_resolution=2`, which
/// merges the existing account into the new one, is not offered: a merge
/// cannot be undone.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmailConflicts {
    /// No flag: the record fails (the default of a request).
    #[default]
    Fail,
    /// `ignore_email_conflicts=1`: if the e-mail belongs to another school's
    /// account, create the user without it (and a username from
    /// `school_uid` when none is given); a conflict inside the school still
    /// fails.
    IgnoreOtherSchools,
    /// `email_conflict_resolution=1`: create with a username only.
    UsernameOnly,
}

/// Whether a record of a user write failed because its e-mail belongs to
/// another account.
///
/// This is the one place that reads Schoology's answer for it, and it rests
/// on an assumption: the reference leaves the per-item error of a bulk write
/// unconfirmed, so a record counts as refused for its e-mail when it failed
/// on its own (not with its whole request), with a 4xx code or none, and the
/// message speaks of the e-mail ("email" or "e-mail") as in use, already
/// there or taken, as in the simulator's "The email address a@b.org is
/// already in use". Correct it here when Schoology is seen to answer
/// otherwise.
pub fn is_email_in_use(failure: &BulkFailure) -> bool {
    if failure.whole_request || !failure.status.is_none_or(|s| (400..500).contains(&s)) {
        return false;
    }
    let message = failure.message.to_lowercase();
    (message.contains("email") || message.contains("e-mail"))
        && ["in use", "already", "taken"]
            .iter()
            .any(|words| message.contains(words))
}

/// Options of a bulk user write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UserBulkOptions {
    /// `update_existing=1`: a record whose `school_uid` exists updates it
    /// (and the request becomes safe to repeat).
    pub update_existing: bool,
    /// E-mail conflict handling.
    pub email_conflicts: EmailConflicts,
}

/// The answer of `app-user-info`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AppUserInfo {
    /// The uid the key acts as.
    #[serde(deserialize_with = "de::id")]
    pub api_uid: String,
    /// The web session's timestamp, if any.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub web_session_timestamp: Option<i64>,
}

/// A parent association to import (by unique ids).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParentAssociation {
    /// The student's `school_uid`.
    pub student_school_uid: String,
    /// The parent's `school_uid`.
    pub parent_school_uid: String,
    /// Remove the association instead of adding it.
    #[serde(
        skip_serializing_if = "std::ops::Not::not",
        serialize_with = "de::ser_flag"
    )]
    pub delete: bool,
}

impl Client {
    /// The user the key acts as (`users/me`, which answers 303 to `users/{id}`).
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn me(&self) -> Result<User, Error> {
        self.send(Request::get("users/me")).await?.json()
    }

    /// `app-user-info`: the uid the key acts as, without a redirect.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn app_user_info(&self) -> Result<AppUserInfo, Error> {
        self.send(Request::get("app-user-info")).await?.json()
    }

    /// One user.
    ///
    /// # Errors
    ///
    /// Any [`Error`]; 404 when the user does not exist.
    pub async fn user(&self, id: &str) -> Result<User, Error> {
        self.send(Request::get(format!("users/{id}"))).await?.json()
    }

    /// The user with a unique id (`users/ext/{school_uid}`, which answers
    /// 303 to `users/{id}`). For many users, [`Client::users_by_school_uids`]
    /// asks 50 at a time without redirects.
    ///
    /// # Errors
    ///
    /// Any [`Error`]; 404 when no user has the id.
    pub async fn user_by_school_uid(&self, school_uid: &str) -> Result<User, Error> {
        let path = format!("users/ext/{}", crate::auth::encode(school_uid));
        self.send(Request::get(path)).await?.json()
    }

    /// Every user whose primary building is `building_id`.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn users_in_building(&self, building_id: &str) -> Result<Collection<User>, Error> {
        self.list("users", &[("building_id", building_id.to_owned())], "user")
            .await
    }

    /// The users with these unique ids (asked 50 at a time).
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn users_by_school_uids(&self, school_uids: &[&str]) -> Result<Vec<User>, Error> {
        let mut users = Vec::new();
        for chunk in school_uids.chunks(crate::bulk::BATCH_SIZE) {
            let found = self
                .list("users", &[("school_uids", chunk.join(","))], "user")
                .await?;
            users.extend(found.items);
        }
        Ok(users)
    }

    /// Creates one user (201). Not repeated on a 5xx: it may have been created.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn create_user(&self, user: &UserRecord) -> Result<User, Error> {
        let request = Request::write(Method::POST, "users", user, Safety::Once)?;
        self.send(request).await?.json()
    }

    /// Creates (or, with `update_existing`, creates or updates by
    /// `school_uid`) any number of users, 50 per call; one result per record.
    pub async fn bulk_users(
        &self,
        users: &[UserRecord],
        options: UserBulkOptions,
    ) -> Vec<BulkResult> {
        let mut query = Vec::new();
        if options.update_existing {
            query.push(("update_existing", "1".to_owned()));
        }
        match options.email_conflicts {
            EmailConflicts::Fail => {}
            EmailConflicts::IgnoreOtherSchools => {
                query.push(("ignore_email_conflicts", "1".to_owned()));
            }
            EmailConflicts::UsernameOnly => {
                query.push(("email_conflict_resolution", "1".to_owned()));
            }
        }
        let bulk = Bulk {
            method: Method::POST,
            path: "users".into(),
            query,
            outer: "users",
            inner: "user",
            answer: Answer::Flat("user"),
            safety: if options.update_existing {
                Safety::Idempotent
            } else {
                Safety::Once
            },
        };
        self.bulk(&bulk, users).await
    }

    /// Updates users by id (each record needs `id`), 50 per call.
    pub async fn update_users(&self, users: &[UserRecord]) -> Vec<BulkResult> {
        let bulk = Bulk {
            method: Method::PUT,
            path: "users".into(),
            query: Vec::new(),
            outer: "users",
            inner: "user",
            answer: Answer::Flat("user"),
            safety: Safety::Idempotent,
        };
        self.bulk(&bulk, users).await
    }

    /// Adds or removes parent associations by unique ids, 50 per call.
    pub async fn import_parent_associations(
        &self,
        associations: &[ParentAssociation],
    ) -> Vec<BulkResult> {
        let bulk = Bulk {
            method: Method::POST,
            path: "users/import/associations/parents".into(),
            query: Vec::new(),
            outer: "associations",
            inner: "association",
            answer: Answer::Flat("association"),
            safety: Safety::Idempotent,
        };
        self.bulk(&bulk, associations).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(status: Option<u16>, message: &str, whole_request: bool) -> BulkFailure {
        BulkFailure {
            status,
            message: message.to_owned(),
            may_have_been_applied: false,
            whole_request,
        }
    }

    #[test]
    fn an_email_in_use_is_told_from_other_refusals() {
        let in_use = "The email address a@b.org is already in use";
        assert!(is_email_in_use(&failure(Some(400), in_use, false)));
        assert!(is_email_in_use(&failure(
            Some(409),
            "E-mail a@b.org is taken",
            false
        )));
        assert!(is_email_in_use(&failure(None, in_use, false)));
        // Not an e-mail problem, not one record's, or not a refusal.
        for (status, message, whole) in [
            (
                Some(400),
                "A user with the unique ID S1 already exists",
                false,
            ),
            (Some(400), "The username ann is already taken", false),
            (Some(400), in_use, true),
            (Some(500), in_use, false),
        ] {
            assert!(
                !is_email_in_use(&failure(status, message, whole)),
                "{status:?} {message} {whole}"
            );
        }
    }
}

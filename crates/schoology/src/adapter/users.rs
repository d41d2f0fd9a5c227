//! Applying a batch of users: creates by bulk POST with `update_existing=1`,
//! updates by bulk PUT by id, and one more try of the records Schoology
//! refuses because their e-mail is in use.
//!
//! E-mail is unique across all of Schoology, so an address can belong to an
//! account in another school. Schoology's bulk answers carry no e-mail, so a
//! batch sent with `ignore_email_conflicts=1` could not tell which accounts
//! it made without their address. The batch is therefore sent without a
//! conflict flag, and only the records refused for their e-mail (the one
//! rule, [`is_email_in_use`]) are sent again, once, the way
//! [`AdapterConfig::email_conflicts`](super::AdapterConfig) says: a create
//! with that policy's flag, an update without the e-mail (the account keeps
//! the one it has, and its other changes land). A record that lands then is
//! done with a warning naming the person and the address, which the engine
//! remembers so that later plans do not send the address again. With
//! [`EmailConflicts::Fail`] the refusal stays a failure. The cost is one
//! more call for a batch that has such a record, and nothing for the others.

use rostersync_core::plan::UserOp;
use rostersync_ports::{LmsOutcome, PortResult, WriteWarning};

use super::SchoologyLms;
use super::apply::{Outcomes, Placed, Split, record_writes};
use super::convert;
use crate::bulk::BulkResult;
use crate::users::{EmailConflicts, UserBulkOptions, UserRecord, is_email_in_use};

/// A record refused for its e-mail: where it is, the record, and what
/// Schoology said.
struct Refused {
    placed: Placed<UserRecord>,
    email: String,
    answer: String,
}

impl SchoologyLms {
    pub(super) async fn write_users(&self, ops: &[UserOp]) -> PortResult<Vec<LmsOutcome>> {
        let synced = self.config.mark_synced;
        let (mut out, creates, updates) = record_writes(
            ops.iter().map(|op| (op.key.as_str(), &op.action)),
            |key, id, fields| convert::user_record(key, id, fields, synced),
        );
        let policy = self.config.email_conflicts;
        let plain = UserBulkOptions {
            update_existing: true,
            email_conflicts: EmailConflicts::Fail,
        };
        let (created, updated) = futures::join!(
            self.client.bulk_users(&creates.1, plain),
            self.client.update_users(&updates.1)
        );
        let refused_creates = settle(&mut out, creates, created, policy);
        let mut refused_updates = settle(&mut out, updates, updated, policy);
        for refused in &mut refused_updates {
            refused.placed.1.primary_email = None;
        }
        let again = UserBulkOptions {
            update_existing: true,
            email_conflicts: policy,
        };
        let (create_again, update_again) =
            (records_of(&refused_creates), records_of(&refused_updates));
        let (created, updated) = futures::join!(
            self.client.bulk_users(&create_again, again),
            self.client.update_users(&update_again)
        );
        let how = match policy {
            EmailConflicts::UsernameOnly => Retry::CreatedUsernameOnly,
            EmailConflicts::Fail | EmailConflicts::IgnoreOtherSchools => Retry::CreatedIgnoring,
        };
        settle_again(&mut out, refused_creates, created, how);
        settle_again(&mut out, refused_updates, updated, Retry::UpdatedWithout);
        out.finish()
    }
}

fn records_of(refused: &[Refused]) -> Vec<UserRecord> {
    refused.iter().map(|r| r.placed.1.clone()).collect()
}

/// Records the results of the first try; returns the records to send again
/// (none with [`EmailConflicts::Fail`]).
fn settle(
    out: &mut Outcomes,
    (places, records): Split<UserRecord>,
    results: Vec<BulkResult>,
    policy: EmailConflicts,
) -> Vec<Refused> {
    let mut refused = Vec::new();
    for (((i, id), record), result) in places.into_iter().zip(records).zip(results) {
        match (result, record.primary_email.clone()) {
            (Err(failure), Some(email))
                if policy != EmailConflicts::Fail && is_email_in_use(&failure) =>
            {
                refused.push(Refused {
                    placed: (i, record, id),
                    email,
                    answer: failure.message,
                });
            }
            (result, _) => out.record(i, result, id),
        }
    }
    refused
}

/// How a record refused for its e-mail was sent again.
#[derive(Debug, Clone, Copy)]
enum Retry {
    /// A create with `ignore_email_conflicts=1`.
    CreatedIgnoring,
    /// A create with `email_conflict_resolution=1`.
    CreatedUsernameOnly,
    /// An update without the e-mail.
    UpdatedWithout,
}

/// Records the results of the second try: a record that landed is done with
/// a warning naming the person and the address left out.
fn settle_again(out: &mut Outcomes, refused: Vec<Refused>, results: Vec<BulkResult>, how: Retry) {
    for (refused, result) in refused.into_iter().zip(results) {
        let (i, record, id) = refused.placed;
        let landed = result.is_ok();
        out.record(i, result, id);
        if landed {
            let (email, answer, key) = (&refused.email, &refused.answer, &record.school_uid);
            let what = match how {
                Retry::CreatedIgnoring => format!(
                    "{key} was created without e-mail {email}: Schoology answered \"{answer}\", so the \
                     account was sent again with ignore_email_conflicts=1, which leaves out an address \
                     that belongs to an account in another school"
                ),
                Retry::CreatedUsernameOnly => format!(
                    "{key} was created without e-mail {email}: Schoology answered \"{answer}\", so the \
                     account was sent again with email_conflict_resolution=1, which creates it with a \
                     username only"
                ),
                Retry::UpdatedWithout => format!(
                    "{key} was updated without e-mail {email}: Schoology answered \"{answer}\", so the \
                     other changes were sent again without it and the account keeps the e-mail it had"
                ),
            };
            out.warn(
                i,
                WriteWarning {
                    message: format!(
                        "{what}; later syncs leave the e-mail alone until the SIS address changes"
                    ),
                    withheld_email: Some(email.clone()),
                },
            );
        }
    }
}

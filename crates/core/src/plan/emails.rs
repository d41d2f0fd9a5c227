//! E-mails the plan leaves off user accounts, and the warnings that say so.
//!
//! - An e-mail that two SIS people share (a teacher who is also a guardian,
//!   two parents with one family address) is unique in the LMS, so only one
//!   account can have it. It goes to the person it belongs to by the SIS's own
//!   rule: staff before students before guardians, among guardians the first
//!   contact by priority, then the smaller key. A person whose LMS account
//!   already has the address keeps it before that rule is asked, so a change
//!   of rank in the SIS never moves an address between accounts. Who cannot
//!   have an account (inactive, with none yet) never takes it from someone
//!   who can. The others are synced without it, and everyone involved gets a
//!   warning.
//! - An e-mail the LMS would not take (the links' withheld e-mails, recorded
//!   when an account was written without it) is not sent again while the SIS
//!   address stays the same, so a refused address costs no write every day.
//!
//! Leaving the e-mail off means the account keeps the e-mail it has (none, for
//! a new one); a new account without any login gets its SIS key as username,
//! as the LMS itself does for an account it creates without an e-mail.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::collections::hash_map::Entry;

use foldhash::HashMap;

use crate::ids::PersonKey;
use crate::model::Text;
use crate::model::lms::LmsUser;
use crate::model::sis::{Person, SisRole};
use crate::plan::builder::Builder;
use crate::plan::index::{fold_cow, nonempty};
use crate::plan::record::Found;
use crate::plan::types::NoteReason;
use crate::plan::users::find_user;

/// What the plan does with an e-mail a person shares with others.
#[derive(Debug)]
enum Shared<'a> {
    /// The person keeps it; `others` are synced without it.
    Keeps {
        email: &'a str,
        others: Vec<&'a str>,
    },
    /// `owner` keeps it; this person is synced without it.
    LeftOff { email: &'a str, owner: &'a str },
}

/// The e-mails of one plan that are left off accounts.
#[derive(Debug)]
pub(crate) struct EmailChoices<'a> {
    /// People who share an e-mail, by key.
    shared: HashMap<&'a str, Shared<'a>>,
    /// Addresses the LMS would not take, by person.
    withheld: &'a BTreeMap<PersonKey, Text>,
}

impl<'a> EmailChoices<'a> {
    /// Decides who keeps each shared e-mail among the people to plan.
    pub(crate) fn new(b: &Builder<'a>, people: &[&'a Person]) -> Self {
        // One pass: the first holder of each e-mail, and every holder of an
        // e-mail seen twice.
        let mut first_holder: HashMap<Cow<'a, str>, &'a Person> =
            HashMap::with_capacity_and_hasher(people.len(), Default::default());
        let mut groups: HashMap<String, Vec<&'a Person>> = HashMap::default();
        for person in people {
            let Some(email) = nonempty(person.email.as_deref()) else {
                continue;
            };
            match first_holder.entry(fold_cow(email)) {
                Entry::Vacant(slot) => {
                    slot.insert(person);
                }
                Entry::Occupied(first) => groups
                    .entry(first.key().to_string())
                    .or_insert_with(|| vec![*first.get()])
                    .push(person),
            }
        }
        drop(first_holder);
        let mut shared = HashMap::default();
        for (folded, mut holders) in groups {
            holders.sort_by_cached_key(|person| rank(b, person, &folded));
            let keys: Vec<&'a str> = holders.iter().map(|p| p.key.as_str()).collect();
            let email = |person: &'a Person| nonempty(person.email.as_deref()).unwrap_or_default();
            let owner = keys[0];
            shared.insert(
                owner,
                Shared::Keeps {
                    email: email(holders[0]),
                    others: keys[1..].to_vec(),
                },
            );
            for person in &holders[1..] {
                shared.insert(
                    person.key.as_str(),
                    Shared::LeftOff {
                        email: email(person),
                        owner,
                    },
                );
            }
        }
        EmailChoices {
            shared,
            withheld: &b.input.links.withheld_emails,
        }
    }

    /// The SIS e-mail of a person when it is the one the LMS would not take.
    fn held_elsewhere(&self, person: &'a Person) -> Option<&'a str> {
        if self.withheld.is_empty() {
            return None;
        }
        let email = nonempty(person.email.as_deref())?;
        let withheld = self.withheld.get(person.key.as_str())?;
        (fold_cow(email) == fold_cow(withheld)).then_some(email)
    }

    /// Whether the plan leaves the person's SIS e-mail off their account.
    pub(crate) fn leaves_off(&self, person: &'a Person) -> bool {
        matches!(
            self.shared.get(person.key.as_str()),
            Some(Shared::LeftOff { .. })
        ) || self.held_elsewhere(person).is_some()
    }

    /// The warnings about a person the plan syncs.
    pub(crate) fn notes(&self, person: &'a Person) -> Vec<NoteReason> {
        let mut notes = Vec::new();
        match self.shared.get(person.key.as_str()) {
            Some(Shared::Keeps { email, others }) => notes.push(NoteReason::KeepsSharedEmail {
                email: (*email).to_owned(),
                others: others.iter().map(|key| PersonKey::new(*key)).collect(),
            }),
            Some(Shared::LeftOff { email, owner }) => {
                notes.push(NoteReason::SharedEmailWithheld {
                    email: (*email).to_owned(),
                    owner: PersonKey::new(*owner),
                });
            }
            None => {}
        }
        if let Some(email) = self.held_elsewhere(person) {
            notes.push(NoteReason::EmailHeldElsewhere {
                email: email.to_owned(),
            });
        }
        notes
    }
}

/// The order in which holders of one e-mail get it: first the one that can
/// have an account, then the one whose account has it, then by the SIS's
/// rule, then by key (keys are unique, so the order is total).
fn rank<'a>(b: &Builder<'a>, person: &'a Person, folded: &str) -> (bool, bool, u8, u32, &'a str) {
    let account = account(b, person);
    let eligible = person.is_active() || account.is_some();
    let holds = account
        .and_then(|user| user.fields.email.as_deref())
        .is_some_and(|email| fold_cow(email) == folded);
    let (role, priority) = match person.role {
        SisRole::Teacher => (0, 0),
        SisRole::Student => (1, 0),
        SisRole::Guardian => (
            2,
            b.input
                .sis
                .contact_priorities
                .get(person.key.as_str())
                .copied()
                .unwrap_or(u32::MAX),
        ),
    };
    (!eligible, !holds, role, priority, person.key.as_str())
}

/// The person's LMS account, linked or carrying their key.
fn account<'a>(b: &Builder<'a>, person: &Person) -> Option<&'a LmsUser> {
    match find_user(b, person.key.as_str()) {
        Ok(Found::Linked(user) | Found::ByUniqueId(user)) => Some(user),
        Ok(Found::Nowhere) | Err(_) => None,
    }
}

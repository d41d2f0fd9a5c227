//! Planning user accounts: scope, role map, required fields, e-mail and
//! username conflicts, then create / update / link.

use foldhash::HashMap;

use crate::entity::Entity;
use crate::ids::{BuildingId, RoleId};
use crate::mapping::{MappingConfig, RoleMap, RoleTarget};
use crate::model::Text;
use crate::model::lms::{LmsUser, UserFields};
use crate::model::sis::{Person, SisRole};
use crate::plan::builder::{Builder, Party, dedupe, filter_map_on_two_cores};
use crate::plan::emails::EmailChoices;
use crate::plan::index::{fold, nonempty};
use crate::plan::record::{Found, compare, find};
use crate::plan::types::{RecordAction, SkipReason, UserOp};

/// Plans every person; returns the state of each person key for the later phases.
pub(crate) fn plan_users<'a>(b: &mut Builder<'a>) -> HashMap<&'a str, Party> {
    let people = dedupe(
        &b.input.sis.people,
        |person| person.key.as_str(),
        b,
        Entity::User,
    );
    let mut states = HashMap::with_capacity_and_hasher(people.len(), Default::default());
    // First pass: scope and required fields. Only the refusals are kept; the
    // desired fields are borrowed from the person and the mapping, so the
    // second pass works them out again rather than holding them for every
    // person (they were this phase's largest allocation).
    let schools = school_facts(b.input.mapping);
    let refused = filter_map_on_two_cores(&people, |person| desired_fields(&schools, person).err());
    let mut wanted: Vec<&'a Person> = Vec::with_capacity(people.len() - refused.len());
    let mut refused = refused.into_iter().peekable();
    for (index, person) in people.iter().enumerate() {
        match refused.next_if(|(at, _)| *at == index) {
            Some((_, reason)) => {
                states.insert(person.key.as_str(), Party::skipped(&reason));
                b.skip(Entity::User, person.key.as_str(), reason);
            }
            None => wanted.push(person),
        }
    }
    drop(people);
    let emails = EmailChoices::new(b, &wanted);
    // Deciding only reads, and most people are unchanged: decide on two
    // cores and keep only the people with something to do or a reason not to.
    let shared: &Builder<'a> = b;
    let changed = filter_map_on_two_cores(&wanted, |person| {
        desired_fields(&schools, person)
            .and_then(|mut desired| {
                let email_left_off = emails.leaves_off(person);
                if email_left_off {
                    desired.email = None;
                }
                decide(shared, person, &desired, email_left_off)
            })
            .transpose()
    });
    b.plan.users.reserve(changed.len());
    let mut changed = changed.into_iter().peekable();
    for (index, person) in wanted.iter().enumerate() {
        let key = person.key.as_str();
        match changed.next_if(|(at, _)| *at == index) {
            Some((_, Ok(action))) => {
                states.insert(key, Party::synced(person.is_active()));
                b.plan.users.push(UserOp {
                    key: person.key.clone(),
                    action,
                });
            }
            None => {
                states.insert(key, Party::synced(person.is_active()));
                b.unchanged(Entity::User);
            }
            Some((_, Err(reason))) => {
                states.insert(key, Party::skipped(&reason));
                b.skip(Entity::User, key, reason);
                continue;
            }
        }
        for note in emails.notes(person) {
            b.note(Entity::User, key, note);
        }
    }
    states
}

/// The LMS account of the person with SIS key `key`: linked, or carrying the key.
pub(crate) fn find_user<'a>(b: &Builder<'a>, key: &str) -> Result<Found<'a, LmsUser>, SkipReason> {
    find(
        key,
        b.linked.user_links.get(key).copied(),
        &b.lms.users_by_id,
        &b.lms.users_by_unique,
        &b.linked.users,
        |user: &LmsUser| user.id.as_str(),
    )
}

/// The state of each person when users are out of scope: synced when linked
/// (or carrying their key) and active.
pub(crate) fn resolve_users<'a>(b: &Builder<'a>) -> HashMap<&'a str, Party> {
    let mut states =
        HashMap::with_capacity_and_hasher(b.input.sis.people.len(), Default::default());
    for person in &b.input.sis.people {
        let key = person.key.as_str();
        let found = find_user(b, key);
        let state = match found {
            Ok(Found::Linked(_) | Found::ByUniqueId(_)) => Party::synced(person.is_active()),
            Ok(Found::Nowhere) => Party::absent(),
            Err(reason) => Party::skipped(&reason),
        };
        states.insert(key, state);
    }
    states
}

/// The fields a person's account should have, borrowed from the snapshot
/// and the mapping: most people are unchanged, and finding that out needs
/// no copy of their names.
struct DesiredUser<'a> {
    first: &'a str,
    preferred_first: Option<&'a str>,
    middle: Option<&'a str>,
    last: &'a str,
    email: Option<&'a str>,
    username: Option<&'a str>,
    graduation_year: Option<i32>,
    building: &'a BuildingId,
    other_buildings: Vec<&'a BuildingId>,
    role: &'a RoleId,
}

impl DesiredUser<'_> {
    /// The fields as the LMS model holds them.
    fn to_fields(&self) -> UserFields {
        UserFields {
            first: self.first.into(),
            preferred_first: self.preferred_first.map(Text::from),
            middle: self.middle.map(Text::from),
            last: self.last.into(),
            email: self.email.map(Text::from),
            username: self.username.map(Text::from),
            graduation_year: self.graduation_year,
            building: self.building.clone(),
            other_buildings: self.other_buildings.iter().map(|b| (*b).clone()).collect(),
            role: self.role.clone(),
        }
    }

    /// Whether an account holding `current` needs no change: what
    /// [`compare`] finds once the fields the SIS leaves unset keep the
    /// account's values, without building the fields.
    fn unchanged_from(&self, current: &UserFields) -> bool {
        fn kept<T: PartialEq + ?Sized>(new: Option<&T>, current: Option<&T>) -> bool {
            new.is_none() || new == current
        }
        self.first == current.first
            && kept(self.preferred_first, current.preferred_first.as_deref())
            && kept(self.middle, current.middle.as_deref())
            && self.last == current.last
            && kept(self.email, current.email.as_deref())
            && kept(self.username, current.username.as_deref())
            && kept(
                self.graduation_year.as_ref(),
                current.graduation_year.as_ref(),
            )
            && *self.building == current.building
            && self
                .other_buildings
                .iter()
                .copied()
                .eq(&current.other_buildings)
            && *self.role == current.role
    }
}

/// What the mapping says of one mapped school.
#[derive(Debug, Clone, Copy)]
struct SchoolFacts<'a> {
    building: &'a BuildingId,
    users_selected: bool,
    roles: Option<&'a RoleMap>,
}

/// The facts of every mapped school by key, read once per plan: looking them
/// up in the mapping's ordered maps for each of a district's people cost more
/// than the rest of working out their fields.
fn school_facts(mapping: &MappingConfig) -> HashMap<&str, SchoolFacts<'_>> {
    let spec = mapping.spec();
    spec.schools
        .iter()
        .map(|(school, building)| {
            let facts = SchoolFacts {
                building,
                users_selected: spec.selection.users.contains(school),
                roles: spec.roles.get(school),
            };
            (school.as_str(), facts)
        })
        .collect()
}

fn desired_fields<'a>(
    schools: &HashMap<&str, SchoolFacts<'a>>,
    person: &'a Person,
) -> Result<DesiredUser<'a>, SkipReason> {
    let mapped = || {
        person
            .schools()
            .filter_map(|school| Some((school, *schools.get(school.as_str())?)))
    };
    let Some((first_mapped, _)) = mapped().next() else {
        return Err(SkipReason::SchoolUnmapped {
            school: person.primary_school.clone(),
        });
    };
    let Some((home, facts)) = mapped().find(|(_, facts)| facts.users_selected) else {
        return Err(SkipReason::SchoolNotSelected {
            school: first_mapped.clone(),
        });
    };
    let building = facts.building;
    let role = match facts.roles.map(|map| map.target(person.role)) {
        Some(RoleTarget::Lms(role)) => role,
        Some(RoleTarget::DoNotSync) | None => {
            return Err(SkipReason::RoleNotSynced {
                role: person.role,
                school: home.clone(),
            });
        }
    };
    let first = person.name.first.trim();
    let last = person.name.last.trim();
    if first.is_empty() {
        return Err(SkipReason::MissingField {
            field: "first name".into(),
        });
    }
    if last.is_empty() {
        return Err(SkipReason::MissingField {
            field: "last name".into(),
        });
    }
    let mut other_buildings: Vec<&BuildingId> = mapped()
        .map(|(_, other)| other.building)
        .filter(|other| *other != building)
        .collect();
    other_buildings.sort();
    other_buildings.dedup();
    Ok(DesiredUser {
        first,
        preferred_first: nonempty(person.name.preferred_first.as_deref())
            .filter(|preferred| *preferred != first),
        middle: nonempty(person.name.middle.as_deref()),
        last,
        email: nonempty(person.email.as_deref()),
        username: nonempty(person.username.as_deref()),
        graduation_year: match person.role {
            SisRole::Student => person.graduation_year,
            SisRole::Teacher | SisRole::Guardian => None,
        },
        building,
        other_buildings,
        role,
    })
}

/// What to do with one person's account; `email_left_off` when the plan
/// leaves their SIS e-mail off it (see [`EmailChoices`]).
fn decide(
    b: &Builder<'_>,
    person: &Person,
    desired: &DesiredUser<'_>,
    email_left_off: bool,
) -> Result<Option<RecordAction<crate::ids::UserId, UserFields>>, SkipReason> {
    let key = person.key.as_str();
    let found = find_user(b, key)?;
    let current_fields = match &found {
        Found::Linked(user) | Found::ByUniqueId(user) => Some(&user.fields),
        Found::Nowhere => None,
    };
    // The common case, a linked account already as it should be: no copy.
    if let (Found::Linked(user), Some(current)) = (&found, current_fields) {
        let has_login = desired.email.is_some()
            || desired.username.is_some()
            || current.email.is_some()
            || current.username.is_some();
        if has_login && desired.unchanged_from(current) {
            debug_assert!(compare(true, user.id.clone(), current, desired.to_fields()).is_none());
            return Ok(None);
        }
    }
    let fields = with_login(
        b,
        person,
        desired.to_fields(),
        current_fields,
        email_left_off,
    )?;
    let (current, action) = match found {
        Found::Linked(user) => (
            Some(user),
            compare(true, user.id.clone(), &user.fields, fields),
        ),
        Found::ByUniqueId(user) => (
            Some(user),
            compare(false, user.id.clone(), &user.fields, fields),
        ),
        Found::Nowhere => {
            if !person.is_active() {
                return Err(SkipReason::NotActive {
                    status: person.status,
                });
            }
            (None, Some(RecordAction::Create { fields }))
        }
    };
    let Some(action) = action else {
        return Ok(None);
    };
    check_unique_fields(b, current, action.fields())?;
    Ok(Some(action))
}

/// Refuses an e-mail or username that another account has. An e-mail that
/// other SIS people have too was settled before: only its owner sends it.
fn check_unique_fields(
    b: &Builder<'_>,
    current: Option<&LmsUser>,
    fields: &UserFields,
) -> Result<(), SkipReason> {
    let own_id = current.map(|user| user.id.as_str());
    if let Some(email) = &fields.email {
        let folded = fold(email);
        let unchanged = current
            .and_then(|user| user.fields.email.as_deref())
            .map(fold)
            == Some(folded.clone());
        if !unchanged {
            if let Some(user) = b
                .lms
                .users_by_email
                .get(folded.as_str())
                .filter(|user| Some(user.id.as_str()) != own_id)
            {
                return Err(SkipReason::EmailTaken {
                    email: email.to_string(),
                    by: user.id.clone(),
                });
            }
        }
    }
    if let Some(username) = &fields.username {
        let folded = fold(username);
        let unchanged = current
            .and_then(|user| user.fields.username.as_deref())
            .map(fold)
            == Some(folded.clone());
        if !unchanged {
            if let Some(user) = b
                .lms
                .users_by_username
                .get(folded.as_str())
                .filter(|user| Some(user.id.as_str()) != own_id)
            {
                return Err(SkipReason::UsernameTaken {
                    username: username.to_string(),
                    by: user.id.clone(),
                });
            }
        }
    }
    Ok(())
}

/// Makes sure the account has an e-mail or a username: the SIS's, else the
/// LMS's, else the SIS key as username when the option is on or the plan
/// left the e-mail off (as the LMS does for an account it makes without one).
fn with_login(
    b: &Builder<'_>,
    person: &Person,
    mut fields: UserFields,
    current: Option<&UserFields>,
    email_left_off: bool,
) -> Result<UserFields, SkipReason> {
    let has_login = |f: &UserFields| f.email.is_some() || f.username.is_some();
    if has_login(&fields) || current.is_some_and(has_login) {
        return Ok(fields);
    }
    if email_left_off || b.input.mapping.options().username_from_key {
        fields.username = Some(person.key.as_str().into());
        Ok(fields)
    } else {
        Err(SkipReason::MissingField {
            field: "e-mail or username".into(),
        })
    }
}

//! Planning user accounts: scope, role map, the key and the names made to
//! fit the LMS, required fields, names that lost letters, e-mail and username
//! conflicts, then create / update / link, holding a create whose data-prep
//! match is ambiguous.

use std::borrow::Cow;

use foldhash::HashMap;

use crate::entity::Entity;
use crate::ids::{BuildingId, RoleId, SchoolKey, UserId};
use crate::lms_text::{self, TextKind, looks_lossy};
use crate::mapping::{MappingConfig, RoleMap, RoleTarget};
use crate::model::Text;
use crate::model::lms::{LmsUser, UserFields};
use crate::model::sis::{Person, SisRole};
use crate::plan::builder::{Builder, Party, dedupe, filter_map_on_two_cores};
use crate::plan::emails::EmailChoices;
use crate::plan::index::{fold, nonempty};
use crate::plan::record::{Decided, Found, compare, find, is_create, unless_quiet};
use crate::plan::types::{NoteReason, RecordAction, SkipReason, UserOp};
use crate::plan::{fit, held};

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
    // second pass works them out rather than holding them for every person
    // (they were this phase's largest allocation).
    let schools = school_facts(b.input.mapping);
    let refused = filter_map_on_two_cores(&people, |person| refusal(&schools, person));
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
    // cores and keep only the people with something to do, to say, or a
    // reason not to.
    let shared: &Builder<'a> = b;
    let changed = filter_map_on_two_cores(&wanted, |person| {
        let decided = desired_fields(&schools, person).and_then(|mut desired| {
            let email_left_off = emails.leaves_off(person);
            if email_left_off {
                desired.email = None;
            }
            decide(shared, person, desired, email_left_off)
        });
        unless_quiet(decided)
    });
    let creating: Vec<(usize, &Person)> = changed
        .iter()
        .filter(|(_, decided)| is_create(decided))
        .map(|&(at, _)| (at, wanted[at]))
        .collect();
    let mut held = held::people(b, &creating);
    drop(creating);
    b.plan.users.reserve(changed.len());
    let mut changed = changed.into_iter().peekable();
    for (index, person) in wanted.iter().enumerate() {
        let key = person.key.as_str();
        let Some((_, decided)) = changed.next_if(|(at, _)| *at == index) else {
            // Unchanged, with nothing to say: most people, kept cheap.
            states.insert(key, Party::synced(person.is_active()));
            b.unchanged(Entity::User);
            for note in emails.notes(person) {
                b.note(Entity::User, key, note);
            }
            continue;
        };
        let decided = held.over(index, decided);
        let state = b.settle(
            Entity::User,
            key,
            decided,
            person.is_active(),
            |plan, action| {
                plan.users.push(UserOp {
                    key: person.key.clone(),
                    action,
                });
            },
        );
        states.insert(key, state);
        if state.synced {
            for note in emails.notes(person) {
                b.note(Entity::User, key, note);
            }
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
/// and the mapping where they need no cleaning: most people are unchanged,
/// and finding that out needs no copy of their names.
struct DesiredUser<'a> {
    first: Cow<'a, str>,
    preferred_first: Option<Cow<'a, str>>,
    middle: Option<Cow<'a, str>>,
    last: Cow<'a, str>,
    email: Option<&'a str>,
    username: Option<&'a str>,
    graduation_year: Option<i32>,
    building: &'a BuildingId,
    other_buildings: Vec<&'a BuildingId>,
    role: &'a RoleId,
    /// Warnings about the values: names cleaned to fit the LMS, names that
    /// lost letters.
    notes: Vec<NoteReason>,
}

impl DesiredUser<'_> {
    /// The fields as the LMS model holds them.
    fn to_fields(&self) -> UserFields {
        UserFields {
            first: Text::from(self.first.as_ref()),
            preferred_first: self.preferred_first.as_deref().map(Text::from),
            middle: self.middle.as_deref().map(Text::from),
            last: Text::from(self.last.as_ref()),
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
        *self.first == *current.first
            && kept(
                self.preferred_first.as_deref(),
                current.preferred_first.as_deref(),
            )
            && kept(self.middle.as_deref(), current.middle.as_deref())
            && *self.last == *current.last
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

/// Keeps the LMS's names where the SIS's look like they lost letters (see
/// [`looks_lossy`]): such a name never overwrites a name the account has,
/// and is noted either way (written as read where there is nothing to keep).
fn keep_lossy_names<'a>(desired: &mut DesiredUser<'a>, current: Option<&'a UserFields>) {
    fn guard<'a>(
        notes: &mut Vec<NoteReason>,
        field: &str,
        value: &mut Cow<'a, str>,
        current: Option<&'a str>,
    ) {
        if !looks_lossy(value) {
            return;
        }
        let kept = current.filter(|current| !current.is_empty() && *current != value.as_ref());
        notes.push(NoteReason::LossyName {
            field: field.to_owned(),
            value: value.to_string(),
            kept: kept.map(str::to_owned),
        });
        if let Some(kept) = kept {
            *value = Cow::Borrowed(kept);
        }
    }
    let notes = &mut desired.notes;
    guard(
        notes,
        FIRST,
        &mut desired.first,
        current.map(|c| c.first.as_str()),
    );
    if let Some(preferred) = &mut desired.preferred_first {
        let current = current.and_then(|c| c.preferred_first.as_deref());
        guard(notes, PREFERRED, preferred, current);
    }
    if let Some(middle) = &mut desired.middle {
        guard(
            notes,
            MIDDLE,
            middle,
            current.and_then(|c| c.middle.as_deref()),
        );
    }
    guard(
        notes,
        LAST,
        &mut desired.last,
        current.map(|c| c.last.as_str()),
    );
}

/// The name fields, in the words notes name them by.
const FIRST: &str = "first name";
const PREFERRED: &str = "preferred first name";
const MIDDLE: &str = "middle name";
const LAST: &str = "last name";

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

/// The mapped schools of a person, with what the mapping says of each.
fn mapped<'a, 's>(
    schools: &'s HashMap<&str, SchoolFacts<'a>>,
    person: &'a Person,
) -> impl Iterator<Item = (&'a SchoolKey, SchoolFacts<'a>)> + 's
where
    'a: 's,
{
    person
        .schools()
        .filter_map(|school| Some((school, *schools.get(school.as_str())?)))
}

/// Where a person's account lives and with what role, or why they are not
/// synced: scope, role map and the key.
fn placement<'a>(
    schools: &HashMap<&str, SchoolFacts<'a>>,
    person: &'a Person,
) -> Result<(&'a BuildingId, &'a RoleId), SkipReason> {
    let Some((first_mapped, _)) = mapped(schools, person).next() else {
        return Err(SkipReason::SchoolUnmapped {
            school: person.primary_school.clone(),
        });
    };
    let Some((home, facts)) = mapped(schools, person).find(|(_, facts)| facts.users_selected)
    else {
        return Err(SkipReason::SchoolNotSelected {
            school: first_mapped.clone(),
        });
    };
    let role = match facts.roles.and_then(|map| map.target(person.role)) {
        Some(RoleTarget::Lms(role)) => role,
        Some(RoleTarget::DoNotSync) => {
            return Err(SkipReason::RoleNotSynced {
                role: person.role,
                school: home.clone(),
            });
        }
        None => {
            return Err(SkipReason::RoleUnset {
                role: person.role,
                school: home.clone(),
                building: facts.building.clone(),
            });
        }
    };
    fit::key(person.key.as_str(), "unique id")?;
    Ok((facts.building, role))
}

/// A first or last name with nothing the LMS could show.
fn missing_name(field: &str) -> SkipReason {
    SkipReason::MissingField {
        field: field.into(),
    }
}

/// Why a person is not synced, if they are not: what [`desired_fields`]
/// refuses, found without working out the fields.
fn refusal(schools: &HashMap<&str, SchoolFacts<'_>>, person: &Person) -> Option<SkipReason> {
    if let Err(reason) = placement(schools, person) {
        return Some(reason);
    }
    let name = &person.name;
    if lms_text::is_blank(&name.first) {
        return Some(missing_name(FIRST));
    }
    lms_text::is_blank(&name.last).then(|| missing_name(LAST))
}

fn desired_fields<'a>(
    schools: &HashMap<&str, SchoolFacts<'a>>,
    person: &'a Person,
) -> Result<DesiredUser<'a>, SkipReason> {
    let (building, role) = placement(schools, person)?;
    let mut notes = Vec::new();
    let first = fit::field(&mut notes, FIRST, &person.name.first, TextKind::Name);
    let last = fit::field(&mut notes, LAST, &person.name.last, TextKind::Name);
    if first.is_empty() {
        return Err(missing_name(FIRST));
    }
    if last.is_empty() {
        return Err(missing_name(LAST));
    }
    // A preferred first name equal to the first name is not sent, nor noted.
    let preferred_first = person
        .name
        .preferred_first
        .as_deref()
        .map(|preferred| lms_text::fit(preferred, TextKind::Name))
        .filter(|preferred| !preferred.text.is_empty() && preferred.text != first)
        .map(|preferred| {
            notes.extend(fit::note(PREFERRED, &preferred));
            preferred.text
        });
    let middle = fit::optional(
        &mut notes,
        MIDDLE,
        person.name.middle.as_deref(),
        TextKind::Name,
    );
    let mut other_buildings: Vec<&BuildingId> = mapped(schools, person)
        .map(|(_, other)| other.building)
        .filter(|other| *other != building)
        .collect();
    other_buildings.sort();
    other_buildings.dedup();
    Ok(DesiredUser {
        first,
        preferred_first,
        middle,
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
        notes,
    })
}

/// What to do with one person's account; `email_left_off` when the plan
/// leaves their SIS e-mail off it (see [`EmailChoices`]).
fn decide<'a>(
    b: &Builder<'a>,
    person: &Person,
    mut desired: DesiredUser<'a>,
    email_left_off: bool,
) -> Result<Decided<RecordAction<UserId, UserFields>>, SkipReason> {
    let key = person.key.as_str();
    let found = find_user(b, key)?;
    let current_fields = match &found {
        Found::Linked(user) | Found::ByUniqueId(user) => Some(&user.fields),
        Found::Nowhere => None,
    };
    keep_lossy_names(&mut desired, current_fields);
    let notes = std::mem::take(&mut desired.notes);
    let decided = |action| Ok(Decided { action, notes });
    // The common case, a linked account already as it should be: no copy.
    if let (Found::Linked(user), Some(current)) = (&found, current_fields) {
        let has_login = desired.email.is_some()
            || desired.username.is_some()
            || current.email.is_some()
            || current.username.is_some();
        if has_login && desired.unchanged_from(current) {
            debug_assert!(compare(true, user.id.clone(), current, desired.to_fields()).is_none());
            return decided(None);
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
    if let Some(action) = &action {
        check_unique_fields(b, current, action.fields())?;
    }
    decided(action)
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

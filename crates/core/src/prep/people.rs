//! Matching SIS people to existing LMS user accounts: by unique id, then
//! e-mail, then username, then name within the building.

use super::index::{Fold, Hits, Index, by_id, key, same, unlinked};
use super::report::{MatchEntry, MatchMethod, MatchOutcome};
use super::resolve::{decide, finish, found, trimmed};
use crate::ids::{BuildingId, UserId};
use crate::mapping::{MappingConfig, RoleTarget};
use crate::model::Text;
use crate::model::links::Links;
use crate::model::lms::LmsUser;
use crate::model::sis::Person;

/// Whether data prep considers a person: their primary school is mapped and
/// selected for users, and their role there maps to an LMS role (not Do not
/// sync). Inactive and withdrawn people are considered too, so that an
/// account they already have is linked rather than left aside.
pub(super) fn in_scope(person: &Person, mapping: &MappingConfig) -> bool {
    let school = &person.primary_school;
    mapping.building(school).is_some()
        && mapping.selection().users.contains(school)
        && matches!(mapping.role(school, person.role), Some(RoleTarget::Lms(_)))
}

/// "Last, First" (legal first name), for the report.
pub(super) fn display_name(person: &Person) -> String {
    let first = person.name.first.trim();
    let last = person.name.last.trim();
    match (last.is_empty(), first.is_empty()) {
        (false, false) => format!("{last}, {first}"),
        (false, true) => last.to_owned(),
        (true, _) => first.to_owned(),
    }
}

/// The name lookup value: building, first name (legal or preferred), last name.
fn name_key(building: &BuildingId, first: &str, last: &str) -> Option<u64> {
    key(&[
        (building.as_str(), Fold::Exact),
        (first, Fold::Words),
        (last, Fold::Words),
    ])
}

/// The LMS users that are not linked yet, indexed by each match method.
struct UserIndex<'a> {
    users: Vec<&'a LmsUser>,
    unique_id: Index,
    email: Index,
    username: Index,
    name: Index,
}

impl<'a> UserIndex<'a> {
    fn new(users: &'a [LmsUser], links: &Links) -> Self {
        let records = unlinked(users, links.users.values().map(|link| &link.id), |user| {
            &user.id
        });
        Self::of(records)
    }

    /// The index of `records`, the unlinked users sorted by id.
    fn of(records: Vec<&'a LmsUser>) -> Self {
        let mut index = UserIndex {
            unique_id: Index::with_capacity(records.len()),
            email: Index::with_capacity(records.len()),
            username: Index::with_capacity(records.len()),
            name: Index::with_capacity(records.len()),
            users: records,
        };
        for at in (0..index.users.len()).rev() {
            let user = index.users[at];
            let fields = &user.fields;
            let text = |value: &'a Option<Text>| value.as_deref().unwrap_or_default();
            index
                .unique_id
                .insert(key(&[(text(&user.unique_id), Fold::Exact)]), at);
            index
                .email
                .insert(key(&[(text(&fields.email), Fold::Lower)]), at);
            index
                .username
                .insert(key(&[(text(&fields.username), Fold::Lower)]), at);
            let buildings = std::iter::once(&fields.building).chain(&fields.other_buildings);
            for building in buildings {
                index
                    .name
                    .insert(name_key(building, &fields.first, &fields.last), at);
                if let Some(preferred) = &fields.preferred_first {
                    index
                        .name
                        .insert(name_key(building, preferred, &fields.last), at);
                }
            }
        }
        index
    }

    /// What data prep finds for `person`, who has no link: the candidates
    /// of the first method that finds any, turned into an outcome.
    fn outcome(&self, person: &Person, mapping: &MappingConfig) -> MatchOutcome<UserId> {
        let key = person.key.as_str();
        let found = self
            .by_unique_id(person)
            .or_else(|| self.by_email(person))
            .or_else(|| self.by_username(person))
            .or_else(|| self.by_name(person, mapping));
        decide(found, |at| self.id(at), |at| self.other_key(at, key))
    }

    fn id(&self, at: usize) -> UserId {
        self.users[at].id.clone()
    }

    /// The unique id the account holds when it is not `key`.
    fn other_key(&self, at: usize, key: &str) -> Option<String> {
        let uid = self.users[at].unique_id.as_deref().and_then(trimmed)?;
        (uid != key.trim()).then(|| uid.to_owned())
    }

    /// The positions in `index` whose `field` equals `value` under `fold`.
    fn find(
        &self,
        index: &Index,
        value: &str,
        fold: Fold,
        field: impl Fn(&LmsUser) -> Option<&str>,
    ) -> Hits {
        index.find(key(&[(value, fold)]), |at| {
            field(self.users[at]).is_some_and(|held| same(held, value, fold))
        })
    }

    fn by_unique_id(&self, person: &Person) -> Option<(MatchMethod, Hits)> {
        let candidates = self.find(&self.unique_id, person.key.as_str(), Fold::Exact, |user| {
            user.unique_id.as_deref()
        });
        found(MatchMethod::UniqueId, candidates)
    }

    fn by_email(&self, person: &Person) -> Option<(MatchMethod, Hits)> {
        let email = person.email.as_deref()?;
        let candidates = self.find(&self.email, email, Fold::Lower, |user| {
            user.fields.email.as_deref()
        });
        found(MatchMethod::Email, candidates)
    }

    fn by_username(&self, person: &Person) -> Option<(MatchMethod, Hits)> {
        let username = person.username.as_deref()?;
        let candidates = self.find(&self.username, username, Fold::Lower, |user| {
            user.fields.username.as_deref()
        });
        found(MatchMethod::Username, candidates)
    }

    fn by_name(&self, person: &Person, mapping: &MappingConfig) -> Option<(MatchMethod, Hits)> {
        let name = &person.name;
        let firsts = std::iter::once(&name.first).chain(&name.preferred_first);
        let mut candidates = Hits::default();
        for first in firsts {
            for building in person
                .schools()
                .filter_map(|school| mapping.building(school))
            {
                let hits = self.name.find(name_key(building, first, &name.last), |at| {
                    let fields = &self.users[at].fields;
                    let in_building =
                        fields.building == *building || fields.other_buildings.contains(building);
                    let first_matches = same(&fields.first, first, Fold::Words)
                        || fields
                            .preferred_first
                            .as_deref()
                            .is_some_and(|preferred| same(preferred, first, Fold::Words));
                    in_building && first_matches && same(&fields.last, &name.last, Fold::Words)
                });
                candidates.extend(hits);
            }
        }
        found(MatchMethod::Name, candidates)
    }
}

/// Matches every person in scope, in report order.
pub(super) fn match_people(
    people: &[Person],
    users: &[LmsUser],
    links: &Links,
    mapping: &MappingConfig,
) -> Vec<MatchEntry<UserId>> {
    let index = UserIndex::new(users, links);
    let mut entries: Vec<MatchEntry<UserId>> = people
        .iter()
        .filter(|person| in_scope(person, mapping))
        .map(|person| {
            let key = person.key.as_str();
            let outcome = if let Some(link) = links.users.get(&person.key) {
                MatchOutcome::AlreadyLinked {
                    lms_id: link.id.clone(),
                }
            } else {
                index.outcome(person, mapping)
            };
            MatchEntry {
                key: key.to_owned(),
                name: display_name(person),
                outcome,
            }
        })
        .collect();
    finish(&mut entries);
    entries
}

/// The people among `people` (none of them linked) whose match data prep
/// finds ambiguous, each with its outcome, in the order given; `unlinked`
/// are the LMS accounts no link claims (the candidates), in any order.
/// People data prep does not consider (see [`in_scope`]) are never
/// ambiguous, so that the plan holds exactly what the prep report lists as
/// ambiguous.
pub(crate) fn ambiguous_people<T: Copy>(
    people: &[(T, &Person)],
    unlinked: Vec<&LmsUser>,
    mapping: &MappingConfig,
) -> Vec<(T, MatchOutcome<UserId>)> {
    if unlinked.len() < 2 {
        // Ambiguity needs two candidates.
        return Vec::new();
    }
    let index = UserIndex::of(by_id(unlinked, |user| &user.id));
    people
        .iter()
        .filter(|(_, person)| in_scope(person, mapping))
        .filter_map(|&(at, person)| {
            let outcome = index.outcome(person, mapping);
            matches!(outcome, MatchOutcome::Ambiguous { .. }).then_some((at, outcome))
        })
        .collect()
}

//! Planning guardian-student associations (opt-in): associate what the SIS
//! links, remove only the associations rostersync manages.

use foldhash::{HashMap, HashSet};

use crate::entity::Entity;
use crate::model::sis::GuardianLink;
use crate::plan::builder::{Builder, Party};
use crate::plan::types::{GuardianLinkAction, GuardianLinkOp, SkipReason};

/// Plans every guardian-student association.
pub(crate) fn plan_guardian_links<'a>(b: &mut Builder<'a>, people: &HashMap<&'a str, Party>) {
    let mut links: Vec<&GuardianLink> = b.input.sis.guardian_links.iter().collect();
    links.sort_unstable();
    links.dedup();
    let mut desired: HashSet<(&str, &str)> =
        HashSet::with_capacity_and_hasher(links.len(), Default::default());
    for link in links {
        let key = || format!("{}/{}", link.guardian, link.student);
        let not_ready = [&link.guardian, &link.student]
            .into_iter()
            .find(|person| !people.get(person.as_str()).is_some_and(|p| p.ready()));
        if let Some(person) = not_ready {
            b.skip(
                Entity::GuardianLink,
                key(),
                SkipReason::PersonNotSynced {
                    person: person.clone(),
                },
            );
            continue;
        }
        let pair = (link.guardian.as_str(), link.student.as_str());
        desired.insert(pair);
        let owned = b
            .input
            .links
            .guardian_links
            .contains_key(&(link.guardian.clone(), link.student.clone()));
        let action = match (exists(b, pair.0, pair.1), owned) {
            (true, true) => {
                b.unchanged(Entity::GuardianLink);
                continue;
            }
            (true, false) => GuardianLinkAction::Adopt,
            (false, _) => GuardianLinkAction::Associate,
        };
        b.plan.guardian_links.push(GuardianLinkOp {
            guardian: link.guardian.clone(),
            student: link.student.clone(),
            action,
        });
    }
    for (guardian, student) in b.input.links.guardian_links.keys() {
        if desired.contains(&(guardian.as_str(), student.as_str())) {
            continue;
        }
        let conflict = [guardian, student]
            .iter()
            .any(|p| people.get(p.as_str()).is_some_and(|p| p.conflict));
        if !conflict && exists(b, guardian.as_str(), student.as_str()) {
            b.plan.guardian_links.push(GuardianLinkOp {
                guardian: guardian.clone(),
                student: student.clone(),
                action: GuardianLinkAction::Dissociate,
            });
        }
    }
}

/// Whether the LMS associates the two people's accounts.
fn exists(b: &Builder<'_>, guardian: &str, student: &str) -> bool {
    let id = |person: &str| {
        b.input
            .links
            .users
            .get(person)
            .map(|link| link.id.as_str())
            .or_else(|| b.lms.users_by_unique.get(person).map(|u| u.id.as_str()))
    };
    match (id(guardian), id(student)) {
        (Some(parent), Some(child)) => b.lms.parent_links.contains(&(parent, child)),
        _ => false,
    }
}

//! The decision every owned record goes through: find its LMS counterpart
//! (by link, then by the SIS key in the unique field), then compare the
//! SIS-owned fields.

use foldhash::HashMap;

use crate::model::links::Link;
use crate::model::lms::{CourseFields, UserFields};
use crate::plan::types::{FieldChange, NoteReason, RecordAction, SkipReason};

/// What the decision about one record comes to: a change, or none, and the
/// notes (warnings) about the values it holds.
#[derive(Debug)]
pub(crate) struct Decided<A> {
    /// The change, if anything changes.
    pub(crate) action: Option<A>,
    /// Warnings about the record.
    pub(crate) notes: Vec<NoteReason>,
}

impl<A> Decided<A> {
    /// Whether there is nothing to write and nothing to say.
    pub(crate) fn is_quiet(&self) -> bool {
        self.action.is_none() && self.notes.is_empty()
    }

    /// The decision about an unchanged record with nothing to say.
    pub(crate) fn quiet() -> Self {
        Decided {
            action: None,
            notes: Vec::new(),
        }
    }
}

/// A decision, unless it is quiet (unchanged, nothing to say): most records
/// are, and holding their decisions until every record is decided would
/// cost memory for nothing.
pub(crate) fn unless_quiet<A>(
    decided: Result<Decided<A>, SkipReason>,
) -> Option<Result<Decided<A>, SkipReason>> {
    match decided {
        Ok(decided) if decided.is_quiet() => None,
        other => Some(other),
    }
}

/// Whether a decision creates a record (and so may be held, see
/// [`held`](crate::plan::held)).
pub(crate) fn is_create<Id, F, E>(decided: &Result<Decided<RecordAction<Id, F>>, E>) -> bool {
    matches!(
        decided,
        Ok(Decided {
            action: Some(RecordAction::Create { .. }),
            ..
        })
    )
}

/// Where a SIS record's LMS counterpart was found.
#[derive(Debug)]
pub(crate) enum Found<'a, R> {
    /// Through the link in the store.
    Linked(&'a R),
    /// Not linked, but the LMS record carries the SIS key in its unique field.
    ByUniqueId(&'a R),
    /// Nowhere: the record is to be created.
    Nowhere,
}

/// Finds the LMS counterpart of the SIS record `key`.
///
/// # Errors
///
/// A skip reason when the link points at a record that no longer exists, or
/// when the record carrying the key is linked to another SIS record.
pub(crate) fn find<'a, Id: AsRef<str>, R>(
    key: &str,
    link: Option<&Link<Id>>,
    by_id: &HashMap<&str, &'a R>,
    by_unique: &HashMap<&str, &'a R>,
    linked: &HashMap<&str, &str>,
    id_of: fn(&R) -> &str,
) -> Result<Found<'a, R>, SkipReason> {
    if let Some(link) = link {
        return match by_id.get(link.id.as_ref()) {
            Some(record) => Ok(Found::Linked(record)),
            None => Err(SkipReason::StaleLink {
                id: link.id.as_ref().to_owned(),
            }),
        };
    }
    match by_unique.get(key) {
        Some(record) => match linked.get(id_of(record)) {
            Some(other) if *other != key => Err(SkipReason::UniqueIdClaimed {
                id: id_of(record).to_owned(),
            }),
            _ => Ok(Found::ByUniqueId(record)),
        },
        None => Ok(Found::Nowhere),
    }
}

/// The result of comparing desired fields with an existing record.
pub(crate) fn compare<Id, F: Owned>(
    found_linked: bool,
    id: Id,
    current: &F,
    desired: F,
) -> Option<RecordAction<Id, F>> {
    let fields = desired.keep_unset_from(current);
    let changes = F::diff(current, &fields);
    if found_linked {
        (!changes.is_empty()).then_some(RecordAction::Update {
            id,
            fields,
            changes,
        })
    } else {
        Some(RecordAction::Link {
            id,
            fields,
            changes,
        })
    }
}

/// Fields rostersync owns on an LMS record.
pub(crate) trait Owned: Sized {
    /// Fills the optional fields the SIS leaves unset with the LMS's values,
    /// so that rostersync never clears what it does not know.
    fn keep_unset_from(self, current: &Self) -> Self;
    /// The field-level differences from `current` to `new`.
    fn diff(current: &Self, new: &Self) -> Vec<FieldChange>;
}

/// Collects field changes.
#[derive(Debug, Default)]
pub(crate) struct Diff(pub(crate) Vec<FieldChange>);

impl Diff {
    pub(crate) fn text(&mut self, field: &str, old: &str, new: &str) {
        if old != new {
            self.0.push(FieldChange {
                field: field.to_owned(),
                old: some(old),
                new: some(new),
            });
        }
    }

    pub(crate) fn opt<T: PartialEq + ToString>(
        &mut self,
        field: &str,
        old: &Option<T>,
        new: &Option<T>,
    ) {
        if old != new {
            self.0.push(FieldChange {
                field: field.to_owned(),
                old: old.as_ref().map(ToString::to_string),
                new: new.as_ref().map(ToString::to_string),
            });
        }
    }

    pub(crate) fn list<T: PartialEq + AsRef<str>>(&mut self, field: &str, old: &[T], new: &[T]) {
        if old != new {
            let join = |items: &[T]| {
                let joined: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
                some(&joined.join(","))
            };
            self.0.push(FieldChange {
                field: field.to_owned(),
                old: join(old),
                new: join(new),
            });
        }
    }
}

fn some(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

fn keep<T: Clone>(new: Option<T>, current: &Option<T>) -> Option<T> {
    new.or_else(|| current.clone())
}

impl Owned for UserFields {
    fn keep_unset_from(self, current: &Self) -> Self {
        UserFields {
            preferred_first: keep(self.preferred_first, &current.preferred_first),
            middle: keep(self.middle, &current.middle),
            email: keep(self.email, &current.email),
            username: keep(self.username, &current.username),
            graduation_year: keep(self.graduation_year, &current.graduation_year),
            ..self
        }
    }

    fn diff(current: &Self, new: &Self) -> Vec<FieldChange> {
        let mut diff = Diff::default();
        diff.text("first", &current.first, &new.first);
        diff.opt(
            "preferred_first",
            &current.preferred_first,
            &new.preferred_first,
        );
        diff.opt("middle", &current.middle, &new.middle);
        diff.text("last", &current.last, &new.last);
        diff.opt("email", &current.email, &new.email);
        diff.opt("username", &current.username, &new.username);
        diff.opt(
            "graduation_year",
            &current.graduation_year,
            &new.graduation_year,
        );
        diff.text("building", current.building.as_str(), new.building.as_str());
        diff.list(
            "other_buildings",
            &current.other_buildings,
            &new.other_buildings,
        );
        diff.text("role", current.role.as_str(), new.role.as_str());
        diff.0
    }
}

impl Owned for CourseFields {
    fn keep_unset_from(self, current: &Self) -> Self {
        CourseFields {
            department: keep(self.department, &current.department),
            subject: keep(self.subject, &current.subject),
            grade_low: keep(self.grade_low, &current.grade_low),
            grade_high: keep(self.grade_high, &current.grade_high),
            ..self
        }
    }

    fn diff(current: &Self, new: &Self) -> Vec<FieldChange> {
        let mut diff = Diff::default();
        diff.text("title", &current.title, &new.title);
        diff.text("building", current.building.as_str(), new.building.as_str());
        diff.opt("department", &current.department, &new.department);
        let subject = |s: &Option<crate::model::sis::Subject>| s.map(|s| format!("{s:?}"));
        diff.opt(
            "subject",
            &subject(&current.subject),
            &subject(&new.subject),
        );
        diff.opt("grade_low", &current.grade_low, &new.grade_low);
        diff.opt("grade_high", &current.grade_high, &new.grade_high);
        diff.0
    }
}

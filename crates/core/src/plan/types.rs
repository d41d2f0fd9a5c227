//! The plan: every change one sync would make, and every record it leaves
//! alone with the reason why.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::entity::{Action, Entity};
use crate::ids::{
    BuildingId, CourseId, CourseKey, EnrollmentId, GradingPeriodId, PersonKey, SchoolKey,
    SectionId, SectionKey, TermKey, UserId,
};
use crate::lms_text::Unfit;
use crate::model::lms::{CourseFields, UserFields};
use crate::model::sis::{EnrollmentRole, PersonStatus, SisRole};
use crate::prep::MatchMethod;

/// Every change one sync would make, sorted by key, plus the skipped records.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Grading periods to create from terms.
    pub grading_periods: Vec<GradingPeriodOp>,
    /// User creates, updates and links.
    pub users: Vec<UserOp>,
    /// Course creates, updates and links.
    pub courses: Vec<CourseOp>,
    /// Section creates, updates and links.
    pub sections: Vec<SectionOp>,
    /// Enrollment adds, drops, role changes and adoptions.
    pub enrollments: Vec<EnrollmentOp>,
    /// Guardian-student associations to add, adopt or remove.
    pub guardian_links: Vec<GuardianLinkOp>,
    /// Records left alone, each with a reason.
    pub skips: Vec<Skip>,
    /// Warnings about records the plan syncs: something an administrator
    /// should read, such as an e-mail left off an account.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    /// How many SIS records of each entity already match the LMS.
    pub unchanged: BTreeMap<Entity, u64>,
}

/// A grading period to create from a term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradingPeriodOp {
    /// The term it is made from.
    pub term: TermKey,
    /// Title (unique in the district).
    pub title: String,
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
}

/// A change of one owned field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The field name.
    pub field: String,
    /// The LMS value now (`None` = empty).
    pub old: Option<String>,
    /// The value the SIS asks for.
    pub new: Option<String>,
}

/// What happens to one SIS record that has (or will have) an LMS counterpart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum RecordAction<Id, F> {
    /// Create the LMS record.
    Create {
        /// The fields to create it with.
        fields: F,
    },
    /// Update owned fields of the linked LMS record.
    Update {
        /// The LMS id.
        id: Id,
        /// The full set of owned fields after the update.
        fields: F,
        /// What changes.
        changes: Vec<FieldChange>,
    },
    /// Link an LMS record that already carries the SIS key in its unique
    /// field, and update any owned fields that differ.
    Link {
        /// The LMS id.
        id: Id,
        /// The full set of owned fields after the update.
        fields: F,
        /// What changes (empty: link only).
        changes: Vec<FieldChange>,
    },
}

impl<Id, F> RecordAction<Id, F> {
    /// The action kind.
    pub fn action(&self) -> Action {
        match self {
            RecordAction::Create { .. } => Action::Create,
            RecordAction::Update { .. } => Action::Update,
            RecordAction::Link { .. } => Action::Link,
        }
    }

    /// The owned fields the LMS record has after the action.
    pub fn fields(&self) -> &F {
        match self {
            RecordAction::Create { fields }
            | RecordAction::Update { fields, .. }
            | RecordAction::Link { fields, .. } => fields,
        }
    }

    /// The field changes (empty for a create).
    pub fn changes(&self) -> &[FieldChange] {
        match self {
            RecordAction::Create { .. } => &[],
            RecordAction::Update { changes, .. } | RecordAction::Link { changes, .. } => changes,
        }
    }

    /// The LMS id, unless the record is yet to be created.
    pub fn id(&self) -> Option<&Id> {
        match self {
            RecordAction::Create { .. } => None,
            RecordAction::Update { id, .. } | RecordAction::Link { id, .. } => Some(id),
        }
    }
}

/// A planned change of one user account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserOp {
    /// The person.
    pub key: PersonKey,
    /// What happens.
    #[serde(flatten)]
    pub action: RecordAction<UserId, UserFields>,
}

/// A planned change of one course.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseOp {
    /// The course.
    pub key: CourseKey,
    /// What happens.
    #[serde(flatten)]
    pub action: RecordAction<CourseId, CourseFields>,
}

/// A grading period a section uses: an existing one, or one this plan creates.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodRef {
    /// An existing LMS grading period.
    Existing(GradingPeriodId),
    /// The grading period created from this term.
    FromTerm(TermKey),
}

/// The fields of a section as the plan wants them, with references that may
/// point at records created earlier in the same run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionSpec {
    /// The course (by SIS key; resolved to the LMS course by the links).
    pub course: CourseKey,
    /// Title.
    pub title: String,
    /// Section code shown to users.
    pub code: String,
    /// Grading periods, sorted.
    pub grading_periods: Vec<PeriodRef>,
    /// Room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Class periods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub periods: Option<String>,
}

/// A planned change of one section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionOp {
    /// The section.
    pub key: SectionKey,
    /// What happens.
    #[serde(flatten)]
    pub action: RecordAction<SectionId, SectionSpec>,
}

/// What happens to one enrollment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum EnrollmentAction {
    /// Enroll the person.
    Enroll {
        /// Teacher (section admin) or student (member).
        role: EnrollmentRole,
    },
    /// Change the role of an existing enrollment, taking ownership of it.
    ChangeRole {
        /// The LMS enrollment.
        id: EnrollmentId,
        /// The role now.
        from: EnrollmentRole,
        /// The role the SIS asks for.
        to: EnrollmentRole,
    },
    /// Take ownership of an existing enrollment that already matches.
    Adopt {
        /// The LMS enrollment.
        id: EnrollmentId,
    },
    /// Remove a managed enrollment the SIS no longer has.
    Unenroll {
        /// The LMS enrollment.
        id: EnrollmentId,
        /// The role it had.
        role: EnrollmentRole,
    },
}

impl EnrollmentAction {
    /// The action kind.
    pub fn action(&self) -> Action {
        match self {
            EnrollmentAction::Enroll { .. } => Action::Create,
            EnrollmentAction::ChangeRole { .. } => Action::Update,
            EnrollmentAction::Adopt { .. } => Action::Link,
            EnrollmentAction::Unenroll { .. } => Action::Remove,
        }
    }
}

/// A planned change of one enrollment, by SIS keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollmentOp {
    /// The LMS section's SIS key (the merged section for cross-listed ones).
    pub section: SectionKey,
    /// The person.
    pub person: PersonKey,
    /// What happens.
    #[serde(flatten)]
    pub action: EnrollmentAction,
}

/// What happens to one guardian-student association.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuardianLinkAction {
    /// Associate the guardian's account with the student's.
    Associate,
    /// Take ownership of an association that already exists.
    Adopt,
    /// Remove a managed association the SIS no longer has.
    Dissociate,
}

impl GuardianLinkAction {
    /// The action kind.
    pub fn action(self) -> Action {
        match self {
            GuardianLinkAction::Associate => Action::Create,
            GuardianLinkAction::Adopt => Action::Link,
            GuardianLinkAction::Dissociate => Action::Remove,
        }
    }
}

/// A planned change of one guardian-student association.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardianLinkOp {
    /// The guardian.
    pub guardian: PersonKey,
    /// The student.
    pub student: PersonKey,
    /// What happens.
    pub action: GuardianLinkAction,
}

/// A record the plan leaves alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skip {
    /// The kind of record.
    pub entity: Entity,
    /// Its SIS key (`section/person` for enrollments, `guardian/student` for associations).
    pub key: String,
    /// Why, in words an administrator can act on.
    pub reason: SkipReason,
}

/// Why a record is left alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum SkipReason {
    /// The SIS holds more than one record with this key.
    DuplicateKey {
        /// How many.
        count: usize,
    },
    /// A required field is empty.
    MissingField {
        /// The field.
        field: String,
    },
    /// The record's school is not mapped to an LMS building.
    SchoolUnmapped {
        /// The school.
        school: SchoolKey,
    },
    /// The record's school is not selected for this object type.
    SchoolNotSelected {
        /// The school.
        school: SchoolKey,
    },
    /// The person's role is set to Do not sync in their building.
    RoleNotSynced {
        /// The role.
        role: SisRole,
        /// The building whose role map says so.
        school: SchoolKey,
    },
    /// The role map of the person's building sets no LMS role for their
    /// SIS role (or the building has no role map).
    RoleUnset {
        /// The role.
        role: SisRole,
        /// The SIS school whose role map leaves it unset.
        school: SchoolKey,
        /// The LMS building the school is mapped to.
        building: BuildingId,
    },
    /// The person is inactive or withdrawn and has no LMS account to keep.
    NotActive {
        /// The SIS status.
        status: PersonStatus,
    },
    /// Another LMS account already uses the e-mail.
    EmailTaken {
        /// The e-mail.
        email: String,
        /// The account that has it.
        by: UserId,
    },
    /// Another LMS account already uses the username.
    UsernameTaken {
        /// The username.
        username: String,
        /// The account that has it.
        by: UserId,
    },
    /// The LMS record with this unique id is linked to another SIS record.
    UniqueIdClaimed {
        /// The LMS record's id.
        id: String,
    },
    /// The linked LMS record no longer exists.
    StaleLink {
        /// The LMS id of the link.
        id: String,
    },
    /// None of the section's terms is mapped to a grading period.
    NoMappedTerm {
        /// The section's terms.
        terms: Vec<TermKey>,
    },
    /// The section's course is not in the LMS and not created by this plan.
    CourseNotSynced {
        /// The course.
        course: CourseKey,
    },
    /// The section's course in the SIS differs from its course in the LMS.
    CourseChanged {
        /// The LMS course the section belongs to.
        lms_course: CourseId,
        /// The course the SIS now names.
        sis_course: CourseKey,
    },
    /// The section has no enrollments and empty sections are not created.
    EmptySection,
    /// The course is inactive in the SIS catalog and has no LMS course to keep.
    CourseInactive,
    /// The section is cross-listed and merged into another section.
    MergedInto {
        /// The section that receives its enrollments.
        section: SectionKey,
    },
    /// The enrollment's section is not synced.
    SectionNotSynced {
        /// The section.
        section: SectionKey,
    },
    /// The enrollment's or association's person is not synced.
    PersonNotSynced {
        /// The person.
        person: PersonKey,
    },
    /// The term has no grading period and is set to create one, but a
    /// grading period with its title already exists.
    PeriodTitleTaken {
        /// The title.
        title: String,
        /// The existing grading period.
        by: GradingPeriodId,
    },
    /// The record has no LMS counterpart and data prep finds two or more
    /// unlinked LMS records that fit it: it is held, not created, until the
    /// administrator links one (data prep, or a link).
    AmbiguousMatch {
        /// The method that found them (the first that found any).
        how: MatchMethod,
        /// The LMS records that fit, sorted; at most
        /// [`MAX_CANDIDATES`](crate::prep::MAX_CANDIDATES), the lowest ids.
        candidates: Vec<String>,
        /// Whether more fit than are listed.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        more: bool,
    },
    /// The SIS key cannot be the LMS record's unique field (too long, or a
    /// control character); keys are never changed on their way, since a
    /// changed key is another record.
    KeyUnfit {
        /// The LMS unique field, in words.
        field: String,
        /// What is wrong with the key.
        problem: Unfit,
    },
}

impl SkipReason {
    /// Whether the skip is a conflict (the record's identity in the LMS
    /// cannot be settled: two records claim it, its link is broken, two LMS
    /// records fit it, or its key cannot be the LMS's unique field) rather
    /// than a record that is out of scope or incomplete. What hangs off a
    /// conflicting record (enrollments, associations) is left alone.
    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            SkipReason::DuplicateKey { .. }
                | SkipReason::EmailTaken { .. }
                | SkipReason::UsernameTaken { .. }
                | SkipReason::UniqueIdClaimed { .. }
                | SkipReason::StaleLink { .. }
                | SkipReason::CourseChanged { .. }
                | SkipReason::PeriodTitleTaken { .. }
                | SkipReason::AmbiguousMatch { .. }
                | SkipReason::KeyUnfit { .. }
        )
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::DuplicateKey { count } => write!(
                f,
                "the SIS has {count} records with this key; fix the duplicates in the SIS"
            ),
            SkipReason::MissingField { field } => {
                write!(f, "required field {field} is empty; fill it in the SIS")
            }
            SkipReason::SchoolUnmapped { school } => write!(
                f,
                "school {school} is not mapped to an LMS building; map it to sync its records"
            ),
            SkipReason::SchoolNotSelected { school } => write!(
                f,
                "school {school} is not selected for this object type; select it to sync its records"
            ),
            SkipReason::RoleNotSynced { role, school } => write!(
                f,
                "role {} is set to Do not sync in school {school}",
                role.as_str()
            ),
            SkipReason::RoleUnset {
                role,
                school,
                building,
            } => write!(
                f,
                "the role map of school {school} (building {building}) sets no role for {}: \
                 rostersync roles set {school} {} ROLE (an LMS role title or id, or do_not_sync)",
                role.plural(),
                role.as_str()
            ),
            SkipReason::NotActive { status } => write!(
                f,
                "the person is {} in the SIS and has no LMS account; nothing to create",
                match status {
                    PersonStatus::Active => "active",
                    PersonStatus::Inactive => "inactive",
                    PersonStatus::Withdrawn => "withdrawn",
                }
            ),
            SkipReason::EmailTaken { email, by } => write!(
                f,
                "e-mail {email} is already used by LMS account {by}; link them in data prep or change the e-mail in the SIS"
            ),
            SkipReason::UsernameTaken { username, by } => write!(
                f,
                "username {username} is already used by LMS account {by}; link them in data prep or change the username in the SIS"
            ),
            SkipReason::UniqueIdClaimed { id } => write!(
                f,
                "LMS record {id} carries this key but is linked to another SIS record; resolve the link in data prep"
            ),
            SkipReason::StaleLink { id } => write!(
                f,
                "the linked LMS record {id} no longer exists; restore it in the LMS or clear the link"
            ),
            SkipReason::NoMappedTerm { terms } => {
                let terms: Vec<&str> = terms.iter().map(TermKey::as_str).collect();
                write!(
                    f,
                    "none of the section's terms ({}) is mapped to a grading period; map them in the term mapping",
                    terms.join(", ")
                )
            }
            SkipReason::CourseNotSynced { course } => write!(
                f,
                "course {course} is not in the LMS; sync courses for its building first"
            ),
            SkipReason::CourseChanged {
                lms_course,
                sis_course,
            } => write!(
                f,
                "the SIS moved the section to course {sis_course} but the LMS section belongs to course {lms_course}; the LMS cannot move sections, so recreate it by hand"
            ),
            SkipReason::CourseInactive => write!(
                f,
                "the course is inactive in the SIS catalog and has no LMS course; nothing to create"
            ),
            SkipReason::EmptySection => write!(
                f,
                "the section has no enrollments and empty sections are not created"
            ),
            SkipReason::MergedInto { section } => {
                write!(f, "cross-listed: merged into section {section}")
            }
            SkipReason::SectionNotSynced { section } => {
                write!(f, "section {section} is not synced")
            }
            SkipReason::PersonNotSynced { person } => {
                write!(f, "person {person} is not synced")
            }
            SkipReason::PeriodTitleTaken { title, by } => write!(
                f,
                "a grading period titled \"{title}\" already exists ({by}); map the term to it instead of creating one"
            ),
            SkipReason::AmbiguousMatch {
                how,
                candidates,
                more,
            } => write!(
                f,
                "ambiguous match: resolve it in data prep (LMS records {}{} fit by {how}; it is not created until one is linked)",
                candidates.join(", "),
                if *more { " and more" } else { "" }
            ),
            SkipReason::KeyUnfit { field, problem } => write!(
                f,
                "the SIS key cannot be the LMS {field}: {problem}; change the key in the SIS"
            ),
        }
    }
}

/// A warning about a record the plan syncs (or leaves as it is): it is
/// written, or kept, with something an administrator should read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// The kind of record.
    pub entity: Entity,
    /// Its SIS key.
    pub key: String,
    /// What to read, in words an administrator can act on.
    pub note: NoteReason,
}

/// What a [`Note`] says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "note", rename_all = "snake_case")]
pub enum NoteReason {
    /// The person keeps an e-mail that other SIS people have too; their
    /// accounts are synced without it.
    KeepsSharedEmail {
        /// The e-mail.
        email: String,
        /// The other people with it.
        others: Vec<PersonKey>,
    },
    /// The person's e-mail belongs, by the SIS's rule, to another person who
    /// has it too; this account is synced without it.
    SharedEmailWithheld {
        /// The e-mail.
        email: String,
        /// The person who keeps it.
        owner: PersonKey,
    },
    /// The LMS would not take the person's e-mail (it holds it for an
    /// account elsewhere); the account stays without it until the SIS e-mail
    /// changes.
    EmailHeldElsewhere {
        /// The e-mail.
        email: String,
    },
    /// The SIS value of a field did not fit the LMS (see
    /// [`lms_text`](crate::lms_text)): it is sent with its control characters
    /// removed, or cut to the LMS's limit.
    TextCleaned {
        /// The field, in words.
        field: String,
        /// The value sent.
        sent: String,
        /// Control characters were removed.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        control_removed: bool,
        /// The SIS value's length in characters, when it was cut.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cut_from: Option<usize>,
    },
    /// A name looks like it lost letters on the way out of the SIS (see
    /// [`looks_lossy`](crate::lms_text::looks_lossy)). It never overwrites an
    /// LMS value; an account that has none gets it as read.
    LossyName {
        /// The field, in words.
        field: String,
        /// The value as read from the SIS.
        value: String,
        /// The LMS value kept instead, when there was one to keep.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kept: Option<String>,
    },
    /// The enrollment begins later: it is created on its first day, not
    /// before, so that a student moving schools is never in both schools'
    /// sections at once.
    BeginsLater {
        /// Its first day.
        begin: NaiveDate,
    },
    /// Every SIS row of the enrollment ended (and the section does not name
    /// the person as its teacher): it is not created. One rostersync manages
    /// is dropped instead, with no note; one the LMS has that rostersync did
    /// not make is left alone.
    Ended {
        /// The last day of its latest row.
        end: NaiveDate,
        /// The LMS has the enrollment, not made by rostersync: left alone.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        left_alone: bool,
    },
}

impl fmt::Display for NoteReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoteReason::KeepsSharedEmail { email, others } => {
                let others: Vec<&str> = others.iter().map(PersonKey::as_str).collect();
                write!(
                    f,
                    "keeps e-mail {email}, which the SIS also gives to {} (synced without it); give each person their own e-mail in the SIS",
                    others.join(", ")
                )
            }
            NoteReason::SharedEmailWithheld { email, owner } => write!(
                f,
                "e-mail {email} is also the SIS e-mail of {owner}, who keeps it (staff before students before guardians, then the first contact by priority); this account is synced without it; give each person their own e-mail in the SIS"
            ),
            NoteReason::EmailHeldElsewhere { email } => write!(
                f,
                "e-mail {email} was not taken by the LMS, which holds it for an account outside the district; the account stays without it until the SIS e-mail changes"
            ),
            NoteReason::TextCleaned {
                field,
                sent,
                control_removed,
                cut_from,
            } => {
                let sent_length = sent.chars().count();
                match (control_removed, cut_from) {
                    (true, Some(length)) => write!(
                        f,
                        "{field} holds control characters and is {length} characters long, more than the LMS takes; sent without them and cut to {sent_length} characters: \"{sent}\"; correct it in the SIS"
                    ),
                    (false, Some(length)) => write!(
                        f,
                        "{field} is {length} characters long, more than the LMS takes; sent cut to {sent_length} characters: \"{sent}\"; shorten it in the SIS"
                    ),
                    (_, None) => write!(
                        f,
                        "{field} holds control characters (line breaks, tabs or invisible codes), which the LMS does not take; sent without them: \"{sent}\"; correct it in the SIS"
                    ),
                }
            }
            NoteReason::LossyName { field, value, kept } => {
                write!(
                    f,
                    "{field} \"{value}\" looks like it lost letters on the way from the SIS (a \"?\" where a letter was: the export's encoding lacks it); "
                )?;
                match kept {
                    Some(kept) => write!(f, "the LMS keeps \"{kept}\""),
                    None => f.write_str("the LMS has it as read"),
                }?;
                f.write_str(
                    "; export the SIS in an encoding that holds the name, or correct it in the SIS",
                )
            }
            NoteReason::BeginsLater { begin } => {
                write!(f, "begins {begin}; enrolled on that day, not before")
            }
            NoteReason::Ended { end, left_alone } => {
                write!(
                    f,
                    "the enrollment ended on {end} (its last day in the SIS); "
                )?;
                f.write_str(if *left_alone {
                    "the LMS enrollment, not made by rostersync, is left alone; remove it in the LMS if it should go"
                } else {
                    "it is not created"
                })
            }
        }
    }
}

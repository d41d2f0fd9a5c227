//! A stateful local simulator of the Schoology REST API v1, faithful to
//! `shared/reference/schoology-api.md`.
//!
//! Every request must carry two-legged OAuth 1.0a (PLAINTEXT or HMAC-SHA1; a
//! bad signature, an unknown key, a reused nonce or a timestamp going
//! backwards answer 401). Each consumer key has a rate limit (50 per 5 s by
//! default → 429 with `Retry-After`). The endpoints a rostersync sync uses
//! are served with Schoology's envelopes: paging by `start`/`limit` with
//! `total` and `links.next`, bulk writes of at most 50 records answering 207
//! with one item per record, the uniqueness rules (`school_uid`, e-mail,
//! `course_code` per building, `section_school_code`, grading period title)
//! and `update_existing`. A record whose names, titles or codes are longer
//! than the core's assumed limits, or hold a control character, is refused
//! per record, naming the field (see `limits`). Ids, flags and totals come
//! as strings or numbers the way the reference shows them.
//!
//! # Endpoints (under `/v1/`)
//!
//! - `users/me`, `users/ext/{school_uid}` (303), `app-user-info`;
//!   `users` (GET with `building_id`, `role_ids`, `school_uids`; POST single
//!   or bulk with `update_existing`, `ignore_email_conflicts`,
//!   `email_conflict_resolution`; PUT bulk; DELETE `?uids=`), `users/{id}`
//!   (GET, PUT, DELETE = deactivate), `users/inactive`,
//!   `users/import/associations/parents`;
//! - `schools`, `schools/{id}`, `schools/{id}/buildings`, `roles`,
//!   `roles/{id}`, `gradingperiods` (GET, POST), `gradingperiods/{id}` (GET,
//!   PUT, DELETE);
//! - `courses` (GET by `building_id`, POST single or bulk with nested
//!   sections and `update_existing`, PUT bulk, DELETE `?course_ids=`),
//!   `courses/{id}`, `courses/{id}/sections` (GET, POST);
//! - `sections?section_school_codes=` (GET), `sections` (PUT bulk, DELETE
//!   `?section_ids=`), `sections/{id}`, `sections/{id}/grading_periods`;
//! - `sections/{id}/enrollments` (GET, POST, PUT bulk) and `/{id}` (GET, PUT,
//!   DELETE), `enrollments/import/course`, `enrollments?enrollment_ids=`
//!   (DELETE);
//! - `sections/{id}/assignments` (GET, POST) and `/{id}`,
//!   `sections/{id}/grading_categories` (GET, POST), `grading_scales`,
//!   `sections/{id}/grades` (GET with period and final grades, PUT).
//!
//! An administrator key may act as another user with `X-Schoology-Run-As`
//! (a teacher entering grades). Listing users, courses and grading periods
//! and every roster write need the administrator key (403 otherwise).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use rostersync_sim::schoology::SchoologySim;
//! let sim = SchoologySim::builder().start().await?;
//! let base_url = sim.url(); // http://127.0.0.1:PORT/v1
//! let key = sim.admin_credentials();
//! # let _ = (base_url, key); Ok(()) }
//! ```

mod by_id;
mod courses;
mod db;
mod directory;
mod enrollments;
mod grades;
mod hold;
mod limits;
mod meter;
mod model;
mod oauth;
mod router;
mod sections;
mod users;
mod wire;

#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::{Arc, Mutex};

use axum::Router;
use rostersync_core::ids::BuildingId;
use rostersync_core::model::lms::LmsBuilding;

use crate::district::LmsDirectoryFixture;
use crate::faults::{Faults, inject};
use crate::server::{Running, serve};

pub use meter::{Counters, RateLimit};
pub use model::{
    Assignment, Course, Enrollment, Grade, GradingCategory, GradingPeriod, ParentLink, Section,
    Seed, State, User,
};
pub use oauth::{REPLAY_MESSAGE, sign};
pub use wire::{BULK_LIMIT, DEFAULT_PAGE, MAX_PAGE};

use db::{Db, Role};
use oauth::{Consumer, Verifier};
use router::{Shared, lock};

/// The role title the acting administrator gets when the directory has no
/// System Administrator role (titled "System Admin" or "System
/// Administrator", as districts are seen with; the generated district's is
/// "System Admin").
pub const SYSTEM_ADMIN_ROLE: &str = "System Administrator";

/// Whether a role title is one of a System Administrator.
fn is_admin_title(title: &str) -> bool {
    ["System Admin", SYSTEM_ADMIN_ROLE]
        .iter()
        .any(|admin| admin.eq_ignore_ascii_case(title.trim()))
}

/// A consumer key and secret. `Debug` hides the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The consumer key.
    pub key: String,
    /// The consumer secret.
    pub secret: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("key", &self.key)
            .field("secret", &"<redacted>")
            .finish()
    }
}

fn random_secret() -> String {
    std::iter::repeat_with(fastrand::alphanumeric)
        .take(24)
        .collect()
}

/// Entry point: [`SchoologySim::builder`].
#[derive(Debug)]
pub struct SchoologySim;

impl SchoologySim {
    /// A builder with one building, the standard roles, no grading periods
    /// and fresh keys.
    pub fn builder() -> SchoologySimBuilder {
        SchoologySimBuilder::default()
    }
}

/// How to set a simulator up.
#[derive(Debug)]
pub struct SchoologySimBuilder {
    port: u16,
    school_id: String,
    school_title: String,
    buildings: Vec<LmsBuilding>,
    roles: Vec<Role>,
    grading_periods: Vec<GradingPeriod>,
    admin: Credentials,
    non_admin: Credentials,
    rate_limit: RateLimit,
    seeds: Vec<Seed>,
}

impl Default for SchoologySimBuilder {
    fn default() -> Self {
        let role = |id: &str, title: &str, faculty| Role {
            id: id.to_owned(),
            title: title.to_owned(),
            faculty,
        };
        SchoologySimBuilder {
            port: 0,
            school_id: "8000".into(),
            school_title: "Simulated District".into(),
            buildings: vec![LmsBuilding {
                id: BuildingId::new("9001"),
                title: "Simulated High School".into(),
                code: Some("101".into()),
            }],
            roles: vec![
                role("1214", "Student", false),
                role("1215", "Teacher", true),
                role("1216", "Parent", false),
                role("1217", "School Admin", true),
            ],
            grading_periods: Vec::new(),
            admin: Credentials {
                key: "sim-admin-key".into(),
                secret: random_secret(),
            },
            non_admin: Credentials {
                key: "sim-teacher-key".into(),
                secret: random_secret(),
            },
            rate_limit: RateLimit::default(),
            seeds: Vec::new(),
        }
    }
}

impl SchoologySimBuilder {
    /// The port to listen on (0, the default, lets the system pick).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The district (the school whose buildings are the LMS buildings).
    pub fn school(mut self, id: impl Into<String>, title: impl Into<String>) -> Self {
        self.school_id = id.into();
        self.school_title = title.into();
        self
    }

    /// Buildings, roles and grading periods from a generated district.
    /// Grading period ids that are not numbers get fresh ones.
    pub fn directory(mut self, fixture: &LmsDirectoryFixture) -> Self {
        self.buildings.clone_from(&fixture.buildings);
        self.roles = fixture
            .roles
            .iter()
            .map(|r| Role {
                id: r.id.to_string(),
                title: r.title.clone(),
                faculty: r.faculty,
            })
            .collect();
        self.grading_periods = fixture
            .grading_periods
            .iter()
            .map(|p| GradingPeriod {
                id: p.id.as_str().parse().unwrap_or(0),
                title: p.title.clone(),
                start: p.start,
                end: p.end,
            })
            .collect();
        self
    }

    /// Replaces the buildings.
    pub fn buildings(mut self, buildings: Vec<LmsBuilding>) -> Self {
        self.buildings = buildings;
        self
    }

    /// Adds a role.
    pub fn role(mut self, id: impl Into<String>, title: impl Into<String>, faculty: bool) -> Self {
        self.roles.push(Role {
            id: id.into(),
            title: title.into(),
            faculty,
        });
        self
    }

    /// Adds a grading period (id 0: the simulator picks one).
    pub fn grading_period(mut self, period: GradingPeriod) -> Self {
        self.grading_periods.push(period);
        self
    }

    /// The key of the acting System Administrator.
    pub fn admin_key(mut self, key: impl Into<String>, secret: impl Into<String>) -> Self {
        self.admin = Credentials {
            key: key.into(),
            secret: secret.into(),
        };
        self
    }

    /// The key of a teacher without administrator rights (for refusal tests).
    pub fn non_admin_key(mut self, key: impl Into<String>, secret: impl Into<String>) -> Self {
        self.non_admin = Credentials {
            key: key.into(),
            secret: secret.into(),
        };
        self
    }

    /// The rate limit per key.
    pub fn rate_limit(mut self, rate_limit: RateLimit) -> Self {
        self.rate_limit = rate_limit;
        self
    }

    /// A record present before the first request: a user, course or section
    /// without SIS id for data prep, a teacher-entered assignment or grade, ...
    pub fn seed(mut self, seed: impl Into<Seed>) -> Self {
        self.seeds.push(seed.into());
        self
    }

    /// Starts the simulator on 127.0.0.1.
    ///
    /// # Errors
    ///
    /// When the port cannot be bound.
    pub async fn start(self) -> std::io::Result<RunningSchoology> {
        let mut db = Db::new(self.school_id.clone(), self.school_title);
        db.buildings = self.buildings;
        db.roles = self.roles;
        let admin_role = match db.roles.iter().find(|r| is_admin_title(&r.title)) {
            Some(role) => role.id.clone(),
            None => {
                let next = db
                    .roles
                    .iter()
                    .filter_map(|r| r.id.parse::<u64>().ok())
                    .max()
                    .map_or(1, |m| m + 1)
                    .to_string();
                db.roles.push(Role {
                    id: next.clone(),
                    title: SYSTEM_ADMIN_ROLE.into(),
                    faculty: true,
                });
                next
            }
        };
        let teacher_role = db
            .roles
            .iter()
            .find(|r| r.title == "Teacher")
            .or_else(|| db.roles.iter().find(|r| r.faculty && r.id != admin_role))
            .map_or_else(|| admin_role.clone(), |r| r.id.clone());
        for period in self.grading_periods {
            db.seed(Seed::GradingPeriod(period));
        }
        // The acting accounts were made by hand: no SIS id, no building.
        let acting = |first: &str, role: String, uid: &str| User {
            building_id: self.school_id.clone(),
            role_id: role,
            name_first: first.into(),
            name_last: "Simulator".into(),
            username: Some(uid.into()),
            active: true,
            ..User::default()
        };
        let admin_uid = db.seed(Seed::User(acting("Admin", admin_role, "sim-admin")));
        let teacher_uid = db.seed(Seed::User(acting("Teacher", teacher_role, "sim-teacher")));
        for seed in self.seeds {
            db.seed(seed);
        }
        let mut verifier = Verifier::default();
        let consumer = |secret: &str, user, admin| Consumer {
            secret: secret.to_owned(),
            user,
            admin,
        };
        verifier.add(
            &self.admin.key,
            consumer(&self.admin.secret, admin_uid, true),
        );
        verifier.add(
            &self.non_admin.key,
            consumer(&self.non_admin.secret, teacher_uid, false),
        );
        let shared = Arc::new(Shared {
            db: Mutex::new(db),
            verifier: Mutex::new(verifier),
            meter: Mutex::new(meter::Meter::new(self.rate_limit)),
            hold: hold::Hold::default(),
        });
        let faults = Faults::new();
        let app = Router::new()
            .fallback(router::handle)
            .with_state(Arc::clone(&shared))
            .layer(axum::middleware::from_fn_with_state(faults.clone(), inject));
        let server = serve(app, self.port).await?;
        Ok(RunningSchoology {
            server,
            shared,
            faults,
            admin: self.admin,
            non_admin: self.non_admin,
            admin_uid,
            teacher_uid,
        })
    }
}

/// A running simulator. Dropping it stops the server.
pub struct RunningSchoology {
    server: Running,
    shared: Arc<Shared>,
    faults: Faults,
    admin: Credentials,
    non_admin: Credentials,
    admin_uid: u64,
    teacher_uid: u64,
}

impl fmt::Debug for RunningSchoology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunningSchoology")
            .field("url", &self.url())
            .field("admin", &self.admin)
            .field("non_admin", &self.non_admin)
            .finish_non_exhaustive()
    }
}

impl RunningSchoology {
    /// The API base URL to give a client: `http://127.0.0.1:PORT/v1`.
    pub fn url(&self) -> String {
        format!("{}/v1", self.server.url())
    }

    /// The acting System Administrator's key.
    pub fn admin_credentials(&self) -> &Credentials {
        &self.admin
    }

    /// The non-administrator (teacher) key.
    pub fn non_admin_credentials(&self) -> &Credentials {
        &self.non_admin
    }

    /// The uid the administrator key acts as.
    pub fn admin_uid(&self) -> u64 {
        self.admin_uid
    }

    /// The uid the non-administrator key acts as.
    pub fn non_admin_uid(&self) -> u64 {
        self.teacher_uid
    }

    /// The district's school id (its buildings are listed under it).
    pub fn school_id(&self) -> String {
        lock(&self.shared.db).school_id.clone()
    }

    /// The fault switches (latency, failures, 429 storms, drops, slow bodies).
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Holds the answer to one write: after `pass` writes of `method` on
    /// `route` (a route pattern such as `users`, `courses/{id}/sections` or
    /// `sections/{id}/enrollments`), the next one is applied but never
    /// answered, and the returned `Notify` is notified. One write is held per
    /// arming; later writes are answered again.
    pub fn hold_answer(
        &self,
        method: &str,
        route: &str,
        pass: usize,
    ) -> std::sync::Arc<tokio::sync::Notify> {
        self.shared.hold.arm(method, route, pass)
    }

    /// When each authenticated request of consumer `key` arrived, admitted
    /// or refused, in order: a test compares them with when a client was
    /// told it may call.
    pub fn arrivals(&self, key: &str) -> Vec<std::time::Instant> {
        lock(&self.shared.meter).arrivals(key)
    }

    /// What was counted so far.
    pub fn counters(&self) -> Counters {
        lock(&self.shared.meter).counters.clone()
    }

    /// Everything the simulator holds, copied out.
    pub fn state(&self) -> State {
        lock(&self.shared.db).state()
    }

    /// Puts a record in while running (a teacher entering a grade, a user
    /// created by hand, ...); its id (0 for links, grades and e-mails).
    pub fn seed(&self, seed: impl Into<Seed>) -> u64 {
        lock(&self.shared.db).seed(seed.into())
    }

    /// Deletes a section and its enrollments, as an administrator would by
    /// hand in Schoology; whether it was there.
    pub fn delete_section_by_hand(&self, id: u64) -> bool {
        let mut db = lock(&self.shared.db);
        let there = db.sections.contains_key(&id);
        db.remove_section(id);
        there
    }

    /// Gives a course another title, as a teacher would by hand in
    /// Schoology; whether it was there.
    pub fn rename_course_by_hand(&self, id: u64, title: &str) -> bool {
        let mut db = lock(&self.shared.db);
        match db.courses.get_mut(&id) {
            Some(course) => {
                course.title = title.to_owned();
                true
            }
            None => false,
        }
    }

    /// Stops the server and waits until it has stopped.
    pub async fn stop(self) {
        self.server.stop().await;
    }
}

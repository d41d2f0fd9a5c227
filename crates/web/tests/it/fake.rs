//! Console actions that answer from memory, record what they were asked,
//! refuse what the CLI would refuse (an unknown building, a stale page),
//! and hold a sync until the test lets it finish.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rostersync_core::SyncScope;
use rostersync_core::prep::MatchReport;
use rostersync_engine::{Progress, Stage};
use rostersync_web::{
    ActingUserView, ActionError, Actions, ConfigurationView, EndCheck, GradesRequest, GradesView,
    Named, PlanView, PrepView, Problem, Revision, Saved, SchoolRow, SchoolsView, SelectionChange,
    SelectionView, Setting, SettingValue, SyncEnd, TermRow, TermsView, Timing,
};

/// The revision the fake's file is at.
pub(crate) const REVISION: &str = "r1";

/// What the fake was asked to do, in order.
#[derive(Default)]
pub(crate) struct FakeActions {
    pub(crate) calls: Mutex<Vec<String>>,
    /// Released by the test to let a sync finish.
    pub(crate) release: Arc<tokio::sync::Notify>,
}

impl FakeActions {
    fn called(&self, what: String) {
        self.calls.lock().unwrap().push(what);
    }

    pub(crate) fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }

    fn fresh(revision: &Revision) -> Result<(), ActionError> {
        if revision.0 == REVISION {
            Ok(())
        } else {
            Err(ActionError::Stale)
        }
    }
}

fn named(id: &str, name: &str) -> Named {
    Named {
        id: id.to_owned(),
        name: name.to_owned(),
    }
}

fn saved(message: &str) -> Saved {
    Saved {
        message: message.to_owned(),
        warnings: Vec::new(),
    }
}

#[async_trait]
impl Actions for FakeActions {
    async fn configuration(&self) -> Result<ConfigurationView, ActionError> {
        Ok(ConfigurationView {
            path: "/etc/rostersync.toml".to_owned(),
            revision: Revision(REVISION.to_owned()),
            sis: vec![Setting {
                key: "eschoolplus.password".to_owned(),
                value: SettingValue::Secret {
                    set: true,
                    from: "the environment".to_owned(),
                },
                editable: true,
            }],
            lms: vec![Setting {
                key: "schoology.base_url".to_owned(),
                value: SettingValue::Plain("https://api.schoology.com/v1".to_owned()),
                editable: true,
            }],
            timing: Timing {
                mode: "manual".to_owned(),
                ..Timing::default()
            },
            district_zone: "America/Chicago".to_owned(),
            next_sync: "none (manual mode)".to_owned(),
            history: Vec::new(),
        })
    }

    async fn save_connection(
        &self,
        revision: &Revision,
        changes: Vec<(String, String)>,
    ) -> Result<Saved, ActionError> {
        Self::fresh(revision)?;
        self.called(format!("connection {changes:?}"));
        Ok(saved("Saved."))
    }

    async fn check(&self) -> Vec<EndCheck> {
        self.called("check".to_owned());
        vec![EndCheck {
            end: "Schoology".to_owned(),
            ok: false,
            steps: vec![(false, "host unreachable: api.example".to_owned())],
        }]
    }

    async fn save_timing(&self, revision: &Revision, timing: Timing) -> Result<Saved, ActionError> {
        Self::fresh(revision)?;
        if timing.mode == "daily" && !timing.window.contains('-') {
            return Err(ActionError::Refused(vec![Problem::of(
                "window",
                "schedule.window is not a window",
            )]));
        }
        self.called(format!("timing {} {}", timing.mode, timing.window));
        Ok(saved("Sync timing saved."))
    }

    async fn acting_user(&self) -> Result<ActingUserView, ActionError> {
        Ok(ActingUserView {
            credentials: "Pat Teacher (7) (role \"Teacher\")".to_owned(),
            is_system_admin: false,
            recorded: None,
            same: false,
        })
    }

    async fn take_acting_user(&self) -> Result<Saved, ActionError> {
        Err(ActionError::Refused(vec![Problem::whole(
            "the LMS acting user Pat Teacher (7) is not a System Administrator of the district",
        )]))
    }

    async fn schools(&self) -> Result<SchoolsView, ActionError> {
        Ok(SchoolsView {
            revision: Revision(REVISION.to_owned()),
            schools: vec![SchoolRow {
                school: named("101", "Lincoln High"),
                mapped: None,
                suggestion: Some((named("b-9", "Lincoln High School"), "same name".to_owned())),
                stale: false,
            }],
            buildings: vec![named("b-9", "Lincoln High School")],
            warnings: Vec::new(),
        })
    }

    async fn save_schools(
        &self,
        revision: &Revision,
        pairs: Vec<(String, Option<String>)>,
    ) -> Result<Saved, ActionError> {
        Self::fresh(revision)?;
        let problems: Vec<Problem> = pairs
            .iter()
            .filter(|(_, building)| building.as_deref().is_some_and(|b| b != "b-9"))
            .map(|(school, building)| {
                Problem::of(
                    format!("building.{school}"),
                    format!("there is no LMS building {building:?}; they are: b-9"),
                )
            })
            .collect();
        if !problems.is_empty() {
            return Err(ActionError::Refused(problems));
        }
        self.called(format!("schools {pairs:?}"));
        Ok(saved("SIS school 101 is mapped to LMS building b-9."))
    }

    async fn terms(&self) -> Result<TermsView, ActionError> {
        Ok(TermsView {
            revision: Revision(REVISION.to_owned()),
            year: "2026-27".to_owned(),
            terms: vec![TermRow {
                term: named("101-S1", "Semester 1"),
                school: "101".to_owned(),
                dates: "2026-08-17..2026-12-18".to_owned(),
                mapped: None,
                suggestion: None,
                school_mapped: true,
            }],
            periods: vec![named("gp-1", "Fall (2026-08-17..2026-12-18)")],
            warnings: Vec::new(),
        })
    }

    async fn save_terms(
        &self,
        revision: &Revision,
        pairs: Vec<(String, Option<String>)>,
    ) -> Result<Saved, ActionError> {
        Self::fresh(revision)?;
        self.called(format!("terms {pairs:?}"));
        Ok(saved("SIS term 101-S1 is mapped to gp-1."))
    }

    async fn add_grading_period(
        &self,
        revision: &Revision,
        term: &str,
    ) -> Result<Saved, ActionError> {
        Self::fresh(revision)?;
        self.called(format!("add {term}"));
        Ok(saved("Grading period gp-2 exists for SIS term 101-S1."))
    }

    async fn prep_report(&self) -> Result<PrepView, ActionError> {
        Ok(PrepView {
            source: vec!["the SIS read: 3 record(s) read".to_owned()],
            summary: "Data prep match report\nusers: 1 matched".to_owned(),
            report: MatchReport::default(),
            csv: "entity,key\nuser,S1\n".to_owned(),
        })
    }

    async fn prep_apply(&self) -> Result<Saved, ActionError> {
        self.called("prep apply".to_owned());
        Ok(saved(
            "Data prep applied as run 2: 1 record(s) linked, 0 failed.",
        ))
    }

    async fn selection(&self, scope: SyncScope) -> Result<SelectionView, ActionError> {
        Ok(SelectionView {
            revision: Revision(REVISION.to_owned()),
            schools: vec![(named("101", "Lincoln High"), named("b-9", "Lincoln"), true)],
            roles: if scope == SyncScope::Users {
                vec![(
                    "101".to_owned(),
                    vec![("student".to_owned(), "r-1".to_owned())],
                )]
            } else {
                Vec::new()
            },
            lms_roles: vec![named("r-1", "Student"), named("do_not_sync", "Do not sync")],
        })
    }

    async fn save_selection(
        &self,
        revision: &Revision,
        scope: SyncScope,
        change: SelectionChange,
    ) -> Result<Saved, ActionError> {
        Self::fresh(revision)?;
        self.called(format!(
            "selection {scope} {:?} {:?}",
            change.selected, change.roles
        ));
        Ok(saved("1 building(s) are selected."))
    }

    async fn dry_run(&self, scope: SyncScope) -> Result<PlanView, ActionError> {
        self.called(format!("dry run {scope}"));
        Ok(PlanView {
            summary: "dry run: manual users sync — 2 to create".to_owned(),
            changes: "create user S1: name = \"Ada\"".to_owned(),
        })
    }

    async fn grades(&self, request: GradesRequest) -> Result<GradesView, ActionError> {
        if request.teacher.is_empty() && request.section.is_empty() {
            return Err(ActionError::Refused(vec![Problem::whole(
                "say which section (--section KEY), or whose sections (--teacher LMS-ID)",
            )]));
        }
        self.called(format!(
            "grades {} {} {}",
            request.teacher, request.pass_back, request.overwrite
        ));
        Ok(GradesView {
            text: "section 101-ALG1-1 (run 3): Succeeded; 2 item(s)".to_owned(),
            failed: false,
        })
    }

    async fn sync(&self, scope: SyncScope, progress: Arc<dyn Progress>) -> SyncEnd {
        self.called(format!("sync {scope}"));
        progress.stage(Stage::Planning);
        progress.planned(4);
        progress.stage(Stage::Writing);
        progress.settled(1);
        self.release.notified().await;
        progress.settled(3);
        SyncEnd {
            run: Some(1),
            status: "succeeded".to_owned(),
            ok: true,
        }
    }
}

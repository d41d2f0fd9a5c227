//! Reading the LMS: the directory (buildings, roles, grading periods) and the
//! roster of the requested buildings, converted to core types.
//!
//! Cost: one call per page of users and courses per building, one per course
//! for its sections and one per section for its enrollments (Schoology lists
//! enrollments per section only). Calls run concurrently; the client's limiter
//! sets the pace.

use std::collections::BTreeSet;

use rostersync_core::ids::UserId;
use rostersync_core::model::lms::{LmsBuilding, LmsParentLink, LmsSnapshot};
use rostersync_ports::{LmsDirectory, LmsRequest, PortResult};

use super::{SchoologyLms, convert};
use crate::error::Error;
use crate::paging::Collection;

impl SchoologyLms {
    pub(super) async fn read_directory(&self) -> PortResult<LmsDirectory> {
        let (buildings, roles, periods) = futures::try_join!(
            self.read_buildings(),
            self.client.roles(),
            self.client.grading_periods()
        )?;
        let mut roles: Vec<_> = roles.all().map(convert::role).collect();
        roles.sort_by(|a, b| a.id.cmp(&b.id));
        roles.dedup_by(|a, b| a.id == b.id);
        let mut grading_periods: Vec<_> = periods
            .items
            .iter()
            .filter_map(|period| {
                let converted = convert::grading_period(period);
                if converted.is_none() {
                    tracing::warn!(id = %period.id, "grading period without readable dates left out");
                }
                converted
            })
            .collect();
        grading_periods.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(LmsDirectory {
            buildings,
            roles,
            grading_periods,
        })
    }

    async fn read_buildings(&self) -> Result<Vec<LmsBuilding>, Error> {
        let schools = match &self.config.school_id {
            Some(id) => vec![self.client.school(id).await?],
            None => self.client.schools().await?.items,
        };
        let nested: Vec<Vec<crate::schools::School>> = self
            .client
            .try_all(
                schools
                    .iter()
                    .map(|school| async {
                        self.client.buildings(&school.id).await.map(|c| c.items)
                    })
                    .collect(),
            )
            .await?;
        let mut buildings: Vec<LmsBuilding> = schools
            .iter()
            .chain(nested.iter().flatten())
            .map(convert::building)
            .collect();
        buildings.sort_by(|a, b| a.id.cmp(&b.id));
        buildings.dedup_by(|a, b| a.id == b.id);
        Ok(buildings)
    }

    pub(super) async fn read_snapshot(&self, request: &LmsRequest) -> PortResult<LmsSnapshot> {
        let directory = self.read_directory().await?;
        let buildings: Vec<&str> = request.buildings.iter().map(|b| b.as_str()).collect();

        let mut users = Vec::new();
        let mut parent_links = Vec::new();
        if request.users {
            let lists = self
                .each(&buildings, |b| self.client.users_in_building(b))
                .await?;
            for (building, list) in &lists {
                users.extend(list.iter().filter_map(|u| convert::user(u, building)));
            }
            unique_by_id(&mut users, |u| u.id.as_str());
            let mut links = BTreeSet::new();
            for user in lists.iter().flat_map(|(_, list)| list) {
                let Some(id) = user.user_id() else { continue };
                for parent in &user.parent_uids {
                    links.insert((parent.clone(), id.to_owned()));
                }
                for child in &user.child_uids {
                    links.insert((id.to_owned(), child.clone()));
                }
            }
            parent_links = links
                .into_iter()
                .map(|(parent, child)| LmsParentLink {
                    parent: UserId::new(parent),
                    child: UserId::new(child),
                })
                .collect();
        }

        // Courses are read for sections too: the plan needs them to place sections.
        let mut courses = Vec::new();
        let mut sections = Vec::new();
        let mut enrollments = Vec::new();
        if request.courses || request.sections {
            let lists = self
                .each(&buildings, |b| self.client.courses_in_building(b))
                .await?;
            for (building, list) in &lists {
                courses.extend(list.iter().map(|c| convert::course(c, building)));
            }
            unique_by_id(&mut courses, |c| c.id.as_str());
        }
        if request.sections {
            let ids: Vec<&str> = courses.iter().map(|c| c.id.as_str()).collect();
            let lists = self
                .each(&ids, |id| self.client.course_sections(id))
                .await?;
            for (course, list) in &lists {
                sections.extend(list.iter().map(|s| convert::section(s, course)));
            }
            unique_by_id(&mut sections, |s| s.id.as_str());
            self.remember_sections(
                sections
                    .iter()
                    .filter_map(|s| Some((s.unique_code.as_deref()?, s.id.as_str()))),
            );
            let ids: Vec<&str> = sections.iter().map(|s| s.id.as_str()).collect();
            let lists = self
                .each(&ids, |id| self.client.section_enrollments(id))
                .await?;
            for (section, list) in &lists {
                enrollments.extend(list.iter().map(|e| convert::enrollment(e, section)));
            }
            enrollments.sort_by(|a, b| a.id.cmp(&b.id));
        }
        Ok(LmsSnapshot {
            buildings: directory.buildings,
            roles: directory.roles,
            grading_periods: directory.grading_periods,
            users,
            courses,
            sections,
            enrollments,
            parent_links,
        })
    }
}

impl SchoologyLms {
    /// Reads `read` for every owner (a building, course or section id), with
    /// the client's concurrency, and pairs each list with its owner.
    async fn each<'o, T, F, Fut>(
        &self,
        owners: &[&'o str],
        read: F,
    ) -> Result<Vec<(&'o str, Vec<T>)>, Error>
    where
        F: Fn(&'o str) -> Fut,
        Fut: std::future::Future<Output = Result<Collection<T>, Error>>,
    {
        let read = &read;
        self.client
            .try_all(
                owners
                    .iter()
                    .map(|owner| async move { read(owner).await.map(|c| (*owner, c.items)) })
                    .collect(),
            )
            .await
    }
}

/// Sorts `records` by id and keeps one of each (a record listed under two
/// owners, e.g. a user in two buildings, is read twice).
fn unique_by_id<T>(records: &mut Vec<T>, id: impl Fn(&T) -> &str) {
    records.sort_by(|a, b| id(a).cmp(id(b)));
    records.dedup_by(|a, b| id(a) == id(b));
}

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
        if request.users {
            let lists: Vec<_> = self
                .client
                .try_all(
                    buildings
                        .iter()
                        .map(|b| async move {
                            self.client
                                .users_in_building(b)
                                .await
                                .map(|c| (*b, c.items))
                        })
                        .collect(),
                )
                .await?;
            for (building, list) in &lists {
                users.extend(list.iter().filter_map(|u| convert::user(u, building)));
            }
            users.sort_by(|a, b| a.id.cmp(&b.id));
            users.dedup_by(|a, b| a.id == b.id);
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
            let parent_links = links.into_iter().map(|(parent, child)| LmsParentLink {
                parent: UserId::new(parent),
                child: UserId::new(child),
            });
            return self
                .roster(
                    request,
                    directory,
                    users,
                    parent_links.collect(),
                    &buildings,
                )
                .await;
        }
        self.roster(request, directory, users, Vec::new(), &buildings)
            .await
    }

    async fn roster(
        &self,
        request: &LmsRequest,
        directory: LmsDirectory,
        users: Vec<rostersync_core::model::lms::LmsUser>,
        parent_links: Vec<LmsParentLink>,
        buildings: &[&str],
    ) -> PortResult<LmsSnapshot> {
        // Courses are read for sections too: the plan needs them to place sections.
        let mut courses = Vec::new();
        let mut sections = Vec::new();
        let mut enrollments = Vec::new();
        if request.courses || request.sections {
            let lists: Vec<_> = self
                .client
                .try_all(
                    buildings
                        .iter()
                        .map(|b| async move {
                            self.client
                                .courses_in_building(b)
                                .await
                                .map(|c| (*b, c.items))
                        })
                        .collect(),
                )
                .await?;
            for (building, list) in &lists {
                courses.extend(list.iter().map(|c| convert::course(c, building)));
            }
            courses.sort_by(|a, b| a.id.cmp(&b.id));
            courses.dedup_by(|a, b| a.id == b.id);
        }
        if request.sections {
            let lists: Vec<_> = self
                .client
                .try_all(
                    courses
                        .iter()
                        .map(|c| async move {
                            let id = c.id.as_str();
                            self.client.course_sections(id).await.map(|s| (id, s.items))
                        })
                        .collect(),
                )
                .await?;
            for (course, list) in &lists {
                sections.extend(list.iter().map(|s| convert::section(s, course)));
            }
            sections.sort_by(|a, b| a.id.cmp(&b.id));
            sections.dedup_by(|a, b| a.id == b.id);
            self.remember_sections(
                sections
                    .iter()
                    .filter_map(|s| Some((s.unique_code.as_deref()?, s.id.as_str()))),
            );
            let lists: Vec<_> = self
                .client
                .try_all(
                    sections
                        .iter()
                        .map(|s| async move {
                            let id = s.id.as_str();
                            self.client
                                .section_enrollments(id)
                                .await
                                .map(|e| (id, e.items))
                        })
                        .collect(),
                )
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

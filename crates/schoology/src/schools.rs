//! Schools and buildings, roles, and grading periods: the district-level lists.

use http::Method;
use serde::{Deserialize, Serialize};

use crate::client::{Client, Request, Safety};
use crate::de;
use crate::error::Error;
use crate::paging::Collection;

/// A school or building (buildings are schools in Schoology).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct School {
    /// Id.
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    /// Title.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub title: Option<String>,
    /// External building code, if set.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub building_code: Option<String>,
}

/// A role.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Role {
    /// Id.
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    /// Title, e.g. "Student" or "System Administrator".
    #[serde(default, deserialize_with = "de::opt_id")]
    pub title: Option<String>,
    /// Whether it is a faculty role.
    #[serde(default, deserialize_with = "de::flag")]
    pub faculty: bool,
    /// 1 = organization role, 2 = building (school override) role.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub role_type: Option<i64>,
}

/// The answer of `roles`: organization roles and building roles.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default)]
pub struct Roles {
    /// Organization roles.
    #[serde(deserialize_with = "de::one_or_many")]
    pub role: Vec<Role>,
    /// Building (school override) roles.
    #[serde(deserialize_with = "de::one_or_many")]
    pub building_role: Vec<Role>,
}

impl Roles {
    /// Every role, organization roles first.
    pub fn all(&self) -> impl Iterator<Item = &Role> {
        self.role.iter().chain(&self.building_role)
    }
}

/// A grading period.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct GradingPeriod {
    /// Id.
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    /// Title (unique in the school).
    #[serde(default, deserialize_with = "de::opt_id")]
    pub title: Option<String>,
    /// First day, `YYYY-MM-DD` (sometimes with ` 00:00:00`).
    #[serde(default, deserialize_with = "de::opt_id")]
    pub start: Option<String>,
    /// Last day.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub end: Option<String>,
    /// Whether it is active.
    #[serde(default, deserialize_with = "de::flag")]
    pub active: bool,
}

/// A grading period to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewGradingPeriod {
    /// Title (unique in the school).
    pub title: String,
    /// First day, `YYYY-MM-DD`.
    pub start: String,
    /// Last day, `YYYY-MM-DD`.
    pub end: String,
}

impl Client {
    /// Every school the key can see.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn schools(&self) -> Result<Collection<School>, Error> {
        self.list("schools", &[], "school").await
    }

    /// One school or building.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn school(&self, id: &str) -> Result<School, Error> {
        self.send(Request::get(format!("schools/{id}")))
            .await?
            .json()
    }

    /// The buildings of a school.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn buildings(&self, school_id: &str) -> Result<Collection<School>, Error> {
        self.list(&format!("schools/{school_id}/buildings"), &[], "building")
            .await
    }

    /// Every role (organization and building roles).
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn roles(&self) -> Result<Roles, Error> {
        let request = Request::get("roles").param("limit", "200");
        self.send(request).await?.json()
    }

    /// Every grading period.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn grading_periods(&self) -> Result<Collection<GradingPeriod>, Error> {
        self.list("gradingperiods", &[], "gradingperiods").await
    }

    /// Creates a grading period. Not repeated on a 5xx: it may have been created.
    ///
    /// # Errors
    ///
    /// Any [`Error`]; a taken title is an error answer.
    pub async fn create_grading_period(
        &self,
        period: &NewGradingPeriod,
    ) -> Result<GradingPeriod, Error> {
        let request = Request::write(Method::POST, "gradingperiods", period, Safety::Once)?;
        self.send(request).await?.json()
    }
}

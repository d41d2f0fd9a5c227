//! The acting user and the one rule for "System Administrator".
//!
//! Schoology's API has no "is system admin" flag. The rule, kept here and
//! only here: the account's role (`role_id` of `users/me`) is looked up in
//! `roles`, and the account is a System Administrator when the role's title
//! is one of [`AdapterConfig::system_admin_roles`](super::AdapterConfig)
//! (default "System Admin" and "System Administrator", the titles Schoology
//! districts are seen with), compared without regard to case and surrounding
//! spaces. Districts that renamed the role configure its title; the acting
//! user carries the title it has, so a refusal can name it.

use rostersync_core::ids::UserId;
use rostersync_ports::{ActingUser, ErrorKind, PortError, PortResult};

use super::SchoologyLms;

/// The role titles that count as System Administrator by default.
pub const DEFAULT_SYSTEM_ADMIN_ROLES: &[&str] = &["System Admin", "System Administrator"];

/// Whether a role title names a System Administrator under `titles`.
pub(crate) fn is_system_admin(role_title: Option<&str>, titles: &[String]) -> bool {
    role_title.is_some_and(|title| {
        titles
            .iter()
            .any(|admin| admin.trim().eq_ignore_ascii_case(title.trim()))
    })
}

impl SchoologyLms {
    pub(super) async fn acting(&self) -> PortResult<ActingUser> {
        let (me, roles) = futures::try_join!(self.client.me(), self.client.roles())?;
        let id = me.user_id().ok_or_else(|| {
            PortError::new(ErrorKind::Other, "users/me answered without a user id")
        })?;
        let title = me
            .role_id
            .as_deref()
            .and_then(|role_id| {
                roles
                    .all()
                    .find(|role| role.id == role_id)
                    .and_then(|role| role.title.as_deref())
            })
            .map(str::trim)
            .filter(|title| !title.is_empty());
        let name = me.name_display.clone().unwrap_or_else(|| {
            let parts = [me.name_first.as_deref(), me.name_last.as_deref()];
            parts.into_iter().flatten().collect::<Vec<_>>().join(" ")
        });
        Ok(ActingUser {
            id: UserId::new(id),
            name,
            is_system_admin: is_system_admin(title, &self.config.system_admin_roles),
            role_title: title.map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Vec<String> {
        DEFAULT_SYSTEM_ADMIN_ROLES
            .iter()
            .map(|title| (*title).to_owned())
            .collect()
    }

    #[test]
    fn both_default_titles_count_compared_without_case_or_spaces() {
        let titles = defaults();
        assert!(is_system_admin(Some("System Admin"), &titles));
        assert!(is_system_admin(Some("System Administrator"), &titles));
        assert!(is_system_admin(Some("system administrator "), &titles));
        assert!(is_system_admin(Some(" SYSTEM ADMIN"), &titles));
        assert!(!is_system_admin(Some("School Admin"), &titles));
        assert!(!is_system_admin(Some("System Admins"), &titles));
        assert!(!is_system_admin(None, &titles));
    }

    #[test]
    fn a_renamed_role_counts_only_once_configured() {
        assert!(!is_system_admin(Some("District Superuser"), &defaults()));
        let configured = vec!["District Superuser".to_owned()];
        assert!(is_system_admin(Some("district superuser"), &configured));
        assert!(!is_system_admin(Some("System Admin"), &configured));
    }
}

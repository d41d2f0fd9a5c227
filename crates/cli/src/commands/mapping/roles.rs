//! `roles show|set|select`: the role map and the building selection per object type.

use super::*;

/// `roles show|set|select|deselect`.
pub(crate) async fn roles(command: &RolesCommand, config: &Config, out: Out) -> anyhow::Result<u8> {
    let spec = config.mapping.spec();
    match command {
        RolesCommand::Show => show_roles(config, out).await,
        RolesCommand::Set { all, args } => {
            let (given, rest) = split_schools(*all, args, 2)?;
            let schools = mapped_schools(spec, *all, given)?;
            let role = parse_value::<SisRoleArg>(&rest[0], "SIS role")?.sis();
            let lms = wire::PacedLms::open(config).await?;
            let directory = with_spinner("reading LMS roles", lms.directory()).await;
            lms.done().await;
            let roles = directory
                .map_err(|e| anyhow::Error::new(e).context("reading the LMS roles"))?
                .roles;
            let target = role_target(&roles, &rest[1])?;
            let words = match &target {
                RoleTarget::Lms(id) => roles
                    .iter()
                    .find(|r| r.id == *id)
                    .map_or(id.to_string(), |r| format!("{} (id {id})", r.title)),
                RoleTarget::DoNotSync => "do not sync".to_owned(),
            };
            update(config, out, |spec| {
                for school in &schools {
                    spec.roles
                        .entry(school.clone())
                        .or_insert_with(RoleMap::default)
                        .set(role, Some(target.clone()));
                }
                Ok(format!(
                    "{} of SIS school(s) {} go to {words}",
                    role.plural(),
                    join(&schools)
                ))
            })
        }
        RolesCommand::Select { all, args } | RolesCommand::Deselect { all, args } => {
            let (given, rest) = split_schools(*all, args, 1)?;
            let schools = mapped_schools(spec, *all, given)?;
            let kind = parse_value::<Kind>(&rest[0], "object type")?;
            let select = matches!(command, RolesCommand::Select { .. });
            update(config, out, |spec| {
                for set in kinds(spec, kind) {
                    for school in &schools {
                        if select {
                            set.insert(school.clone());
                        } else {
                            set.remove(school);
                        }
                    }
                }
                Ok(format!(
                    "SIS school(s) {} {} for {}",
                    join(&schools),
                    if select {
                        "are selected"
                    } else {
                        "are no longer selected"
                    },
                    format!("{kind:?}").to_lowercase()
                ))
            })
        }
    }
}

/// The school keys, comma-separated.
fn join(schools: &[SchoolKey]) -> String {
    schools
        .iter()
        .map(SchoolKey::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value of a clap value enum given as a plain argument.
fn parse_value<T: clap::ValueEnum>(raw: &str, what: &str) -> Result<T, UsageError> {
    T::from_str(raw, true).map_err(|_| {
        let names: Vec<String> = T::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_owned()))
            .collect();
        UsageError::new(format!(
            "{raw:?} is not a {what}: use one of {}",
            names.join(", ")
        ))
    })
}

fn kinds(spec: &mut MappingSpec, kind: Kind) -> Vec<&mut BTreeSet<SchoolKey>> {
    let selection = &mut spec.selection;
    match kind {
        Kind::Users => vec![&mut selection.users],
        Kind::Courses => vec![&mut selection.courses],
        Kind::Sections => vec![&mut selection.sections],
        Kind::All => vec![
            &mut selection.users,
            &mut selection.courses,
            &mut selection.sections,
        ],
    }
}

async fn show_roles(config: &Config, out: Out) -> anyhow::Result<u8> {
    let spec = config.mapping.spec();
    let lms_roles = match wire::PacedLms::open(config).await {
        Ok(lms) => {
            let directory = with_spinner("reading LMS roles", lms.directory()).await;
            lms.done().await;
            directory.map(|d| d.roles).map_err(|e| e.to_string())
        }
        Err(error) => Err(error.to_string()),
    };
    if out.json {
        out.json(&json!({
            "roles": spec.roles,
            "selection": spec.selection,
            "lms_roles": lms_roles.as_ref().ok(),
        }))?;
        return Ok(EXIT_OK);
    }
    let yes = |set: &BTreeSet<SchoolKey>, key: &SchoolKey| {
        if set.contains(key) { "yes" } else { "no" }.to_owned()
    };
    let titled = |target: &RoleTarget| match (target, &lms_roles) {
        (RoleTarget::Lms(id), Ok(roles)) => roles
            .iter()
            .find(|r| r.id == *id)
            .map_or(id.to_string(), |r| format!("{} ({id})", r.title)),
        (other, _) => String::from(other.clone()),
    };
    let rows: Vec<Vec<String>> = spec
        .schools
        .keys()
        .map(|key| {
            let map = spec.roles.get(key);
            let target = |role: SisRole| {
                map.and_then(|m| m.target(role))
                    .map_or("unset".to_owned(), &titled)
            };
            vec![
                key.to_string(),
                target(SisRole::Student),
                target(SisRole::Teacher),
                target(SisRole::Guardian),
                yes(&spec.selection.users, key),
                yes(&spec.selection.courses, key),
                yes(&spec.selection.sections, key),
            ]
        })
        .collect();
    out.table(
        &[
            "SIS school",
            "student",
            "teacher",
            "guardian",
            "users",
            "courses",
            "sections",
        ],
        &rows,
    );
    if rows
        .iter()
        .any(|row| row[1..4].iter().any(|cell| cell == "unset"))
    {
        out.line(
            "people of an unset role are skipped: `rostersync roles set --all ROLE TITLE` sets one for every school",
        );
    }
    match lms_roles {
        Ok(roles) => {
            out.line("");
            let rows: Vec<Vec<String>> = roles
                .iter()
                .map(|r| {
                    vec![
                        r.id.to_string(),
                        r.title.clone(),
                        if r.faculty { "faculty" } else { "" }.to_owned(),
                    ]
                })
                .collect();
            out.table(&["LMS role", "title", "kind"], &rows);
        }
        Err(error) => out.line(format!("(LMS roles not shown: {error})")),
    }
    Ok(EXIT_OK)
}

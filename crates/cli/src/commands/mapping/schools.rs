//! `schools list|map|unmap`: SIS schools beside LMS buildings, and their pairs.

use super::*;

/// `schools list|map|unmap`.
pub(crate) async fn schools(
    command: &SchoolsCommand,
    config: &Config,
    out: Out,
) -> anyhow::Result<u8> {
    match command {
        SchoolsCommand::List => list_schools(config, out).await,
        SchoolsCommand::Map { suggest: true, .. } => {
            let ends = read_ends(config, false).await?;
            let suggestions = suggest::suggest_schools(
                &ends.schools,
                &ends.directory.buildings,
                config.mapping.spec(),
            );
            print_suggestions(out, "SIS school", &suggestions, &[])
        }
        SchoolsCommand::Map { auto: true, .. } => {
            let ends = read_ends(config, false).await?;
            let suggestions = suggest::suggest_schools(
                &ends.schools,
                &ends.directory.buildings,
                config.mapping.spec(),
            );
            apply_suggestions(
                config,
                out,
                "school",
                &suggestions,
                |spec, school, building| {
                    spec.schools.insert(school.clone(), building.clone());
                },
            )
        }
        SchoolsCommand::Map { sis, lms, .. } => {
            let (Some(sis), Some(lms)) = (sis, lms) else {
                return Err(UsageError::new(
                    "give a SIS school and an LMS building, or --suggest or --auto",
                )
                .into());
            };
            let ends = read_ends(config, false).await?;
            let school = ends.school(sis)?.key.clone();
            let building = ends.building(lms)?;
            update(config, out, |spec| {
                spec.schools.insert(school, building);
                Ok(format!("SIS school {sis} is mapped to LMS building {lms}"))
            })
        }
        SchoolsCommand::Unmap { sis } => update(config, out, |spec| {
            let key = mapped_schools(spec, false, sis)?
                .into_iter()
                .next()
                .ok_or_else(|| UsageError::new("give the SIS school to unmap"))?;
            spec.schools.remove(&key);
            spec.roles.remove(&key);
            spec.selection.users.remove(&key);
            spec.selection.courses.remove(&key);
            spec.selection.sections.remove(&key);
            Ok(format!(
                "SIS school {sis} is unmapped (its role map and selection are removed); it takes part in no sync"
            ))
        }),
    }
}

async fn list_schools(config: &Config, out: Out) -> anyhow::Result<u8> {
    let ends = read_ends(config, false).await?;
    let (schools, directory) = (&ends.schools, &ends.directory);
    let mapping = config.mapping.spec();
    let stale = mapping.stale_schools(schools);
    if out.json {
        out.json(&json!({
            "sis_schools": schools,
            "lms_buildings": directory.buildings,
            "mapping": mapping.schools,
            "stale": stale,
        }))?;
        return Ok(EXIT_OK);
    }
    let title_of = |id: &BuildingId| {
        directory
            .buildings
            .iter()
            .find(|b| &b.id == id)
            .map_or("(not in the LMS)".to_owned(), |b| b.title.clone())
    };
    let mut used = BTreeSet::new();
    let mut rows = Vec::new();
    for school in schools {
        let (id, title) = match mapping.schools.get(&school.key) {
            Some(id) => {
                used.insert(id.clone());
                (id.to_string(), title_of(id))
            }
            None => ("-".to_owned(), "(unmapped: not synced)".to_owned()),
        };
        rows.push(vec![school.key.to_string(), school.name.clone(), id, title]);
    }
    for key in &stale {
        if let Some(id) = mapping.schools.get(*key) {
            used.insert(id.clone());
            rows.push(vec![
                key.to_string(),
                "(stale: not in the SIS)".to_owned(),
                id.to_string(),
                title_of(id),
            ]);
        }
    }
    for building in &directory.buildings {
        if !used.contains(&building.id) {
            rows.push(vec![
                "-".to_owned(),
                "(no SIS school)".to_owned(),
                building.id.to_string(),
                building.title.clone(),
            ]);
        }
    }
    out.table(&["SIS school", "name", "LMS building", "title"], &rows);
    for (building, schools) in mapping.shared_buildings() {
        out.line(format!("warning: {}", shared_warning(building, &schools)));
    }
    if !stale.is_empty() {
        out.line(format!(
            "{} mapped school(s) are stale: the SIS no longer lists them; `rostersync schools unmap KEY` removes one",
            stale.len()
        ));
    }
    Ok(EXIT_OK)
}

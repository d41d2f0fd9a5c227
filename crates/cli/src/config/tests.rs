//! Unit tests of configuration parsing, validation and the managed rewrite.

use super::*;

fn no_env(_: &str) -> Option<String> {
    None
}

fn esp(config: &Config) -> Option<&EspSettings> {
    match &config.sis {
        SisSettings::EschoolPlus(esp) => Some(esp),
        _ => None,
    }
}

#[test]
fn the_template_parses_with_the_defaults() {
    let config = parse(Path::new("r.toml"), &template(), &no_env).unwrap();
    assert_eq!(config.schoology.base_url, "https://api.schoology.com/v1");
    assert_eq!(config.schoology.signature, Signature::HmacSha1);
    assert_eq!(config.schedule, ScheduleMode::Manual);
    assert_eq!(config.sis.kind(), AdapterKind::EschoolPlus);
    assert!(esp(&config).unwrap().password.is_none());
}

#[test]
fn secrets_come_from_the_environment_and_never_show() {
    let env = |name: &str| Some(format!("value-of-{name}"));
    let config = parse(Path::new("r.toml"), &template(), &env).unwrap();
    assert_eq!(
        esp(&config).unwrap().password().unwrap().expose(),
        "value-of-ROSTERSYNC_ESP_PASSWORD"
    );
    let shown = format!("{config:?}");
    assert!(!shown.contains("value-of"), "{shown}");
}

#[test]
fn plain_http_is_refused_off_loopback() {
    assert!(check_address("http://127.0.0.1:8080/v1", false).is_ok());
    assert!(check_address("https://api.example.org/v1", false).is_ok());
    assert!(check_address("http://api.example.org:80/v1", false).is_err());
    assert!(check_address("http://127.0.0.1/v1", false).is_err());
    assert!(check_address("eschool.example.org", true).is_ok());
}

#[test]
fn a_daily_window_reads_with_the_district_zone() {
    let section = ScheduleSection {
        mode: "daily".into(),
        window: Some("22:00-02:00".into()),
        time_zone: None,
        drift_check: None,
    };
    let mode = schedule_mode(&section, "America/Chicago").unwrap();
    assert!(matches!(mode, ScheduleMode::Daily(w) if w.spans_midnight()));
    let bad = ScheduleSection {
        window: Some("25:00-03:00".into()),
        ..section
    };
    let message = schedule_mode(&bad, "America/Chicago").unwrap_err();
    assert!(message.contains("schedule.window"), "{message}");
}

#[test]
fn the_managed_part_is_rewritten_and_the_head_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.toml");
    std::fs::write(&path, template()).unwrap();
    let mut spec = MappingSpec::default();
    spec.schools.insert("101".into(), "9001".into());
    let schedule = ScheduleSection {
        mode: "daily".into(),
        window: Some("00:00-03:00".into()),
        time_zone: None,
        drift_check: None,
    };
    save_managed(&path, &schedule, &spec).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("# rostersync configuration."), "{text}");
    let config = parse(&path, &text, &no_env).unwrap();
    assert_eq!(config.mapping.spec().schools.len(), 1);
    assert!(matches!(config.schedule, ScheduleMode::Daily(_)));
}

/// The template with `[sis]` keys (`sis`) and adapter tables added above the marker.
fn with_sis(sis: &str, tables: &str) -> String {
    template()
        .replacen("adapter = \"eschoolplus\"\n", sis, 1)
        .replacen(MANAGED_MARKER, &format!("{tables}\n{MANAGED_MARKER}"), 1)
}

#[test]
fn a_oneroster_csv_package_is_found_beside_the_file() {
    let text = with_sis(
        "adapter = \"oneroster-csv\"\nschool_year = 2026\n",
        "[oneroster_csv]\npackage = \"exports/bulk.zip\"\ndeltas = [\"exports/delta-1\"]\n",
    );
    let config = parse(Path::new("/etc/rostersync/r.toml"), &text, &no_env).unwrap();
    let SisSettings::OneRosterCsv(csv) = &config.sis else {
        panic!("not the CSV adapter: {:?}", config.sis);
    };
    assert_eq!(csv.package, Path::new("/etc/rostersync/exports/bulk.zip"));
    assert_eq!(csv.deltas, [Path::new("/etc/rostersync/exports/delta-1")]);
    assert_eq!(config.school_year, Some(2026));
    assert!(esp(&config).is_none());
}

#[test]
fn a_oneroster_csv_adapter_needs_its_package() {
    let text = with_sis("adapter = \"oneroster-csv\"\n", "");
    let error = parse(Path::new("r.toml"), &text, &no_env)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("oneroster_csv.package is missing"),
        "{error}"
    );
}

#[test]
fn a_oneroster_rest_provider_reads_with_its_secret_from_the_environment() {
    let text = with_sis(
        "adapter = \"oneroster-rest\"\n",
        "[oneroster_rest]\nroot = \"https://sis.example.org/ims/oneroster\"\nversion = \"1.2\"\n\
         auth = \"oauth2\"\ntoken_url = \"https://sis.example.org/token\"\nkey = \"client-1\"\n\
         scopes = [\"roster-core.readonly\"]\nsecret = \"from-the-file\"\n",
    );
    let env = |name: &str| (name == ONEROSTER_SECRET_ENV).then(|| "from-env".to_owned());
    let config = parse(Path::new("r.toml"), &text, &env).unwrap();
    let SisSettings::OneRosterRest(rest) = &config.sis else {
        panic!("not the REST adapter: {:?}", config.sis);
    };
    assert_eq!(rest.version, rostersync_oneroster::rest::RestVersion::V1p2);
    assert_eq!(rest.secret().unwrap().expose(), "from-env");
    assert!(
        matches!(&rest.auth, RestAuth::OAuth2 { scopes, .. } if scopes == &["roster-core.readonly"])
    );
    let shown = format!("{config:?}");
    assert!(
        !shown.contains("from-env") && !shown.contains("from-the-file"),
        "{shown}"
    );
}

#[test]
fn every_oneroster_rest_problem_is_named() {
    let text = with_sis(
        "adapter = \"oneroster-rest\"\n",
        "[oneroster_rest]\nroot = \"http://sis.example.org\"\nversion = \"2.0\"\n\
         profile = \"plus360\"\nauth = \"oauth2\"\n",
    );
    let error = parse(Path::new("r.toml"), &text, &no_env)
        .unwrap_err()
        .to_string();
    for part in [
        "oneroster_rest.root \"http://sis.example.org\" uses http:// off loopback",
        "oneroster_rest.version \"2.0\" is not known",
        "oneroster_rest.auth \"oauth2\" is not offered with profile \"plus360\"",
        "oneroster_rest.key is missing",
    ] {
        assert!(error.contains(part), "{part:?} not in {error}");
    }
}

#[test]
fn an_unknown_adapter_is_refused_with_the_choices() {
    let text = with_sis("adapter = \"powerschool\"\n", "");
    let error = parse(Path::new("r.toml"), &text, &no_env)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("sis.adapter \"powerschool\" is not known"),
        "{error}"
    );
    assert!(error.contains("\"oneroster-csv\""), "{error}");
}

#[test]
fn eschoolplus_settings_are_not_required_by_another_adapter() {
    let text = with_sis(
        "adapter = \"oneroster-csv\"\n",
        "[oneroster_csv]\npackage = \"p\"\n",
    )
    .replace("domain = \"eschool.district.example\"\n", "")
    .replace("site_code = \"0850\"\n", "");
    let config = parse(Path::new("r.toml"), &text, &no_env).unwrap();
    assert_eq!(config.sis.kind(), AdapterKind::OneRosterCsv);
}

#[test]
fn a_sections_grade_settings_are_its_own_else_its_courses_else_the_districts() {
    let settings = |rounding_decimals: u8| {
        format!(
            "categories = {{ \"1\" = \"HW\" }}\nsis_categories = [{{ code = \"HW\", weight = 100.0, drop_lowest = 0 }}]\n\
             missing = \"zero\"\nincomplete_mark = \"I\"\nexcused_exception = \"EX\"\n\
             rounding = {{ mode = \"half_up\", decimals = {rounding_decimals} }}\nscale = [[0.0, \"F\"]]\n\
             averaging = \"total_points\"\ntolerance = 1.0\nmax_title_len = 30\n"
        )
    };
    let tables = format!(
        "[grades]\n{}\n[grades_by_course.\"ALG\"]\n{}\n[grades_by_section.\"ALG-1\"]\n{}",
        settings(0),
        settings(1),
        settings(2)
    );
    let text = template().replacen(MANAGED_MARKER, &format!("{tables}\n{MANAGED_MARKER}"), 1);
    let config = parse(Path::new("r.toml"), &text, &no_env).unwrap();
    let decimals = |section: &str, course: Option<&str>| {
        config
            .grade_settings(section, course)
            .map(|s| match s.rounding {
                rostersync_core::grades::Rounding::HalfUp { decimals }
                | rostersync_core::grades::Rounding::Truncate { decimals } => decimals,
            })
    };
    assert_eq!(decimals("ALG-1", Some("ALG")), Some(2));
    assert_eq!(decimals("ALG-2", Some("ALG")), Some(1));
    assert_eq!(decimals("GEO-1", Some("GEO")), Some(0));
    assert_eq!(decimals("GEO-1", None), Some(0));
}

#[test]
fn system_admin_roles_are_trimmed_and_may_not_be_empty() {
    let with = |value: &str| {
        template().replace(
            "# system_admin_roles = [\"System Admin\", \"System Administrator\"]",
            &format!("system_admin_roles = {value}"),
        )
    };
    let config = parse(Path::new("r.toml"), &with("[\" District Boss \"]"), &no_env).unwrap();
    assert_eq!(
        config.schoology.system_admin_roles,
        Some(vec!["District Boss".to_owned()])
    );
    let defaults = parse(Path::new("r.toml"), &template(), &no_env).unwrap();
    assert_eq!(defaults.schoology.system_admin_roles, None);
    for empty in ["[]", "[\"System Admin\", \"  \"]"] {
        let error = parse(Path::new("r.toml"), &with(empty), &no_env).unwrap_err();
        assert!(
            error.to_string().contains("schoology.system_admin_roles"),
            "{empty}: {error}"
        );
    }
}

#[test]
fn email_conflicts_default_to_ignore_and_an_unknown_choice_is_named() {
    let with = |value: &str| {
        template().replace(
            "# email_conflicts = \"ignore\"",
            &format!("email_conflicts = {value:?}"),
        )
    };
    let parsed = |value: &str| {
        parse(Path::new("r.toml"), &with(value), &no_env).map(|c| c.schoology.email_conflicts)
    };
    let default = parse(Path::new("r.toml"), &template(), &no_env).unwrap();
    assert_eq!(
        default.schoology.email_conflicts,
        EmailConflictSetting::Ignore
    );
    assert_eq!(parsed("error").unwrap(), EmailConflictSetting::Error);
    assert_eq!(
        parsed("username_only").unwrap(),
        EmailConflictSetting::UsernameOnly
    );
    assert_eq!(parsed("ignore").unwrap(), EmailConflictSetting::Ignore);
    let error = parsed("merge").unwrap_err().to_string();
    assert!(
        error.contains("schoology.email_conflicts \"merge\""),
        "{error}"
    );
}

#[test]
fn an_impossible_school_year_is_a_configuration_problem_naming_its_key() {
    assert!(check_school_year(2027, 2026).is_ok());
    assert!(check_school_year(2016, 2026).is_ok());
    let short = check_school_year(27, 2026).unwrap_err();
    assert!(
        short.contains("four-digit calendar year it ends in (e.g. 2027 for 2026-27)"),
        "{short}"
    );
    let far = check_school_year(2207, 2026).unwrap_err();
    assert!(far.contains("more than 10 years from today"), "{far}");
    for (sis, key) in [
        (
            "adapter = \"oneroster-csv\"\nschool_year = 27\n",
            "sis.school_year = 27",
        ),
        (
            "adapter = \"eschoolplus\"\n",
            "eschoolplus.school_year = 27",
        ),
    ] {
        let tables = if key.starts_with("sis") {
            "[oneroster_csv]\npackage = \"bulk.zip\"\n"
        } else {
            ""
        };
        let mut text = with_sis(sis, tables);
        if key.starts_with("eschoolplus") {
            text = text.replacen("[eschoolplus]\n", "[eschoolplus]\nschool_year = 27\n", 1);
        }
        let error = parse(Path::new("r.toml"), &text, &no_env)
            .unwrap_err()
            .to_string();
        assert!(error.contains(key), "{error}");
        assert!(error.contains("four-digit"), "{error}");
    }
}

#[test]
fn the_drift_check_day_and_policy_are_read_and_a_bad_day_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.toml");
    std::fs::write(&path, template()).unwrap();
    let mut spec = MappingSpec::default();
    spec.drift.courses = rostersync_core::drift::DriftRule::Report;
    let schedule = ScheduleSection {
        mode: "manual".into(),
        drift_check: Some("Wednesday".into()),
        ..ScheduleSection::default()
    };
    save_managed(&path, &schedule, &spec).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("drift_check = \"Wednesday\""), "{text}");
    assert!(text.contains("[mapping.drift]"), "{text}");
    let config = parse(&path, &text, &no_env).unwrap();
    assert_eq!(config.drift.weekday, chrono::Weekday::Wed);
    assert_eq!(
        config.mapping.drift().courses,
        rostersync_core::drift::DriftRule::Report
    );
    let bad = text.replace("\"Wednesday\"", "\"Caturday\"");
    let message = match parse(&path, &bad, &no_env) {
        Ok(_) => panic!("a bad weekday was taken"),
        Err(error) => error.to_string(),
    };
    assert!(
        message.contains("schedule.drift_check \"Caturday\" is not a weekday"),
        "{message}"
    );
}

/// The template with a `[console]` table of `keys` above the marker.
fn with_console(keys: &str) -> String {
    template().replacen(
        MANAGED_MARKER,
        &format!("[console]\n{keys}\n{MANAGED_MARKER}"),
        1,
    )
}

#[test]
fn the_console_table_reads_its_hash_and_tls_files_beside_the_file() {
    let phc = rostersync_web::hash_password("open sesame").unwrap();
    let text = with_console(&format!(
        "password_hash = \"{phc}\"\ntls_certificate = \"tls/console.pem\"\ntls_key = \"/etc/ssl/console.key\"\n"
    ));
    let config = parse(Path::new("/etc/rostersync/r.toml"), &text, &no_env).unwrap();
    assert_eq!(
        config.console.password,
        Some(rostersync_web::ConsolePassword::parse(&phc).unwrap())
    );
    let tls = config.console.tls.as_ref().unwrap();
    assert_eq!(
        tls.certificate,
        Path::new("/etc/rostersync/tls/console.pem")
    );
    assert_eq!(tls.key, Path::new("/etc/ssl/console.key"));
    let shown = format!("{config:?}");
    assert!(
        !shown.contains(&phc) && !shown.contains("argon2"),
        "{shown}"
    );

    let without = parse(Path::new("r.toml"), &template(), &no_env).unwrap();
    assert!(without.console.password.is_none() && without.console.tls.is_none());
}

#[test]
fn a_bad_console_hash_or_a_certificate_without_its_key_is_named() {
    let error = |keys: &str| {
        parse(Path::new("r.toml"), &with_console(keys), &no_env)
            .unwrap_err()
            .to_string()
    };
    for bad in [
        "hunter2",
        "$2b$12$R9h/cIPz0gi.URNNX3kh2O",
        "$argon2id$v=19$m=8",
    ] {
        let message = error(&format!("password_hash = \"{bad}\"\n"));
        assert!(
            message.contains("console.password_hash is not an argon2 password hash"),
            "{message}"
        );
        assert!(message.contains("--hash-password"), "{message}");
        assert!(!message.contains(bad), "the hash is not echoed: {message}");
    }
    for half in ["tls_certificate = \"c.pem\"\n", "tls_key = \"k.pem\"\n"] {
        let message = error(half);
        assert!(
            message.contains("console.tls_certificate and console.tls_key go together"),
            "{message}"
        );
    }
    let message = error("password = \"plain\"\n");
    assert!(message.contains("key `console.password`"), "{message}");
    assert!(!message.contains("plain"), "{message}");
}

/// The template with its `[store]` body replaced by `body`.
fn with_store(body: &str) -> String {
    template().replace("path = \"rostersync.db\"\n", &format!("{body}\n"))
}

fn store_error(body: &str) -> String {
    parse(
        Path::new("/etc/rostersync/r.toml"),
        &with_store(body),
        &no_env,
    )
    .unwrap_err()
    .to_string()
}

#[test]
fn the_store_is_the_sqlite_file_beside_the_configuration_by_default() {
    let config = parse(Path::new("/etc/rostersync/r.toml"), &template(), &no_env).unwrap();
    assert!(
        matches!(&config.store, StoreSettings::Sqlite(path) if path == Path::new("/etc/rostersync/rostersync.db")),
        "{:?}",
        config.store
    );
    assert_eq!(config.store.key(), "store.path");
}

#[test]
fn a_postgres_store_reads_its_url_and_district_and_its_password_from_the_environment() {
    let body = "url = \"postgres://rostersync@db.example.org:5432/rostersync?sslmode=require\"\n\
                district = \"district-42\"";
    let env = |name: &str| (name == "ROSTERSYNC_PG_PASSWORD").then(|| "pg-secret-9".to_owned());
    let config = parse(Path::new("r.toml"), &with_store(body), &env).unwrap();
    let StoreSettings::Postgres(options) = &config.store else {
        panic!("not PostgreSQL: {:?}", config.store);
    };
    assert_eq!(options.district(), "district-42");
    assert_eq!(config.store.key(), "store.url");
    let described = config.store.describe();
    assert!(
        described.contains("db.example.org") && described.contains("district-42"),
        "{described}"
    );
    let shown = format!("{config:?}");
    assert!(!shown.contains("pg-secret-9"), "{shown}");
}

#[test]
fn a_postgres_store_takes_a_certificate_authority_beside_the_file_and_a_pool_size() {
    let url = "url = \"postgres://rostersync@db.example.org/rostersync?sslmode=require\"\n\
               district = \"district-42\"\n";
    let body = format!("{url}ca_certificate = \"tls/db-ca.pem\"\npool_size = 12");
    let config = parse(
        Path::new("/etc/rostersync/r.toml"),
        &with_store(&body),
        &no_env,
    )
    .unwrap();
    let StoreSettings::Postgres(options) = &config.store else {
        panic!("not PostgreSQL: {:?}", config.store);
    };
    assert_eq!(
        options.ca_file(),
        Some(Path::new("/etc/rostersync/tls/db-ca.pem"))
    );
    assert_eq!(options.connections(), 12);
    for (size, refused) in [("0", true), ("65", true), ("64", false)] {
        let body = format!("{url}pool_size = {size}");
        let parsed = parse(Path::new("r.toml"), &with_store(&body), &no_env);
        assert_eq!(parsed.is_err(), refused, "pool_size {size}");
        if let Err(error) = parsed {
            assert!(error.to_string().contains("store.pool_size"), "{error}");
        }
    }
    let empty = store_error(&format!("{url}ca_certificate = \"\""));
    assert!(empty.contains("store.ca_certificate is empty"), "{empty}");
    let sqlite = store_error("path = \"rostersync.db\"\npool_size = 2");
    assert!(
        sqlite.contains("store.ca_certificate and store.pool_size go with store.url"),
        "{sqlite}"
    );
}

#[test]
fn a_store_url_without_its_district_is_refused() {
    let error = store_error("url = \"postgres://rostersync@db.example.org/rostersync\"");
    assert!(error.contains("store.district is missing"), "{error}");
    let empty =
        store_error("url = \"postgres://rostersync@db.example.org/rostersync\"\ndistrict = \"\"");
    assert!(
        empty.contains("store.district \"\" is not valid"),
        "{empty}"
    );
}

#[test]
fn a_district_without_a_store_url_is_refused() {
    let error = store_error("path = \"rostersync.db\"\ndistrict = \"district-42\"");
    assert!(
        error.contains("store.district goes with store.url"),
        "{error}"
    );
}

#[test]
fn a_store_path_and_url_together_are_refused() {
    let error = store_error(
        "path = \"rostersync.db\"\nurl = \"postgres://rostersync@db.example.org/rostersync\"\n\
         district = \"district-42\"",
    );
    assert!(
        error.contains("store.path and store.url are both set"),
        "{error}"
    );
}

#[test]
fn a_store_url_with_a_password_is_refused_without_showing_it() {
    let error = store_error(
        "url = \"postgres://rostersync:hunter2-pw@db.example.org/rostersync\"\n\
         district = \"district-42\"",
    );
    assert!(
        error.contains("store.url carries a password") && error.contains("ROSTERSYNC_PG_PASSWORD"),
        "{error}"
    );
    assert!(!error.contains("hunter2-pw"), "{error}");
}

#[test]
fn a_store_url_that_is_not_postgres_is_refused_and_a_missing_store_named() {
    let error = store_error("url = \"postgres://db.example.org:notaport/x\"\ndistrict = \"d\"");
    assert!(
        error.contains("store.url is not a PostgreSQL URL"),
        "{error}"
    );
    let missing = store_error("");
    assert!(missing.contains("store.path is missing"), "{missing}");
}

#[test]
fn an_unknown_store_key_is_still_reported() {
    let error = store_error("path = \"rostersync.db\"\npassword = \"x\"");
    assert!(error.contains("store.password"), "{error}");
}

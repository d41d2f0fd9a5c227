//! The definition JSON field by field against reference §A2.1, ids, hashes
//! and probes.

use serde_json::{Value, json};

use super::*;

fn scope() -> Scope {
    Scope {
        buildings: vec!["10".into(), "20".into()],
        school_year: 2026,
    }
}

fn header_of(json: &Value, index: usize) -> &Value {
    &json["UploadDownloadDefinition"]["InterfaceHeaders"][index]
}

#[test]
fn the_top_level_and_header_fields_are_the_scripts() {
    let definition = buildings();
    let json = definition.to_json();
    for (field, value) in [
        ("IsCopyNew", json!("False")),
        ("NewHeaderNames", json!([""])),
        ("InterfaceHeadersToCopy", json!([""])),
        ("InterfaceToCopyFrom", json!([""])),
        ("CopyHeaders", json!("False")),
        ("PageEditMode", json!(0)),
    ] {
        assert_eq!(json[field], value, "{field}");
    }
    let def = &json["UploadDownloadDefinition"];
    assert_eq!(def["UploadDownload"], "D");
    assert_eq!(def["UploadDownloadRaw"], "D");
    assert_eq!(def["DistrictId"], 0);
    assert_eq!(def["InterfaceId"], "RSBLD");
    assert_eq!(def["ChangeUser"], Value::Null);
    assert_eq!(def["DeleteEntity"], false);
    assert_eq!(
        def["Description"],
        format!("rostersync buildings #{}", definition.content_hash())
    );
    let header = header_of(&json, 0);
    for (field, value) in [
        ("InterfaceId", json!("RSBLD")),
        ("HeaderId", json!("BLD")),
        ("HeaderOrder", json!(1)),
        ("FileName", json!("RSBLD_bld.txt")),
        ("LastRunDate", Value::Null),
        ("DelimitChar", json!("|")),
        ("TableAffected", json!("reg_building")),
        ("UseChangeFlag", json!(false)),
        ("ColumnHeaders", json!(true)),
        ("ColumnHeadersRaw", json!("Y")),
        ("Delete", json!(false)),
        ("CanDelete", json!(true)),
        (
            "AdditionalSql",
            json!("LEFT OUTER JOIN (SELECT '#!#' AS 'RC_RUN') AS [spi_checklist_setup_hdr] ON 1=1"),
        ),
        (
            "AffectedTableObject",
            json!({"Code": "reg_building", "Description": "reg_building",
                   "CodeAndDescription": "reg_building", "ActiveRaw": "Y", "Active": true}),
        ),
    ] {
        assert_eq!(header[field], value, "{field}");
    }
}

#[test]
fn every_detail_names_a_real_table_and_column_and_the_last_is_the_terminator() {
    let json = buildings().to_json();
    let details = header_of(&json, 0)["InterfaceDetails"].as_array().unwrap();
    assert_eq!(details.len(), BUILDINGS.len() + 1);
    for (index, (detail, column)) in details.iter().zip(BUILDINGS).enumerate() {
        assert_eq!(detail["FieldId"], (index + 1).to_string());
        assert_eq!(detail["FieldOrder"], index + 1);
        assert_eq!(detail["TableName"], "reg_building");
        assert_eq!(detail["ColumnName"], *column);
        assert_eq!(detail["FieldLength"], "255");
        assert_eq!(detail["Literal"], Value::Null);
        assert_eq!(detail["ColumnOverride"], Value::Null);
        assert_eq!(detail["InterfaceTranslations"], json!([""]));
        assert_eq!(detail["NewRow"], true);
        for null in [
            "Edit",
            "TableAlias",
            "ScreenType",
            "ScreenNumber",
            "FormatString",
            "StartPosition",
            "EndPosition",
            "ValidationTable",
            "CodeColumn",
            "ValidationList",
            "ErrorMessage",
            "ExternalTable",
            "ExternalColumnIn",
            "ExternalColumnOut",
        ] {
            assert_eq!(detail[null], Value::Null, "{null}");
        }
    }
    let last = details.last().unwrap();
    assert_eq!(last["FieldId"], "99");
    assert_eq!(last["FieldOrder"], 99);
    assert_eq!(last["TableName"], "spi_checklist_setup_hdr");
    assert_eq!(last["ColumnName"], "RC_RUN");
    assert_eq!(last["FieldLength"], "3");
    assert_eq!(last["Literal"], Value::Null);
    assert_eq!(last["ColumnOverride"], "#!#");
    // No made-up column anywhere.
    assert!(
        details.iter().all(|d| d["ColumnName"] != "#!#"),
        "{details:?}"
    );
}

#[test]
fn the_roster_is_one_definition_with_a_file_per_table_and_filters_after_the_join() {
    let roster = roster(&scope());
    assert_eq!(roster.interface_id, "RSROS");
    let ids: Vec<&str> = roster.headers.iter().map(|h| h.id).collect();
    assert_eq!(ids, sets::ROSTER_HEADERS);
    let json = roster.to_json();
    for (index, header) in roster.headers.iter().enumerate() {
        let sql = header_of(&json, index)["AdditionalSql"].as_str().unwrap();
        assert!(sql.starts_with(&crate::sql::terminator_join()), "{sql}");
        assert_eq!(
            header_of(&json, index)["HeaderOrder"],
            index + 1,
            "{}",
            header.id
        );
        assert!(header.id.len() <= 5);
    }
    let students = &roster.headers[3];
    assert_eq!(
        roster.additional_sql(students),
        "LEFT OUTER JOIN (SELECT '#!#' AS 'RC_RUN') AS [spi_checklist_setup_hdr] ON 1=1 WHERE \
         reg.BUILDING IN ('10','20') OR reg.STUDENT_ID IN (SELECT STUDENT_ID FROM SCHD_STU_COURSE \
         WHERE SECTION_KEY IN (SELECT SECTION_KEY FROM SCHD_MS WHERE BUILDING IN ('10','20') AND \
         SCHOOL_YEAR = '2026' AND SUMMER_SCHOOL = 'N'))"
    );
    let files: std::collections::BTreeSet<String> =
        roster.headers.iter().map(|h| roster.file_name(h)).collect();
    assert_eq!(files.len(), roster.headers.len());
}

#[test]
fn a_quote_in_a_building_or_section_is_escaped_never_spliced() {
    let scope = Scope {
        buildings: vec!["10') OR ('1'='1".into()],
        school_year: 2026,
    };
    let roster = roster(&scope);
    let sql = roster.additional_sql(&roster.headers[9]);
    assert!(
        sql.ends_with("WHERE schd_course.BUILDING IN ('10'') OR (''1''=''1')"),
        "{sql}"
    );
    let book = gradebook(&["1'2".into()]);
    assert!(
        book.additional_sql(&book.headers[0])
            .ends_with("WHERE schd_ms.SECTION_KEY IN ('1''2')")
    );
}

#[test]
fn uploads_have_no_terminator_and_no_sql() {
    for upload in [assignment_upload(), score_upload()] {
        let json = upload.to_json();
        assert_eq!(json["UploadDownloadDefinition"]["UploadDownload"], "U");
        let header = header_of(&json, 0);
        assert_eq!(header["AdditionalSql"], "");
        let details = header["InterfaceDetails"].as_array().unwrap();
        assert_eq!(details.len(), upload.headers[0].columns.len());
        assert!(details.iter().all(|d| d["ColumnOverride"].is_null()));
    }
}

#[test]
fn the_hash_follows_the_content_and_probes_select_nothing() {
    let a = roster(&scope());
    assert_eq!(a.content_hash(), roster(&scope()).content_hash());
    assert_eq!(a.content_hash().len(), 8);
    let other = roster(&Scope {
        school_year: 2027,
        ..scope()
    });
    assert_ne!(a.content_hash(), other.content_hash());
    let probe = a.probe();
    assert_eq!(probe.interface_id, "RSROZ");
    assert!(
        probe
            .headers
            .iter()
            .all(|h| h.condition.ends_with("(1 = 0)")),
        "{probe:?}"
    );
    // A header without a filter selects nothing too.
    let buildings_probe = buildings().probe();
    assert_eq!(buildings_probe.headers[0].condition, "(1 = 0)");
    let every = every(&scope(), &["5".into()]);
    let ids: std::collections::BTreeSet<&str> =
        every.iter().map(|d| d.interface_id.as_str()).collect();
    assert_eq!(ids.len(), every.len());
    assert!(every.iter().all(|d| d.interface_id.len() == 5));
}

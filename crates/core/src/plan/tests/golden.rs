//! Golden plan files: each edge case's dry-run text is kept under
//! `crates/core/test_data/plan/`; `UPDATE_EXPECT=1` (or `cargo xtask bless`)
//! rewrites them.

use std::path::PathBuf;

use crate::mapping::RoleTarget;
use crate::model::lms::LmsUser;
use crate::model::sis::{GuardianLink, PersonStatus, SisRole};
use crate::plan::tests::fixture::lms_user;
use crate::plan::tests::fixture::{World, date};
use crate::plan::{RenderOptions, render_text};
use crate::scope::SyncScope;

fn check(name: &str, world: &World) {
    let actual = render_text(&world.plan(SyncScope::All), RenderOptions::full());
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("test_data/plan")
        .join(format!("{name}.txt"));
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == actual,
        "golden plan {} differs; run `cargo xtask bless` and review the diff.\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

/// Names from many scripts, same-name students, a student without e-mail,
/// a teacher in two buildings, co-teachers, an empty section, a guardian
/// with three children (links on), a withdrawn student, a duplicate key.
fn messy() -> World {
    let mut w = World::new();
    w.spec.options.guardian_links = true;
    w.spec.roles.get_mut("101").unwrap().guardian = Some(RoleTarget::Lms("1216".into()));
    w.teacher("T1", "Siobhán", "O'Brien", "101")
        .other_schools
        .push("102".into());
    w.teacher("T2", "Jean-Luc", "Smith-Jones", "101");
    w.student("S1", "José", "Núñez", "101");
    w.student("S2", "Łukasz", "Żółć", "101")
        .name
        .preferred_first = Some("Luke".into());
    w.student("S3", "王", "芳", "101");
    w.student("S4", "Дмитрий", "Иванов", "101");
    w.student("S5", "محمد", "علي", "101");
    w.student("S6", "Emma", "Brown", "101");
    w.student("S7", "Emma", "Brown", "101");
    w.student("S8", "Noel", "Nomail", "101").email = None;
    w.student("S9", "Wes", "Withdrawn", "101").status = PersonStatus::Withdrawn;
    w.student("S10", "Dee", "Duplicate", "101");
    w.student("S10", "Dee", "Duplicate", "101");
    w.student("S11", "", "Nofirst", "101");
    w.person("G1", SisRole::Guardian, "Zoë", "Núñez", "101");
    for child in ["S1", "S6", "S7"] {
        w.sis.guardian_links.push(GuardianLink {
            guardian: "G1".into(),
            student: child.into(),
        });
    }
    w.course("101-ENG9", "101", "English 9");
    w.course("101-ART", "101", "Art");
    w.section("101-ENG9-01", "101-ENG9", "101", Some("T1"))
        .co_teachers
        .push("T2".into());
    w.section("101-ART-01", "101-ART", "101", Some("T2"));
    w.section("101-ART-02", "101-ART", "101", None);
    for student in [
        "S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9", "S10", "S11",
    ] {
        w.enroll("101-ENG9-01", student);
    }
    w.enroll("101-ART-01", "S1").end = Some(date(2025, 9, 1));
    w
}

#[test]
fn golden_messy_first_sync() {
    check("messy_first_sync", &messy());
}

#[test]
fn golden_messy_next_day() {
    let mut w = messy();
    w.sync();
    w.today = date(2025, 10, 2);
    // Rename, move, drop, add, withdraw.
    let s4 = w
        .sis
        .people
        .iter_mut()
        .find(|p| p.key.as_str() == "S4")
        .unwrap();
    s4.name.last = "Иванова".into();
    let s5 = w
        .sis
        .people
        .iter_mut()
        .find(|p| p.key.as_str() == "S5")
        .unwrap();
    s5.primary_school = "102".into();
    w.sis.enrollments.retain(|e| e.person.as_str() != "S5");
    w.sis
        .enrollments
        .iter_mut()
        .find(|e| e.person.as_str() == "S3")
        .unwrap()
        .end = Some(date(2025, 10, 1));
    w.student("S12", "Nia", "New", "101");
    w.enroll("101-ART-01", "S12");
    w.sis
        .people
        .iter_mut()
        .find(|p| p.key.as_str() == "S2")
        .unwrap()
        .status = PersonStatus::Withdrawn;
    check("messy_next_day", &w);
}

#[test]
fn golden_conflicts() {
    let mut w = World::basic();
    let user = |id: &str, unique: Option<&str>, email: Option<&str>, username: Option<&str>| {
        let mut fields = crate::model::lms::UserFields {
            first: "Pre".into(),
            preferred_first: None,
            middle: None,
            last: "Existing".into(),
            email: email.map(Into::into),
            username: username.map(Into::into),
            graduation_year: None,
            building: "9001".into(),
            other_buildings: Vec::new(),
            role: "1214".into(),
        };
        fields.first = format!("Pre{id}").into();
        LmsUser {
            id: id.into(),
            unique_id: unique.map(Into::into),
            fields,
        }
    };
    w.lms
        .users
        .push(user("801", None, Some("s1@students.example.org"), None));
    w.student("S3", "Una", "Username", "101").username = Some("una".into());
    w.lms.users.push(user("802", None, None, Some("UNA")));
    w.student("S4", "Sam", "Same", "101").email = Some("shared@example.org".into());
    w.student("S5", "Sal", "Same", "101").email = Some("shared@example.org".into());
    w.lms.users.push(user(
        "803",
        Some("S2"),
        Some("s2@students.example.org"),
        None,
    ));
    w.links.users.insert(
        "S6".into(),
        crate::model::links::Link::new("404".into(), crate::model::links::LinkOrigin::Created),
    );
    w.student("S6", "Stan", "Stale", "101");
    check("conflicts", &w);
}

#[test]
fn golden_cross_listed_merged() {
    let mut w = World::basic();
    w.spec.options.merge_cross_listed = true;
    w.course("101-MTH", "101", "Math Lab");
    w.section("101-MTH-01", "101-MTH", "101", Some("T1"))
        .cross_list_group = Some("X1".into());
    w.sis.sections[0].cross_list_group = Some("X1".into());
    w.student("S3", "Mary", "Jackson", "101");
    w.enroll("101-MTH-01", "S3");
    w.enroll("101-MTH-01", "S1");
    check("cross_listed_merged", &w);
}

/// M10: a first name too long for the LMS, a last name with control
/// characters, a name that lost a letter (new, and on a linked account), a
/// person two hand-made accounts fit, and an enrollment that begins later.
#[test]
fn golden_text_lossy_held_and_later() {
    let mut w = World::basic();
    w.sync();
    w.person_mut("S1").name.first = "Ada".repeat(24).into();
    w.person_mut("S2").name.first = "?lan".into();
    w.student("S3", "Tom\u{0}as", "Nu\nnez", "101");
    w.student("S4", "Jos?", "Garc?a", "101");
    w.student("S5", "Emma", "Brown", "101");
    for id in ["802", "801"] {
        w.lms.users.push(lms_user(id, None, "Emma", "Brown", None));
    }
    w.enroll("101-ALG1-01", "S3");
    w.enroll("101-ALG1-01", "S4").begin = Some(date(2026, 1, 11));
    check("text_lossy_held_and_later", &w);
}

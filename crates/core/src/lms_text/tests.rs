//! Tests of the text rule, the limits check and the lost-letters rule.

use proptest::prelude::*;

use super::*;

#[test]
fn plain_text_is_borrowed_and_only_surrounding_whitespace_goes() {
    let fitted = fit("  Ada Lovelace ", TextKind::Name);
    assert_eq!(fitted.text, "Ada Lovelace");
    assert!(matches!(fitted.text, Cow::Borrowed(_)));
    assert!(!fitted.fixes.any());
    let fitted = fit("José Núñez", TextKind::Name);
    assert!(matches!(fitted.text, Cow::Borrowed(_)));
}

#[test]
fn repeated_and_odd_whitespace_collapses_without_a_fix() {
    let fitted = fit("Mary  Ann\u{a0} Lee", TextKind::Name);
    assert_eq!(fitted.text, "Mary Ann Lee");
    assert!(!fitted.fixes.any(), "{:?}", fitted.fixes);
}

#[test]
fn control_characters_are_removed_and_line_breaks_separate_words() {
    let fitted = fit("Ma\u{0}ry\u{1b}\nAnn\t", TextKind::Name);
    assert_eq!(fitted.text, "Mary Ann");
    assert!(fitted.fixes.control_removed);
    assert_eq!(fitted.fixes.cut_from, None);
    let fitted = fit("\u{85}Zoë\u{9f}", TextKind::Name);
    assert_eq!(fitted.text, "Zoë");
    assert!(fitted.fixes.control_removed);
}

#[test]
fn text_of_control_characters_only_is_empty() {
    let fitted = fit("\u{0}\u{7f}", TextKind::Title);
    assert_eq!(fitted.text, "");
    assert!(fitted.fixes.control_removed);
    assert!(is_blank("\u{0}\u{7f} \t\u{a0}"));
    assert!(!is_blank(" \u{0}a"));
}

#[test]
fn long_text_is_cut_at_the_limit_in_characters() {
    let long = "é".repeat(300);
    let fitted = fit(&long, TextKind::Name);
    assert_eq!(fitted.text.chars().count(), NAME_LIMIT);
    assert_eq!(fitted.fixes.cut_from, Some(300));
    assert!(!fitted.fixes.control_removed);
    // A cut that ends on a space does not leave it behind.
    let words = format!("{} tail", "a".repeat(TITLE_LIMIT - 1));
    let fitted = fit(&words, TextKind::Title);
    assert_eq!(fitted.text, "a".repeat(TITLE_LIMIT - 1));
    // Exactly at the limit is kept whole.
    let exact = "b".repeat(CODE_LIMIT);
    assert_eq!(fit(&exact, TextKind::Code).text, exact);
}

#[test]
fn a_suffix_survives_the_cut_of_its_base() {
    let base = "x".repeat(200);
    let title = fit_with_suffix(&base, "(101-S1)", TextKind::Title);
    assert!(title.text.ends_with("x (101-S1)"), "{}", title.text);
    assert_eq!(title.text.chars().count(), TITLE_LIMIT);
    assert_eq!(title.fixes.cut_from, Some(209));
    let plain = fit_with_suffix("Lincoln  Q1", "(T1)", TextKind::Title);
    assert_eq!(plain.text, "Lincoln Q1 (T1)");
    assert!(!plain.fixes.any());
    let controls = fit_with_suffix("Lin\u{0}coln", "S1\n2026", TextKind::Title);
    assert_eq!(controls.text, "Lincoln S1 2026");
    assert!(controls.fixes.control_removed);
}

#[test]
fn unfit_names_control_characters_and_length() {
    assert_eq!(unfit("S1", TextKind::Code), None);
    assert_eq!(
        unfit("S\u{7}1", TextKind::Code),
        Some(Unfit::ControlCharacter)
    );
    assert_eq!(
        unfit(&"k".repeat(65), TextKind::Code),
        Some(Unfit::TooLong {
            length: 65,
            limit: CODE_LIMIT
        })
    );
    // Bytes are not characters: 64 two-byte characters fit.
    assert_eq!(unfit(&"ł".repeat(64), TextKind::Code), None);
    assert_eq!(
        Unfit::TooLong {
            length: 65,
            limit: 64
        }
        .to_string(),
        "it is 65 characters long and the LMS holds at most 64"
    );
}

#[test]
fn a_question_mark_or_a_replacement_character_is_lossy() {
    for lossy in [
        "Jos?",
        "?lvarez",
        "Wojciechowsk?",
        "Nu?ez",
        "???????",
        "?",
        "Ann\u{fffd}",
        "\u{fffd}",
    ] {
        assert!(looks_lossy(lossy), "{lossy}");
    }
    // "ｱ" (U+FF71) starts with the byte 0xEF too, and lost nothing.
    for fine in ["José", "O'Brien", "Smith-Jones", "", "Zoë", "Anaïs", "ｱｲ"] {
        assert!(!looks_lossy(fine), "{fine}");
    }
}

proptest! {
    #[test]
    fn fitted_text_is_fit_and_fitting_it_again_changes_nothing(text in "\\PC{0,80}|[\\x00-\\x20a\u{a0}\u{85}é]{0,200}", kind in prop::sample::select(vec![TextKind::Name, TextKind::Title, TextKind::Code])) {
        let once = fit(&text, kind);
        prop_assert_eq!(unfit(&once.text, kind), None);
        let twice = fit(&once.text, kind);
        prop_assert_eq!(&twice.text, &once.text);
        prop_assert!(!twice.fixes.any());
        prop_assert!(matches!(twice.text, Cow::Borrowed(_)));
        prop_assert_eq!(once.text.trim(), once.text.as_ref());
        prop_assert!(!once.text.contains("  "));
        prop_assert_eq!(is_blank(&text), once.text.is_empty());
    }
}

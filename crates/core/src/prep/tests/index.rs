//! The text index: the hash of a value agrees with the comparison.

use proptest::prelude::*;

use super::super::index::{Fold, key, same};

/// `Fold::Words` written the plain way, as an oracle.
fn words(text: &str) -> String {
    text.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn folds_compare_as_documented() {
    assert!(same(" S1 ", "S1", Fold::Exact));
    assert!(!same("s1", "S1", Fold::Exact));
    assert!(same(" Ann@Example.org", "ann@example.ORG ", Fold::Lower));
    assert!(!same("a nn", "ann", Fold::Lower));
    assert!(same("JOSÉ  María", " josé maría", Fold::Words));
    assert!(!same("José", "Jose", Fold::Words));
    assert!(
        same("\u{212A}im", "KIM", Fold::Lower),
        "Kelvin sign lowercases to k"
    );
    assert_eq!(
        key(&[("  ", Fold::Words)]),
        None,
        "blank values are never filed"
    );
    assert_ne!(
        key(&[("ab", Fold::Exact), ("c", Fold::Exact)]),
        key(&[("a", Fold::Exact), ("bc", Fold::Exact)]),
        "parts never run into each other"
    );
}

proptest! {
    #[test]
    fn equal_text_has_equal_keys(text in "[aAbB \t\u{e9}\u{c9}\u{212a}kK\u{130}]{0,12}") {
        let canonical = words(&text);
        prop_assert!(same(&text, &canonical, Fold::Words));
        prop_assert_eq!(key(&[(&text, Fold::Words)]), key(&[(&canonical, Fold::Words)]));
        let lowered = text.trim().to_lowercase();
        prop_assert!(same(&text, &lowered, Fold::Lower));
        prop_assert_eq!(key(&[(&text, Fold::Lower)]), key(&[(&lowered, Fold::Lower)]));
    }
}

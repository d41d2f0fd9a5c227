//! PostgreSQL text holds any character but NUL. The free text a run records
//! (who it ran as, its message, outcome keys and reasons, source problems)
//! can carry one from a damaged file or an error message, so it is kept with
//! each NUL as U+FFFD: the record is kept, never refused with its batch.
//! Link keys are not changed here (a changed key is another record): the
//! plan leaves unlinked any user, course or section whose key holds a
//! control character.

use std::borrow::Cow;

/// `text` as PostgreSQL can keep it: each NUL as U+FFFD.
pub(crate) fn kept(text: &str) -> Cow<'_, str> {
    if text.contains('\0') {
        Cow::Owned(text.replace('\0', "\u{FFFD}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// [`kept`] of a text that may be missing.
pub(crate) fn kept_opt(text: Option<&str>) -> Option<Cow<'_, str>> {
    text.map(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_nul_changes_and_text_without_one_is_not_copied() {
        assert_eq!(kept("a\0b\0"), "a\u{FFFD}b\u{FFFD}");
        assert!(matches!(
            kept("Zoë, \"x\"\r\n"),
            Cow::Borrowed("Zoë, \"x\"\r\n")
        ));
        assert_eq!(kept_opt(None), None);
    }
}

//! SIS text on its way into the LMS: the LMS's length limits, the one rule
//! that makes a value fit them, and the rule that recognises a name that lost
//! letters to an encoding on the way out of the SIS.
//!
//! # The limits are assumptions
//!
//! Schoology's public record (`shared/reference/schoology-api.md`) states no
//! length limit for any field, and nothing about control characters. The
//! limits below are **ASSUMPTIONs**, kept here and nowhere else; the Schoology
//! simulator (`rostersync_sim::schoology`) reads them from here and refuses a
//! record that breaks them, per record, as a real server answers a bad field.
//! If Schoology turns out to take more, raise a limit here and nothing else
//! changes; if it takes less, lower it.
//!
//! - [`NAME_LIMIT`], 64 characters, for the parts of a person's name (first,
//!   preferred first, middle, last). Below the 255 a web application's text
//!   column usually allows, so a guess that is too high is unlikely; above
//!   what any eSchoolPLUS name column holds (25 to 35) and what districts
//!   realistically send through OneRoster, so a real name is not cut.
//! - [`TITLE_LIMIT`], 128 characters, for titles (course, section, grading
//!   period) and other descriptive text (department, room). SIS titles are
//!   short (eSchoolPLUS course descriptions hold 40); the grading period
//!   title is built from the school's name, the term's title and the years.
//! - [`CODE_LIMIT`], 64 characters, for codes: the unique fields that carry
//!   SIS keys (`school_uid`, `course_code`, `section_school_code`), the
//!   section code shown to users and the class periods. 64 holds a GUID
//!   (36), the longest key a OneRoster `sourcedId` usually is.
//!
//! A guess below the real limit costs a value cut with a warning; a guess
//! above it costs a refused record every day. Both are visible in the run's
//! report, so a wrong guess shows itself.
//!
//! # The rule ([`fit`])
//!
//! Schoology shows names and titles on one line, so nothing it holds there
//! takes a control character (`char::is_control`: C0, DEL and C1):
//!
//! - a tab, line break or other whitespace control inside a value separates
//!   words, so it becomes a space ("Mary\nAnn" is "Mary Ann", not "MaryAnn");
//!   every other control character (NUL, ESC, ...) is removed;
//! - surrounding whitespace is trimmed and runs of whitespace inside are
//!   collapsed to one space. Web pages show them as one space anyway, data
//!   prep already compares names that way, and one canonical form keeps the
//!   plan's comparison stable whether the LMS keeps spaces or squeezes them
//!   (a value the LMS stored differently from what was sent would be updated
//!   on every run);
//! - a value longer than its limit is cut to the limit, at a character
//!   boundary, and trailing whitespace is trimmed again. Limits count
//!   characters (Unicode scalar values), as a database text column does.
//!
//! Only what a reader would notice is reported ([`Fixes`]): control
//! characters removed and a value cut. Whitespace is trimmed and collapsed
//! silently: SIS exports pad fixed-width columns, and a warning for every
//! padded name would hide the warnings that matter.
//!
//! E-mail addresses and usernames are logins, not display text, and are
//! never changed here: a login changed on the way would not be the one the
//! person signs in with. SIS keys are identities and are never cut either;
//! [`unfit`] tells the plan when a key cannot be the LMS's unique field.
//!
//! # Lost letters ([`looks_lossy`])
//!
//! eSchoolPLUS writes its exports in Windows-1252; a character that code page
//! lacks ("ł", "ő", "ğ", every letter of most scripts other than Latin)
//! arrives as `?`, and a byte sequence a reader could not decode arrives as
//! U+FFFD. A name that holds either is taken to have lost letters: no name
//! holds a question mark. That covers "Wojciechowsk?" and "?lvarez" as well
//! as a Cyrillic name that arrives as "???????" and a one-character Chinese
//! name that arrives as "?"; a district that types "?" for a name it does
//! not know is covered too, and rightly: a placeholder should not overwrite
//! a name either. The rule is for people's names only: a title may well end
//! in a question mark ("Why Art?").

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The most characters of one part of a person's name (ASSUMPTION; see the module docs).
pub const NAME_LIMIT: usize = 64;
/// The most characters of a title or other descriptive text (ASSUMPTION).
pub const TITLE_LIMIT: usize = 128;
/// The most characters of a code or a unique field holding a SIS key (ASSUMPTION).
pub const CODE_LIMIT: usize = 64;

/// The kind of an LMS text field, which sets its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextKind {
    /// A part of a person's name.
    Name,
    /// A title, department or room.
    Title,
    /// A code or a unique field holding a SIS key.
    Code,
}

impl TextKind {
    /// The most characters a field of this kind holds.
    pub const fn limit(self) -> usize {
        match self {
            TextKind::Name => NAME_LIMIT,
            TextKind::Title => TITLE_LIMIT,
            TextKind::Code => CODE_LIMIT,
        }
    }
}

/// What [`fit`] changed that a reader would notice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fixes {
    /// Control characters were removed (or, for whitespace controls, made spaces).
    pub control_removed: bool,
    /// The value was cut; its length in characters before the cut.
    pub cut_from: Option<usize>,
}

impl Fixes {
    /// Whether anything was changed that a reader would notice.
    pub fn any(self) -> bool {
        self.control_removed || self.cut_from.is_some()
    }
}

/// A value as the LMS takes it, and what was changed to get there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fitted<'a> {
    /// The value to send: borrowed when only surrounding whitespace went.
    pub text: Cow<'a, str>,
    /// What was changed.
    pub fixes: Fixes,
}

/// Makes `text` fit an LMS field of `kind`: control characters removed,
/// whitespace trimmed and collapsed, cut to the limit. An empty result
/// means the value held nothing the LMS could show.
pub fn fit(text: &str, kind: TextKind) -> Fitted<'_> {
    let limit = kind.limit();
    if is_plain_ascii(text, limit) {
        return Fitted {
            text: Cow::Borrowed(text),
            fixes: Fixes::default(),
        };
    }
    let trimmed = text.trim();
    if is_fit(trimmed, limit) {
        return Fitted {
            text: Cow::Borrowed(trimmed),
            fixes: Fixes::default(),
        };
    }
    let mut fixes = Fixes::default();
    let mut out = String::with_capacity(trimmed.len());
    let mut space = false;
    for c in trimmed.chars() {
        if c.is_control() {
            fixes.control_removed = true;
            if c.is_whitespace() {
                space = true;
            }
        } else if c.is_whitespace() {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    let length = out.chars().count();
    if length > limit {
        fixes.cut_from = Some(length);
        let end = out
            .char_indices()
            .nth(limit)
            .map_or(out.len(), |(at, _)| at);
        out.truncate(end);
        out.truncate(out.trim_end().len());
    }
    Fitted {
        text: Cow::Owned(out),
        fixes,
    }
}

/// `base` and `suffix` joined by a space, with `base` cut so that the whole
/// fits `kind`: the suffix is what tells the value apart (a term and a year
/// after a school's name, a term key after a title two terms share), so it
/// is never the part cut off. Both are cleaned as [`fit`] cleans.
pub fn fit_with_suffix(base: &str, suffix: &str, kind: TextKind) -> Fitted<'static> {
    let (base, suffix) = (fit(base, kind), fit(suffix, kind));
    let length = |text: &str| text.chars().count();
    let base_length = base.fixes.cut_from.unwrap_or_else(|| length(&base.text));
    let whole = base_length + length(&suffix.text) + 1;
    let room = kind.limit().saturating_sub(length(&suffix.text) + 1);
    let end = base
        .text
        .char_indices()
        .nth(room)
        .map_or(base.text.len(), |(at, _)| at);
    let kept = base.text[..end].trim_end();
    let text = match (kept.is_empty(), suffix.text.is_empty()) {
        (true, _) => suffix.text.into_owned(),
        (false, true) => kept.to_owned(),
        (false, false) => format!("{kept} {}", suffix.text),
    };
    let cut = base.fixes.cut_from.is_some() || end < base.text.len();
    Fitted {
        text: Cow::Owned(text),
        fixes: Fixes {
            control_removed: base.fixes.control_removed || suffix.fixes.control_removed,
            cut_from: cut.then_some(whole),
        },
    }
}

/// Whether `text` is short ASCII that [`fit`] leaves as it is: printable
/// words with one space between them. One pass over the bytes decides it
/// for nearly every name and title a district has.
fn is_plain_ascii(text: &str, limit: usize) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() > limit || bytes.last() == Some(&b' ') {
        return false;
    }
    // Starting "after a space" refuses a leading space.
    let mut after_space = true;
    bytes.iter().all(|&byte| {
        let space = byte == b' ';
        let ok = byte.is_ascii_graphic() || (space && !after_space);
        after_space = space;
        ok
    })
}

/// Whether `text` (already trimmed) is what [`fit`] would make of it: one
/// space between words, no control character, within `limit` characters.
fn is_fit(text: &str, limit: usize) -> bool {
    let mut after_space = false;
    let plain = |c: char, after_space: &mut bool| {
        let space = c == ' ';
        let ok = (space && !*after_space) || !(c.is_whitespace() || c.is_control());
        *after_space = space;
        ok
    };
    if text.len() <= limit && text.is_ascii() {
        return text
            .bytes()
            .all(|byte| plain(char::from(byte), &mut after_space));
    }
    let mut count = 0;
    after_space = false;
    text.chars().all(|c| {
        count += 1;
        plain(c, &mut after_space)
    }) && count <= limit
}

/// Why the LMS would refuse a value as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Unfit {
    /// The value holds a control character.
    ControlCharacter,
    /// The value is longer than the field holds.
    TooLong {
        /// Its length in characters.
        length: usize,
        /// The most the field holds.
        limit: usize,
    },
}

impl fmt::Display for Unfit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unfit::ControlCharacter => f.write_str("it holds a control character"),
            Unfit::TooLong { length, limit } => write!(
                f,
                "it is {length} characters long and the LMS holds at most {limit}"
            ),
        }
    }
}

/// Why an LMS field of `kind` would refuse `text` as it is, if it would:
/// what the simulator checks, and what a SIS key must pass, since a key is
/// never changed on its way.
pub fn unfit(text: &str, kind: TextKind) -> Option<Unfit> {
    // One pass settles printable ASCII; anything else is looked at by character.
    let printable = text.bytes().all(|byte| (b' '..=b'~').contains(&byte));
    if !printable && text.chars().any(char::is_control) {
        return Some(Unfit::ControlCharacter);
    }
    let limit = kind.limit();
    // A character is at least one byte: short text needs no count.
    if text.len() <= limit {
        return None;
    }
    let length = text.chars().count();
    (length > limit).then_some(Unfit::TooLong { length, limit })
}

/// Whether nothing of `text` would be left once fitted: it holds only
/// whitespace and control characters. The same answer as
/// `fit(text, kind).text.is_empty()`, without building the value.
pub fn is_blank(text: &str) -> bool {
    !text.chars().any(|c| !(c.is_whitespace() || c.is_control()))
}

/// Whether a person's name looks like it lost letters on the way out of the
/// SIS: it holds a `?` or U+FFFD.
pub fn looks_lossy(name: &str) -> bool {
    // U+FFFD is EF BF BD in UTF-8, and 0xEF starts no other character a
    // name is likely to hold; the rare one that does is looked at again.
    name.bytes().any(|byte| byte == b'?' || byte == 0xEF)
        && name.contains(['?', char::REPLACEMENT_CHARACTER])
}

#[cfg(test)]
mod tests;

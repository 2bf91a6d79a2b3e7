//! Which texts a participant may write: only characters XML 1.0 allows
//! (tab, line breaks and everything from the space up, but U+FFFE and
//! U+FFFF; the others are control characters no wording needs, and one of
//! them would make a DOCX or Akoma Ntoso export invalid), and within a
//! length. Every write checks its texts here, naming what is wrong; the
//! sync gate applies the same limits.

use crate::Error;

/// The longest proposal text, in bytes of UTF-8.
pub const MAX_PROPOSAL_TEXT_BYTES: usize = 256 * 1024;
/// The longest short text (a reason, a comment, a label, a title, a name).
pub const MAX_SHORT_TEXT_BYTES: usize = 10 * 1024;

/// Whether `c` may appear in a participant's text.
pub fn allowed_in_text(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Refuses `text` if it is longer than `limit` bytes or holds a character
/// not allowed; `field` names it in the error.
pub(crate) fn check_within(field: &'static str, text: &str, limit: usize) -> Result<(), Error> {
    if text.len() > limit {
        return Err(Error::TooLong { field, length: text.len(), limit });
    }
    check(field, text)
}

/// Refuses `text` if it holds a character not allowed; `field` names it in the error.
pub(crate) fn check(field: &'static str, text: &str) -> Result<(), Error> {
    match text.chars().enumerate().find(|(_, c)| !allowed_in_text(*c)) {
        Some((index, c)) => Err(Error::ForbiddenCharacter { field, code: u32::from(c), position: index + 1 }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_with_their_position() {
        let error = check("reason", "ok\u{1}").expect_err("refused");
        assert_eq!(
            error.to_string(),
            "the reason holds a character that is not allowed in a text (U+0001 at character 3): remove it"
        );
        assert!(check("reason", "tab\tline\r\nnew é ✓ 𝄞").is_ok());
        assert!(check("reason", "\u{1b}[31m").is_err());
        assert!(check("reason", "\u{FFFF}").is_err());
    }
}

//! Which characters a participant's text may hold: every character XML 1.0
//! allows (tab, line breaks and everything from the space up, but U+FFFE
//! and U+FFFF). The others are control characters no wording needs, and
//! one of them would make a DOCX or Akoma Ntoso export invalid, so every
//! write refuses them, naming the character and where it is.

use crate::Error;

/// Whether `c` may appear in a participant's text.
pub fn allowed_in_text(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
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

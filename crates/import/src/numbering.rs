//! The labels of numbered and bulleted paragraphs, as Word shows them: each
//! list (`w:num`) counts its paragraphs per level from the level's start, a
//! paragraph at one level starts the deeper levels afresh, and the level's
//! text (`%1.`, `(%2)`, `%1.%2`) is filled with the counts in each level's
//! format (decimal, letters, roman numerals); a bulleted level gives "•".
//! Overrides of a level's start (`w:lvlOverride`) are not read.

use std::collections::HashMap;

use docx_rs::{Level, Numberings};

/// The counts so far of every list of a document.
pub(crate) struct Numbers<'d> {
    numberings: &'d Numberings,
    counts: HashMap<usize, [usize; 9]>,
}

impl<'d> Numbers<'d> {
    pub fn new(numberings: &'d Numberings) -> Numbers<'d> {
        Numbers { numberings, counts: HashMap::new() }
    }

    /// The label of the next paragraph of list `id` at `level` (`None`: the
    /// list is not defined, or its level shows nothing).
    pub fn label(&mut self, id: usize, level: usize) -> Option<String> {
        let levels = self.levels(id)?;
        let this = levels.get(level)?;
        let counts = self.counts.entry(id).or_insert([0; 9]);
        if level >= counts.len() {
            return None;
        }
        counts[level] = if counts[level] == 0 { start(this) } else { counts[level] + 1 };
        counts[level + 1..].iter_mut().for_each(|count| *count = 0);
        let counts = *counts;
        match this.format.val.as_str() {
            "bullet" => Some("•".to_string()),
            "none" => None,
            _ => {
                let mut label = text(this);
                for (n, level) in levels.iter().enumerate().take(level + 1).rev() {
                    let count = if counts[n] == 0 { start(level) } else { counts[n] };
                    label = label.replace(&format!("%{}", n + 1), &formatted(count, &level.format.val));
                }
                (!label.trim().is_empty()).then_some(label)
            }
        }
    }

    /// The levels of list `id`, by level.
    fn levels(&self, id: usize) -> Option<Vec<&'d Level>> {
        let numbering = self.numberings.numberings.iter().find(|numbering| numbering.id == id)?;
        let abstract_num = self.numberings.abstract_nums.iter().find(|a| a.id == numbering.abstract_num_id)?;
        let mut levels: Vec<&Level> = abstract_num.levels.iter().collect();
        levels.sort_by_key(|level| level.level);
        Some(levels)
    }
}

/// A level's first number (docx-rs keeps it private; its JSON form is the number).
fn start(level: &Level) -> usize {
    serde_json::to_value(&level.start).ok().and_then(|start| start.as_u64()).map_or(1, |start| start as usize)
}

/// A level's text, like `%1.` (private in docx-rs too).
fn text(level: &Level) -> String {
    serde_json::to_value(&level.text).ok().and_then(|text| text.as_str().map(str::to_string)).unwrap_or_default()
}

/// `count` in a level's number format.
fn formatted(count: usize, format: &str) -> String {
    match format {
        "lowerLetter" => letters(count).to_lowercase(),
        "upperLetter" => letters(count),
        "lowerRoman" => roman(count).to_lowercase(),
        "upperRoman" => roman(count),
        _ => count.to_string(),
    }
}

/// A, B, … Z, AA, BB, … as Word counts in letters.
fn letters(count: usize) -> String {
    let count = count.max(1);
    let letter = char::from(b'A' + ((count - 1) % 26) as u8);
    letter.to_string().repeat((count - 1) / 26 + 1)
}

fn roman(mut count: usize) -> String {
    const NUMERALS: [(usize, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (value, numeral) in NUMERALS {
        while count >= value {
            out.push_str(numeral);
            count -= value;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_and_roman_numerals_count_as_word_does() {
        let letters: Vec<String> = [1, 2, 26, 27, 28].into_iter().map(letters).collect();
        assert_eq!(letters, ["A", "B", "Z", "AA", "BB"]);
        let romans: Vec<String> = [1, 4, 9, 14, 40, 90, 400, 1994].into_iter().map(roman).collect();
        assert_eq!(romans, ["I", "IV", "IX", "XIV", "XL", "XC", "CD", "MCMXCIV"]);
    }
}

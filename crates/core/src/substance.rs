//! Substantive or editorial: what kind of change a hunk of a redline is, so
//! a chair can tell the differences that change what a text commits anyone
//! to from those a secretariat may settle alone. The rules are one table,
//! [`RULES`], in words a secretariat can read and check; README.md lists it.
//!
//! A hunk (a run of deleted and inserted words between shared ones) is
//! *editorial* when the two sides differ only in punctuation, capitals,
//! spacing, articles (a, an, the) or spelling variants (organisation and
//! organization, programme and program); otherwise it is *substantive*, and
//! its `why` names the first rule its changed words touch (a modal verb, a
//! negation, an obligation or qualifier, a number, date or amount, a named
//! body), or "changes the wording".

use serde::Serialize;

use crate::redline::{Segment, SegmentKind};

/// The kind of a change.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// Changes no commitment: the chair may settle it.
    Editorial,
    /// Changes what the text says.
    Substantive,
}

/// One hunk of a redline: what it deletes and inserts, its kind and why.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Hunk {
    /// The deleted text ("" for a pure insertion).
    pub deleted: String,
    /// The inserted text ("" for a pure deletion).
    pub inserted: String,
    /// Editorial or substantive.
    pub kind: ChangeKind,
    /// The rule that decided it, in words.
    pub why: String,
}

/// A substantive rule: the words that make a change substantive, and why.
pub struct Rule {
    /// What the rule is about, as the secretariat reads it.
    pub why: &'static str,
    /// Words or phrases (lower case); a changed word equal to one, or a changed
    /// passage holding a phrase, makes the change substantive.
    pub words: &'static [&'static str],
}

/// The substantive rules, in the order they are tried.
pub const RULES: &[Rule] = &[
    Rule {
        why: "changes a modal verb",
        words: &["shall", "should", "may", "will", "must", "can", "could", "would", "might"],
    },
    Rule {
        why: "adds or removes a negation",
        words: &["not", "no", "never", "none", "nor", "neither", "without", "cannot"],
    },
    Rule {
        why: "changes an obligation or qualifier",
        words: &[
            "upon request",
            "on request",
            "at the request",
            "within existing resources",
            "existing resources",
            "as appropriate",
            "where appropriate",
            "subject to",
            "in accordance with",
            "to the extent possible",
            "voluntary",
            "mandatory",
            "required",
            "requires",
            "encourage",
            "encourages",
            "urge",
            "urges",
            "request",
            "requests",
            "decide",
            "decides",
            "ensure",
            "ensures",
            "only",
            "all",
            "any",
            "each",
        ],
    },
    Rule {
        why: "changes a number, date or amount",
        words: &[
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "twenty",
            "thirty",
            "hundred",
            "thousand",
            "million",
            "billion",
            "percent",
            "per cent",
            "annual",
            "annually",
            "biennial",
            "january",
            "february",
            "march",
            "april",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
            "days",
            "weeks",
            "months",
            "years",
            "usd",
            "$",
            "€",
        ],
    },
];

/// The editorial variants: words spelt two ways that mean the same (lower case).
pub const SPELLINGS: &[(&str, &str)] = &[
    ("programme", "program"),
    ("centre", "center"),
    ("labour", "labor"),
    ("favour", "favor"),
    ("behaviour", "behavior"),
    ("defence", "defense"),
    ("licence", "license"),
    ("analyse", "analyze"),
    ("catalogue", "catalog"),
    ("dialogue", "dialog"),
    ("fulfil", "fulfill"),
    ("judgement", "judgment"),
];

/// Articles: adding or removing one is editorial.
const ARTICLES: &[&str] = &["a", "an", "the"];

/// The hunks of a redline's segments, in order, each classified.
pub fn hunks(segments: &[Segment]) -> Vec<Hunk> {
    let mut hunks = Vec::new();
    let (mut deleted, mut inserted) = (String::new(), String::new());
    for segment in segments {
        match segment.kind {
            SegmentKind::Delete => deleted.push_str(&segment.text),
            SegmentKind::Insert => inserted.push_str(&segment.text),
            SegmentKind::Equal => flush(&mut hunks, &mut deleted, &mut inserted),
        }
    }
    flush(&mut hunks, &mut deleted, &mut inserted);
    hunks
}

fn flush(hunks: &mut Vec<Hunk>, deleted: &mut String, inserted: &mut String) {
    if deleted.is_empty() && inserted.is_empty() {
        return;
    }
    let (kind, why) = classify(deleted, inserted);
    hunks.push(Hunk { deleted: std::mem::take(deleted), inserted: std::mem::take(inserted), kind, why });
}

/// The kind of changing `deleted` into `inserted`, and why.
pub fn classify(deleted: &str, inserted: &str) -> (ChangeKind, String) {
    let (old, new) = (normal_words(deleted), normal_words(inserted));
    if old == new {
        return (ChangeKind::Editorial, editorial_why(deleted, inserted));
    }
    let changed: Vec<&String> =
        old.iter().filter(|w| !new.contains(w)).chain(new.iter().filter(|w| !old.contains(w))).collect();
    let (old_text, new_text) = (old.join(" "), new.join(" "));
    for rule in RULES {
        let touches = rule.words.iter().any(|word| match word.contains(' ') {
            true => old_text.contains(word) != new_text.contains(word),
            false => changed.iter().any(|changed| changed.as_str() == *word),
        });
        if touches {
            return (ChangeKind::Substantive, rule.why.to_string());
        }
    }
    if changed.iter().any(|word| word.chars().any(|c| c.is_ascii_digit())) {
        return (ChangeKind::Substantive, "changes a number, date or amount".to_string());
    }
    let bodies = |text: &str| named_bodies(text);
    if bodies(deleted) != bodies(inserted) {
        return (ChangeKind::Substantive, "names a different body".to_string());
    }
    (ChangeKind::Substantive, "changes the wording".to_string())
}

/// The words of a text as an editorial comparison sees them: lower case, without
/// punctuation or articles, each spelling variant in one form.
fn normal_words(text: &str) -> Vec<String> {
    text.split(|c: char| {
        c.is_whitespace() || (c.is_ascii_punctuation() && !matches!(c, '$' | '%')) || "‘’“”–—".contains(c)
    })
    .filter(|w| !w.is_empty())
    .map(|w| spelling(&w.to_lowercase()))
    .filter(|w| !ARTICLES.contains(&w.as_str()))
    .collect()
}

/// One spelling of a word: British -ise/-isation as -ize/-ization, and [`SPELLINGS`].
fn spelling(word: &str) -> String {
    for (british, american) in SPELLINGS {
        // Each pair to its shorter form, from the longer (one may begin the other: fulfil, fulfill).
        let (long, short) = if british.len() >= american.len() { (british, american) } else { (american, british) };
        if let Some(rest) = word.strip_prefix(long) {
            return format!("{short}{rest}");
        }
    }
    for (from, to) in [("isation", "ization"), ("ise", "ize"), ("ised", "ized"), ("ises", "izes"), ("ising", "izing")] {
        if let Some(stem) = word.strip_suffix(from)
            && stem.len() >= 3
        {
            return format!("{stem}{to}");
        }
    }
    word.to_string()
}

/// Which editorial difference it is, for its `why`.
fn editorial_why(deleted: &str, inserted: &str) -> String {
    let squeeze = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    let why = if squeeze(deleted) == squeeze(inserted) {
        "whitespace only"
    } else if deleted.to_lowercase() == inserted.to_lowercase() {
        "capitalisation only"
    } else if strip_punctuation(deleted) == strip_punctuation(inserted) {
        "punctuation only"
    } else if without_articles(deleted) == without_articles(inserted) {
        "an article only"
    } else {
        "a spelling variant only"
    };
    format!("editorial: {why}")
}

fn strip_punctuation(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_ascii_punctuation() && !"‘’“”–—".contains(*c))
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The words of a text in lower case, without punctuation or articles.
fn without_articles(text: &str) -> Vec<String> {
    let plain = strip_punctuation(&text.to_lowercase());
    plain.split_whitespace().filter(|w| !ARTICLES.contains(w)).map(str::to_string).collect()
}

/// Named bodies in a passage: acronyms (two capitals or more: ITU, UNESCO) and
/// capitalised words but an article or a sentence's first word (Member States,
/// General Assembly, Committee on Management). A passage is a hunk, so its
/// first word is taken as inside a sentence.
fn named_bodies(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut sentence_start = false;
    for word in text.split_whitespace() {
        let bare: String = word.chars().filter(|c| c.is_alphanumeric() || *c == '-').collect();
        let capitals = bare.chars().filter(char::is_ascii_uppercase).count();
        let capitalised = bare.chars().next().is_some_and(|c| c.is_uppercase());
        let article = ARTICLES.contains(&bare.to_lowercase().as_str());
        if capitals >= 2 || (capitalised && !sentence_start && !article) {
            found.push(bare.clone());
        }
        sentence_start = word.ends_with(['.', '!', '?', ':']);
    }
    found
}

/// How far a section's other live proposals are from its leading one (the
/// one most members accept; the earliest of those tied), hunk by hunk: when
/// only editorial hunks remain, the chair may settle the wording.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct AgainstLeading {
    /// The leading proposal's label.
    pub leading: String,
    /// Every other live proposal, with its hunks against the leading one counted by kind.
    pub others: Vec<Apart>,
    /// Whether every hunk between the leading proposal and the others is editorial.
    pub editorial_only: bool,
}

/// One proposal's differences from the leading one.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Apart {
    /// Its label.
    pub label: String,
    /// Its substantive hunks.
    pub substantive: usize,
    /// Its editorial hunks.
    pub editorial: usize,
}

/// The section's live proposals against the leading one (`None` with fewer than two).
pub fn against_leading(section: &crate::view::SectionView) -> Option<AgainstLeading> {
    let live: Vec<&crate::view::ProposalView> = section.live_proposals().collect();
    let most = live.iter().map(|p| p.tally.accepting).max()?;
    let leading = live.iter().find(|p| p.tally.accepting == most)?;
    let others: Vec<Apart> = live
        .iter()
        .filter(|p| p.id != leading.id)
        .map(|p| {
            let found = hunks(&crate::redline::redline(&leading.text, &p.text).segments);
            let editorial = found.iter().filter(|h| h.kind == ChangeKind::Editorial).count();
            Apart { label: p.label.clone(), substantive: found.len() - editorial, editorial }
        })
        .collect();
    if others.is_empty() {
        return None;
    }
    let editorial_only = others.iter().all(|p| p.substantive == 0);
    Some(AgainstLeading { leading: leading.label.clone(), others, editorial_only })
}

/// The kind of a compromise's bracket, and why: substantive when any two of its
/// wordings differ in substance (the first such reason), else editorial.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct BracketKind {
    /// Editorial or substantive.
    pub kind: ChangeKind,
    /// Why.
    pub why: String,
}

/// The kind of each bracket of `compromise`, in order.
pub fn bracket_kinds(compromise: &crate::compromise::Compromise) -> Vec<BracketKind> {
    use crate::compromise::CompromisePart;
    let mut kinds = Vec::new();
    for part in &compromise.parts {
        let CompromisePart::Alternatives { alternatives } = part else { continue };
        let mut found =
            BracketKind { kind: ChangeKind::Editorial, why: "editorial: the wordings differ in form only".into() };
        'pairs: for (i, a) in alternatives.iter().enumerate() {
            for b in &alternatives[i + 1..] {
                let (kind, why) = classify(&a.text, &b.text);
                if kind == ChangeKind::Substantive {
                    found = BracketKind { kind, why };
                    break 'pairs;
                }
            }
        }
        kinds.push(found);
    }
    kinds
}

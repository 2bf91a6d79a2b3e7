//! A Markdown draft: each `#` heading starts a section; the blocks below it
//! (paragraphs, list items with their numbers or a bullet, lower headings,
//! quotes, code) are its paragraphs, as plain text: the base text is the
//! wording, not its mark-up.

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

use crate::{Draft, sections};

/// One block being read: a heading of level 1 or a paragraph of the body.
struct Block {
    heading: bool,
    text: String,
    /// Whether it holds more than a list item's label (a loose item's paragraph joins it).
    has_text: bool,
}

impl Block {
    fn new(heading: bool, label: String) -> Block {
        Block { heading, text: label, has_text: false }
    }
}

pub(crate) fn read(markdown: &str) -> Draft {
    let mut blocks = Vec::new();
    let mut current: Option<Block> = None;
    // The next number of each open list (`None`: a bulleted one).
    let mut lists: Vec<Option<u64>> = Vec::new();
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                flush(&mut current, &mut blocks);
                current = Some(Block::new(level == HeadingLevel::H1, String::new()));
            }
            Event::Start(Tag::Paragraph | Tag::CodeBlock(_) | Tag::BlockQuote(_)) => {
                if current.as_ref().is_some_and(|block| block.has_text) {
                    flush(&mut current, &mut blocks);
                }
                current.get_or_insert_with(|| Block::new(false, String::new()));
            }
            Event::Start(Tag::List(start)) => {
                flush(&mut current, &mut blocks);
                lists.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                flush(&mut current, &mut blocks);
                lists.pop();
            }
            Event::Start(Tag::Item) => {
                flush(&mut current, &mut blocks);
                let label = match lists.last_mut() {
                    Some(Some(next)) => {
                        *next += 1;
                        format!("{}. ", *next - 1)
                    }
                    _ => "• ".to_string(),
                };
                current = Some(Block::new(false, label));
            }
            Event::End(TagEnd::Heading(_) | TagEnd::Paragraph | TagEnd::Item | TagEnd::CodeBlock) => {
                flush(&mut current, &mut blocks)
            }
            Event::Text(text) | Event::Code(text) => {
                let block = current.get_or_insert_with(|| Block::new(false, String::new()));
                block.text.push_str(&text);
                block.has_text = true;
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(block) = current.as_mut() {
                    block.text.push(' ');
                }
            }
            _ => {}
        }
    }
    flush(&mut current, &mut blocks);
    sections(blocks)
}

/// Ends the block being read, if it has text.
fn flush(current: &mut Option<Block>, blocks: &mut Vec<(Option<String>, String)>) {
    let Some(block) = current.take() else { return };
    if !block.has_text {
        return;
    }
    match block.heading {
        true => blocks.push((Some(block.text), String::new())),
        false => blocks.push((None, block.text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DraftSection;

    fn section(title: &str, text: &str) -> DraftSection {
        DraftSection { title: title.into(), text: text.into() }
    }

    #[test]
    fn each_top_heading_is_a_section_with_its_paragraphs_lists_and_lower_headings() {
        let markdown = "A title block\n\n# Topic 1 - *Security*\n\nFirst paragraph,\nwrapped.\n\n\
            1. numbered one\n2. numbered `two`\n\n## Sub-heading\n\n- bullet\n\n  with a loose paragraph\n\n\
            # Topic 2\n\n3. starts at three\n\n> quoted\n";
        let draft = read(markdown);
        assert_eq!(draft.before_first_heading, 1);
        assert_eq!(
            draft.sections,
            vec![
                section(
                    "Topic 1 - Security",
                    "First paragraph, wrapped.\n1. numbered one\n2. numbered two\nSub-heading\n• bullet\nwith a loose paragraph"
                ),
                section("Topic 2", "3. starts at three\nquoted"),
            ]
        );
    }
}

//! Word wrapping to the paper width, counted in printed characters.
//!
//! Thermal printers break lines wherever the buffer is full, in the middle of words. Receipts are
//! therefore wrapped here, before encoding, at the column count of the paper (and half of it for
//! double-size text). A character is one column whatever its UTF-8 length, which holds for the
//! single-byte code pages used; "œ" spelled "oe" in PC858 takes two, so wrapping is done on the
//! text as the page will print it ([`printed_width`]).

use super::codepage::CodePage;

/// Columns `text` takes once encoded in `page`.
pub fn printed_width(text: &str, page: CodePage) -> usize {
    let mut buf = Vec::with_capacity(8);
    text.chars()
        .map(|c| {
            buf.clear();
            page.encode_char(c, &mut buf);
            buf.len()
        })
        .sum()
}

/// Splits `text` into lines of at most `width` columns, breaking at spaces; a word longer than
/// a line is cut. Existing line breaks are kept; `indent` columns of spaces start every line
/// after the first of each paragraph (a hanging indent for numbered steps).
pub fn wrap(text: &str, width: usize, indent: usize, page: CodePage) -> Vec<String> {
    let width = width.max(indent + 1);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let before = lines.len();
        let mut line = String::new();
        // Columns used on the current line, and how many of them are the indent.
        let (mut used, mut start) = (0, 0);
        for word in paragraph.split_whitespace() {
            let mut word = word.to_string();
            loop {
                let w = printed_width(&word, page);
                let gap = usize::from(used > start);
                if used + gap + w <= width {
                    if gap == 1 {
                        line.push(' ');
                    }
                    line.push_str(&word);
                    used += gap + w;
                    break;
                }
                if used == start {
                    // The word alone is wider than a line: cut it where the line is full.
                    let mut head = String::new();
                    let mut rest = word.chars();
                    for c in rest.by_ref() {
                        head.push(c);
                        used += printed_width(&c.to_string(), page);
                        if used >= width {
                            break;
                        }
                    }
                    line.push_str(&head);
                    word = rest.collect();
                }
                lines.push(std::mem::replace(&mut line, " ".repeat(indent)));
                (used, start) = (indent, indent);
                if word.is_empty() {
                    break;
                }
            }
        }
        if used > start || lines.len() == before {
            lines.push(line);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_within_the_width() {
        let lines = wrap("Présentez-vous à l'accueil avec votre pièce d'identité", 20, 0, CodePage::WPC1252);
        assert_eq!(lines, ["Présentez-vous à", "l'accueil avec votre", "pièce d'identité"]);
    }

    #[test]
    fn hanging_indent_and_long_words() {
        let lines = wrap("1. abcdefghijklmnop qr", 8, 3, CodePage::WPC1252);
        assert_eq!(lines, ["1.", "   abcde", "   fghij", "   klmno", "   p qr"]);
        for l in &lines {
            assert!(l.chars().count() <= 8);
        }
    }

    #[test]
    fn oe_counts_two_columns_in_pc858() {
        assert_eq!(printed_width("cœur", CodePage::PC858), 5);
        assert_eq!(printed_width("cœur", CodePage::WPC1252), 4);
        assert_eq!(wrap("cœur cœur", 9, 0, CodePage::PC858), ["cœur", "cœur"]);
    }

    #[test]
    fn blank_lines_between_paragraphs_are_kept() {
        assert_eq!(wrap("a\n\nb", 10, 0, CodePage::PC858), ["a", "", "b"]);
    }
}

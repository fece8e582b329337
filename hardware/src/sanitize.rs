//! Text from visitors is stripped of control characters before it reaches a printer.
//!
//! ESC/POS commands start with control bytes (ESC, GS, DLE, FS...). Anything a visitor types on the
//! kiosk (a question, an incident description) ends up on a receipt, so every control character
//! except the line break is removed first: nothing typed can open the cash drawer, change the code
//! page or cut the paper. Tabs become spaces, other line separators become line breaks.

/// Returns `text` without control characters, keeping `\n` as the only line break.
pub fn printable_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\n' | '\u{2028}' | '\u{2029}' | '\u{85}' => out.push('\n'),
            '\t' => out.push(' '),
            c if c.is_control() => {}
            // Bidirectional overrides and zero-width characters hide or reorder text.
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::printable_text;

    #[test]
    fn escpos_commands_typed_by_a_visitor_are_removed() {
        // ESC @ (init), GS V (cut), DLE DC4 (drawer kick), ESC t (code page).
        let typed = "Lampe\x1b@ cassée\x1dV\x00 rue\x10\x14\x01\x00\x05 Pasteur\x1bt\x13";
        // The printable bytes of the commands stay as harmless letters; no command byte survives.
        assert_eq!(printable_text(typed), "Lampe@ casséeV rue Pasteurt");
        assert!(printable_text(typed).bytes().all(|b| b >= 0x20));
    }

    #[test]
    fn accents_and_line_breaks_survive() {
        assert_eq!(printable_text("Élève\r\nœuvre «€»\rfin\tok"), "Élève\nœuvre «€»\nfin ok");
    }

    #[test]
    fn c1_controls_and_invisible_characters_are_removed() {
        assert_eq!(printable_text("a\u{9b}b\u{202e}c\u{200b}d\u{feff}"), "abcd");
    }
}

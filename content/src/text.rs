//! French-friendly ordering of text in lists: "État civil" sorts with the E's, not after "Vie
//! quotidienne" as a byte-wise comparison would put it.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// A key that sorts French text the way readers expect: case and accents ignored first, the
/// original text as a tie-breaker so that the order is total and stable.
pub fn sort_key(text: &str) -> (String, String) {
    let folded = text.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect();
    (folded, text.to_string())
}

#[cfg(test)]
mod tests {
    use super::sort_key;

    #[test]
    fn accents_and_case_do_not_push_words_to_the_end() {
        let mut themes = vec!["Vie quotidienne", "État civil", "enfance", "Papiers"];
        themes.sort_by_key(|t| sort_key(t));
        assert_eq!(themes, vec!["enfance", "État civil", "Papiers", "Vie quotidienne"]);
    }
}

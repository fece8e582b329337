//! Typo tolerance: edit distance between words, and the distance allowed for a word's length.
//!
//! The distance is the optimal string alignment distance (Levenshtein plus swaps of two adjacent
//! letters, the most common typing slip: `pasosrt`). Allowed edits grow with the word: none up to
//! 4 letters (short words are too easily confused: `cas`/`car`), 1 for 5 to 8 letters, 2 beyond.

/// Edits allowed for a word of `len` characters.
pub fn allowed_edits(len: usize) -> usize {
    match len {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// Optimal string alignment distance between `a` and `b`, or `None` as soon as it must exceed
/// `max` (cheap rejection: most vocabulary words are far from a query word).
pub fn distance_within(a: &str, b: &str, max: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let width = b.len() + 1;
    let mut prev2 = vec![0usize; width];
    let mut prev: Vec<usize> = (0..width).collect();
    let mut cur = vec![0usize; width];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= max).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance_within("passeport", "passport", 2), Some(1));
        assert_eq!(distance_within("naisance", "naissance", 1), Some(1));
        assert_eq!(distance_within("pasesport", "passeport", 1), Some(1));
        assert_eq!(distance_within("mairie", "piscine", 2), None);
        assert_eq!(allowed_edits(4), 0);
        assert_eq!(allowed_edits(8), 1);
        assert_eq!(allowed_edits(9), 2);
    }
}

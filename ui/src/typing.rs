//! Which text field the on-screen keyboard types into. `Api.focused-field` (computed in
//! `ui/ui/api.slint` from the screen and step shown) names it; this module maps that name to the
//! `Api` property holding the text and to its length limit. The question of the ask screen keeps
//! its own path in `kiosk.rs` (suggestions while typing).

use slint::SharedString;

use crate::generated::Api;
use crate::{opinion, report};

/// A text field the keyboard can type into, other than the question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// "Où est le problème ?"
    ReportPlace,
    /// "Que se passe-t-il ?"
    ReportWhat,
    /// The optional phone or e-mail of a report.
    ReportContact,
    /// The optional comment of an opinion.
    OpinionComment,
}

impl Field {
    /// The field named `name` in `Api.focused-field` (`None` for the question or no field).
    pub fn from_name(name: &str) -> Option<Field> {
        match name {
            "report-place" => Some(Field::ReportPlace),
            "report-what" => Some(Field::ReportWhat),
            "report-contact" => Some(Field::ReportContact),
            "opinion-comment" => Some(Field::OpinionComment),
            _ => None,
        }
    }

    /// Most characters the field takes.
    pub fn max_chars(self) -> usize {
        match self {
            Field::ReportPlace => report::MAX_PLACE_CHARS,
            Field::ReportWhat => report::MAX_DESCRIPTION_CHARS,
            Field::ReportContact => report::MAX_CONTACT_CHARS,
            Field::OpinionComment => opinion::MAX_COMMENT_CHARS,
        }
    }

    fn get(self, api: &Api<'_>) -> SharedString {
        match self {
            Field::ReportPlace => api.get_report_place(),
            Field::ReportWhat => api.get_report_what(),
            Field::ReportContact => api.get_report_contact(),
            Field::OpinionComment => api.get_opinion_comment(),
        }
    }

    fn set(self, api: &Api<'_>, text: &str) {
        let text = SharedString::from(text);
        match self {
            Field::ReportPlace => api.set_report_place(text),
            Field::ReportWhat => api.set_report_what(text),
            Field::ReportContact => api.set_report_contact(text),
            Field::OpinionComment => api.set_opinion_comment(text),
        }
    }

    /// Types `key` at the end of the field (nothing once it is full).
    pub(crate) fn type_key(self, api: &Api<'_>, key: &str) {
        let mut text = self.get(api).to_string();
        if text.chars().count() + key.chars().count() <= self.max_chars() {
            text.push_str(key);
            self.set(api, &text);
        }
    }

    /// Erases the last character of the field.
    pub(crate) fn backspace(self, api: &Api<'_>) {
        let mut text = self.get(api).to_string();
        text.pop();
        self.set(api, &text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_name_is_known_and_the_question_is_not_one_of_them() {
        for name in ["report-place", "report-what", "report-contact", "opinion-comment"] {
            assert!(Field::from_name(name).is_some(), "{name}");
        }
        assert_eq!(Field::from_name("question"), None);
        assert_eq!(Field::from_name(""), None);
    }
}

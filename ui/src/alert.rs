//! The admin's alert banner as the screen shows it: its words and how serious it is. Remote
//! commands (MQTT `alert`) parse their level with [`AlertLevel::parse`]; the banner says the level in
//! words as well as in colour.

/// How serious an alert is; it sets the banner's colour and first word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AlertLevel {
    /// General information (blue): "Information : …".
    #[default]
    Info,
    /// Something visitors should know before going (brown): "Attention : …".
    Warning,
    /// Act now (red): "Urgent : …".
    Urgent,
}

impl AlertLevel {
    /// Reads a level as admins write it: `info`, `warning` or `urgent` (also `critical`, `alert`).
    pub fn parse(text: &str) -> Option<AlertLevel> {
        match text.trim().to_ascii_lowercase().as_str() {
            "info" | "information" => Some(AlertLevel::Info),
            "warning" | "warn" | "attention" => Some(AlertLevel::Warning),
            "urgent" | "critical" | "alert" => Some(AlertLevel::Urgent),
            _ => None,
        }
    }

    /// The level's name in commands and telemetry.
    pub fn name(self) -> &'static str {
        match self {
            AlertLevel::Info => "info",
            AlertLevel::Warning => "warning",
            AlertLevel::Urgent => "urgent",
        }
    }

    /// The number the `Api.alert-level` property holds.
    pub(crate) fn index(self) -> i32 {
        match self {
            AlertLevel::Info => 0,
            AlertLevel::Warning => 1,
            AlertLevel::Urgent => 2,
        }
    }
}

/// An alert shown over every screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// The words shown.
    pub text: String,
    /// How serious it is.
    pub level: AlertLevel,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_read_as_admins_write_them() {
        assert_eq!(AlertLevel::parse("Warning"), Some(AlertLevel::Warning));
        assert_eq!(AlertLevel::parse(" critical "), Some(AlertLevel::Urgent));
        assert_eq!(AlertLevel::parse("info"), Some(AlertLevel::Info));
        assert_eq!(AlertLevel::parse("loud"), None);
        for level in [AlertLevel::Info, AlertLevel::Warning, AlertLevel::Urgent] {
            assert_eq!(AlertLevel::parse(level.name()), Some(level));
        }
    }
}

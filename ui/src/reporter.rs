//! What the touchscreen reports about its visitors, for telemetry: ended sessions, "was this
//! helpful?" votes, incident reports and opinions. The UI crate knows nothing of MQTT: the kiosk
//! program implements [`UiReporter`] over its telemetry (and tests record the calls).

use std::time::Duration;

use crate::opinion::Opinion;
use crate::report::Incident;

/// Receives what happened at the touchscreen. Called on the UI thread (sessions, votes, opinions)
/// or on a short-lived thread (incidents): implementations must return quickly and never block on
/// the network.
pub trait UiReporter: Send + Sync {
    /// A visitor session ended (inactivity, or back to the welcome screen) after `length`.
    fn session_ended(&self, length: Duration);
    /// "Did this answer help?" answered on the card of FAQ entry `faq_id`. The vote is already
    /// counted in the feedback log's usage counters: only report it as an event.
    fn voted(&self, faq_id: Option<&str>, helpful: bool);
    /// An incident was confirmed by the visitor. Holds the visitor's raw text and contact: the
    /// implementation masks what leaves the kiosk and never logs it.
    fn incident(&self, incident: &Incident);
    /// The visitor gave an opinion of the kiosk (raw comment: mask before it leaves the kiosk).
    fn opinion(&self, opinion: &Opinion);
}

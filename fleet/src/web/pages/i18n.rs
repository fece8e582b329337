//! The dashboard speaks French (the default, `[web] lang`) and English. Every word a page shows
//! comes from [`TEXTS`], one row per key with both languages, so that a missing translation is
//! caught by a unit test rather than by a visitor. The language is chosen by `?lang=en` (which
//! [`remember`] keeps in a `lang` cookie), else that cookie, else the browser's
//! `Accept-Language`, else the configuration.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::OnceLock;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use chrono::{DateTime, Local, Utc};

use crate::web::AppState;

/// The name of the cookie that keeps the chosen language.
pub const LANG_COOKIE: &str = "lang";

/// A language of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// French (the default).
    Fr,
    /// English.
    En,
}

impl Lang {
    /// Both languages, in the order the switch shows them.
    pub const ALL: [Lang; 2] = [Lang::Fr, Lang::En];

    /// The ISO 639-1 code (`fr`, `en`), as in `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// The language's own name, for the switch.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Fr => "Français",
            Lang::En => "English",
        }
    }

    /// Reads a code or a language tag (`en`, `en-GB`, `FR`); `None` for other languages.
    pub fn parse(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        match primary.as_str() {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The text of `key` in this language (the key itself when the table lacks it, which the
    /// tests forbid).
    pub fn t(self, key: &str) -> &str {
        match table().get(key) {
            Some((fr, en)) => match self {
                Lang::Fr => fr,
                Lang::En => en,
            },
            None => key,
        }
    }

    /// The text of `key` with `{}` replaced by `value`.
    pub fn f(self, key: &str, value: impl std::fmt::Display) -> String {
        self.t(key).replacen("{}", &value.to_string(), 1)
    }

    /// A state code a kiosk reports (`printer`, `paper`, `reader`, `level`, `rule`, `category`,
    /// `status`…) in words; an unknown code is shown as sent, an empty one as a dash.
    pub fn code_label(self, group: &str, value: &str) -> String {
        if value.is_empty() {
            return "—".to_string();
        }
        let key = format!("{group}.{value}");
        match table().get(key.as_str()) {
            Some(_) => self.t(&key).to_string(),
            None => value.to_string(),
        }
    }

    /// A length of time, short: `45 s`, `12 min`, `3 h 05`, `2 j 4 h` / `2 d 4 h`.
    pub fn duration(self, secs: i64) -> String {
        let secs = secs.max(0);
        let day = self.t("unit.day");
        match secs {
            0..60 => format!("{secs} s"),
            60..3600 => format!("{} min", secs / 60),
            3600..86_400 => format!("{} h {:02}", secs / 3600, secs % 3600 / 60),
            _ => format!("{} {day} {} h", secs / 86_400, secs % 86_400 / 3600),
        }
    }

    /// How long ago `at` was: "il y a 5 min" / "5 min ago".
    pub fn ago(self, at: DateTime<Utc>, now: DateTime<Utc>) -> String {
        self.f("time.ago", self.duration((now - at).num_seconds()))
    }

    /// A date and time in the server's time zone, e.g. `2026-11-29 14:05`.
    pub fn datetime(self, at: DateTime<Utc>) -> String {
        at.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
    }

    /// A ratio as a percentage (`87 %` in French, `87%` in English); a dash when unknown.
    pub fn percent(self, ratio: Option<f64>) -> String {
        match (ratio, self) {
            (None, _) => "—".to_string(),
            (Some(r), Lang::Fr) => format!("{:.0}\u{a0}%", r * 100.0),
            (Some(r), Lang::En) => format!("{:.0}%", r * 100.0),
        }
    }

    /// "Oui" / "Yes" or "Non" / "No".
    pub fn yes_no(self, value: bool) -> &'static str {
        if value { self.t("common.yes") } else { self.t("common.no") }
    }

    /// The language of a request: `?lang=`, the `lang` cookie, `Accept-Language`, then `default`.
    pub fn of_request(parts: &Parts, default: Lang) -> Lang {
        if let Some(lang) = query_lang(parts) {
            return lang;
        }
        let cookie = parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().split_once('='))
            .find_map(|(k, v)| (k == LANG_COOKIE).then(|| Lang::parse(v)).flatten());
        if let Some(lang) = cookie {
            return lang;
        }
        parts
            .headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(accept_language)
            .unwrap_or(default)
    }
}

/// The `lang=` of a request's query, when it names a language of the pages.
fn query_lang(parts: &Parts) -> Option<Lang> {
    parts
        .uri
        .query()?
        .split('&')
        .filter_map(|p| p.split_once('='))
        .find_map(|(k, v)| if k == "lang" { Lang::parse(v) } else { None })
}

/// The preferred language of an `Accept-Language` header among ours (highest `q`, then first).
pub fn accept_language(header: &str) -> Option<Lang> {
    let mut best: Option<(f32, Lang)> = None;
    for item in header.split(',') {
        let mut fields = item.split(';');
        let Some(lang) = fields.next().and_then(Lang::parse) else { continue };
        let q = fields
            .find_map(|f| f.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, lang)| lang)
}

impl FromRequestParts<AppState> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Lang::of_request(parts, Lang::parse(&state.config.web.lang).unwrap_or(Lang::Fr)))
    }
}

/// Middleware of the page routes: a request with `?lang=xx` gets a `lang` cookie so that the
/// following pages stay in that language.
pub async fn remember(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let chosen = query_lang(&parts);
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if let Some(lang) = chosen {
        let cookie = format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly{}",
            lang.code(),
            if state.config.web.secure_cookies { "; Secure" } else { "" }
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

fn table() -> &'static HashMap<&'static str, (&'static str, &'static str)> {
    static TABLE: OnceLock<HashMap<&'static str, (&'static str, &'static str)>> = OnceLock::new();
    TABLE.get_or_init(|| TEXTS.iter().map(|(k, fr, en)| (*k, (*fr, *en))).collect())
}

/// Every visible text: key, French, English.
pub const TEXTS: &[(&str, &str, &str)] = &[
    // Layout and common words.
    ("app.name", "Parc des bornes", "Kiosk fleet"),
    ("nav.label", "Navigation principale", "Main navigation"),
    ("nav.skip", "Aller au contenu", "Skip to content"),
    ("nav.overview", "Vue d'ensemble", "Overview"),
    ("nav.actions", "Actions groupées", "Fleet actions"),
    ("nav.questions", "Questions sans réponse", "Unanswered questions"),
    ("nav.incidents", "Signalements", "Incidents"),
    ("nav.alerts", "Alertes", "Alerts"),
    ("nav.export", "Export des indicateurs (CSV)", "KPI export (CSV)"),
    ("nav.language", "Langue", "Language"),
    ("nav.signed_in", "Connecté : {}", "Signed in: {}"),
    ("nav.logout", "Se déconnecter", "Log out"),
    ("role.viewer", "lecture seule", "read-only"),
    ("role.operator", "opérateur", "operator"),
    ("common.yes", "Oui", "Yes"),
    ("common.no", "Non", "No"),
    ("common.none", "Aucun", "None"),
    ("common.all", "Tous", "All"),
    ("common.filter", "Filtrer", "Filter"),
    ("common.reset", "Réinitialiser", "Reset"),
    ("common.back_overview", "Retour à la vue d'ensemble", "Back to the overview"),
    ("common.site", "Site", "Site"),
    ("common.kiosk", "Borne", "Kiosk"),
    ("common.when", "Date", "When"),
    ("common.by", "Par", "By"),
    ("common.details", "Détails", "Details"),
    ("common.data", "Les données en tableau", "The data as a table"),
    ("common.value", "Valeur", "Value"),
    ("common.period", "Période", "Period"),
    ("common.days", "Jours", "Days"),
    ("common.show", "Afficher", "Show"),
    ("common.operators_only", "Réservé aux opérateurs.", "Operators only."),
    ("unit.day", "j", "d"),
    ("unit.mb", "Mo", "MB"),
    ("unit.gb", "Go", "GB"),
    ("time.ago", "il y a {}", "{} ago"),
    ("time.since", "depuis {}", "for {}"),
    ("time.never", "jamais", "never"),
    // Errors.
    ("error.title", "Erreur", "Error"),
    (
        "error.store",
        "La base de données ne répond pas ; réessayez dans un instant.",
        "The database does not answer; try again in a moment.",
    ),
    ("error.forbidden", "Action réservée aux opérateurs.", "Only operators may do this."),
    (
        "error.csrf",
        "Le formulaire a expiré ou ne vient pas de ce tableau de bord : rechargez la page et réessayez.",
        "The form expired or does not come from this dashboard: reload the page and try again.",
    ),
    ("error.not_found", "Page introuvable.", "Page not found."),
    ("error.no_kiosk", "Aucune borne de ce nom.", "No such kiosk."),
    ("error.no_screenshot", "Pas de capture d'écran pour cette commande.", "No screenshot for this command."),
    (
        "error.no_broker",
        "Commande impossible : le tableau de bord n'est pas relié au serveur MQTT.",
        "Cannot send: the dashboard is not connected to the MQTT broker.",
    ),
    ("error.publish", "La commande n'a pas pu être envoyée : {}", "The command could not be sent: {}"),
    ("error.unknown_command", "Commande inconnue.", "Unknown command."),
    (
        "error.text_required",
        "Le texte du bandeau est obligatoire (200 caractères au plus).",
        "The banner text is required (200 characters at most).",
    ),
    (
        "error.text_too_long",
        "Le texte du bandeau dépasse 200 caractères.",
        "The banner text is longer than 200 characters.",
    ),
    (
        "error.message_too_long",
        "Le message dépasse 200 caractères.",
        "The message is longer than 200 characters.",
    ),
    ("error.bad_level", "Niveau d'alerte inconnu.", "Unknown alert level."),
    (
        "error.bad_expiry",
        "Date d'expiration illisible ou déjà passée.",
        "The expiry date is unreadable or already past.",
    ),
    ("error.no_target", "Aucune borne ne correspond à cette cible.", "No kiosk matches this target."),
    ("error.bad_status", "Statut inconnu.", "Unknown status."),
    ("error.no_incident", "Aucun signalement de ce numéro.", "No incident with this ticket."),
    // Login.
    ("login.title", "Connexion", "Sign in"),
    ("login.user", "Nom d'utilisateur", "User name"),
    ("login.password", "Mot de passe", "Password"),
    ("login.submit", "Se connecter", "Sign in"),
    ("login.wrong", "Nom ou mot de passe incorrect.", "Wrong name or password."),
    (
        "login.too_many",
        "Trop d'essais manqués : attendez quelques minutes.",
        "Too many failed attempts: wait a few minutes.",
    ),
    (
        "login.store",
        "La base de données ne répond pas ; réessayez dans un instant.",
        "The database does not answer; try again in a moment.",
    ),
    // Overview.
    ("overview.title", "Vue d'ensemble du parc", "Fleet overview"),
    ("overview.counts", "Résumé du parc", "Fleet summary"),
    ("overview.total", "Bornes", "Kiosks"),
    ("overview.online", "En ligne", "Online"),
    ("overview.offline", "Hors ligne", "Offline"),
    ("overview.problem", "Problème matériel", "Device problem"),
    ("overview.maintenance", "En maintenance", "In maintenance"),
    ("overview.banner", "Avec bandeau", "With a banner"),
    ("overview.filters", "Filtres", "Filters"),
    ("overview.state", "État", "State"),
    ("overview.search", "Identifiant contient", "Id contains"),
    ("overview.shown", "{} borne(s) affichée(s)", "{} kiosk(s) shown"),
    ("overview.caption", "État de chaque borne", "State of each kiosk"),
    ("overview.empty", "Aucune borne ne correspond à ces filtres.", "No kiosk matches these filters."),
    ("overview.no_kiosks", "Aucune borne ne s'est encore annoncée.", "No kiosk has reported yet."),
    (
        "overview.refresh",
        "Cette page se met à jour toute seule toutes les 10 secondes.",
        "This page updates itself every 10 seconds.",
    ),
    (
        "overview.fleet_actions",
        "Envoyer un bandeau ou la maintenance à plusieurs bornes",
        "Send a banner or maintenance to several kiosks",
    ),
    ("col.status", "Connexion", "Connection"),
    ("col.last_seen", "Dernier contact", "Last seen"),
    ("col.version", "Version", "Version"),
    ("col.content", "Contenu", "Content"),
    ("col.printer", "Imprimante", "Printer"),
    ("col.paper", "Papier", "Paper"),
    ("col.reader", "Lecteur de carte", "Card reader"),
    ("col.banner", "Bandeau", "Banner"),
    ("col.maintenance", "Maintenance", "Maintenance"),
    ("state.online", "En ligne", "Online"),
    ("state.offline", "Hors ligne", "Offline"),
    ("state.problem", "Problème", "Problem"),
    ("state.problem_hint", "à vérifier", "check it"),
    ("printer.online", "Prête", "Ready"),
    ("printer.paper_near_end", "Papier bientôt fini", "Paper near end"),
    ("printer.paper_out", "Plus de papier", "Out of paper"),
    ("printer.cover_open", "Capot ouvert", "Cover open"),
    ("printer.offline", "Hors ligne", "Offline"),
    ("printer.unplugged", "Débranchée", "Unplugged"),
    ("printer.none", "Aucune", "None"),
    ("paper.ok", "OK", "OK"),
    ("paper.near_end", "Bientôt fini", "Near end"),
    ("paper.out", "Épuisé", "Out"),
    ("paper.unknown", "Inconnu", "Unknown"),
    ("reader.connected", "Branché", "Connected"),
    ("reader.disconnected", "Débranché", "Disconnected"),
    ("reader.none", "Aucun", "None"),
    ("level.info", "Information", "Information"),
    ("level.warning", "Avertissement", "Warning"),
    ("level.urgent", "Urgent", "Urgent"),
    ("banner.until", "jusqu'au {}", "until {}"),
    // Kiosk page.
    ("kiosk.title", "Borne {}", "Kiosk {}"),
    ("kiosk.summary", "État actuel", "Current state"),
    ("kiosk.started", "Démarrée le", "Started"),
    ("kiosk.uptime", "En marche depuis", "Up for"),
    ("kiosk.screen", "Écran", "Screen"),
    ("kiosk.memory", "Mémoire", "Memory"),
    ("kiosk.disk", "Disque libre", "Free disk"),
    ("kiosk.spool", "Messages en attente", "Messages waiting"),
    ("kiosk.usage", "Fréquentation", "Usage"),
    ("kiosk.usage_24h", "Dernières 24 heures, par heure", "Last 24 hours, hourly"),
    ("kiosk.usage_30d", "30 derniers jours, par jour", "Last 30 days, daily"),
    ("kiosk.totals", "Totaux", "Totals"),
    ("kiosk.devices", "Historique des appareils et de la connexion", "Device and connection history"),
    ("kiosk.device", "Appareil", "Device"),
    ("kiosk.state", "État", "State"),
    ("kiosk.connection", "Connexion", "Connection"),
    ("device.printer", "Imprimante", "Printer"),
    ("device.reader", "Lecteur de carte", "Card reader"),
    ("kiosk.events", "Événements récents", "Recent events"),
    ("kiosk.event_type", "Type", "Type"),
    ("kiosk.commands", "Commandes récentes", "Recent commands"),
    ("kiosk.command", "Commande", "Command"),
    ("kiosk.reply", "Réponse", "Reply"),
    ("kiosk.alerts", "Alertes de cette borne", "This kiosk's alerts"),
    ("kiosk.none", "Rien pour l'instant.", "Nothing yet."),
    ("kiosk.actions", "Actions", "Actions"),
    ("kiosk.result", "Résultat de la commande", "Command result"),
    ("screen.touchscreen", "Tactile", "Touchscreen"),
    ("screen.terminal", "Terminal", "Terminal"),
    ("screen.headless", "Sans écran", "Headless"),
    ("event.device_state", "Appareil", "Device"),
    ("event.content_reloaded", "Contenu rechargé", "Content reloaded"),
    ("event.content_failed", "Contenu refusé", "Content refused"),
    ("event.error", "Erreur", "Error"),
    ("event.incident", "Signalement", "Incident"),
    ("event.vote", "Vote", "Vote"),
    ("event.opinion", "Avis", "Opinion"),
    ("event.unanswered", "Question sans réponse", "Unanswered question"),
    // Charts.
    ("chart.sessions", "Sessions", "Sessions"),
    ("chart.questions", "Questions posées", "Questions asked"),
    ("chart.answer_rate", "Taux de réponse", "Answer rate"),
    ("chart.satisfaction", "Satisfaction (votes utiles)", "Satisfaction (helpful votes)"),
    ("chart.prints", "Tickets imprimés", "Receipts printed"),
    (
        "chart.desc",
        "{} : diagramme en barres ; la valeur de chaque barre est dans le tableau qui suit.",
        "{}: bar chart; each bar's value is in the table that follows.",
    ),
    ("chart.no_data", "pas de donnée", "no data"),
    ("chart.max", "max. {}", "max {}"),
    // Commands and their forms.
    ("cmd.alert", "Bandeau d'alerte", "Alert banner"),
    ("cmd.alert-clear", "Retrait du bandeau", "Banner removal"),
    ("cmd.maintenance-on", "Maintenance activée", "Maintenance on"),
    ("cmd.maintenance-off", "Maintenance désactivée", "Maintenance off"),
    ("cmd.maintenance", "Maintenance", "Maintenance"),
    ("cmd.reload-content", "Recharger le contenu", "Reload content"),
    ("cmd.print-test", "Imprimer une page de test", "Print a test page"),
    ("cmd.restart", "Redémarrer", "Restart"),
    ("cmd.screenshot", "Capture d'écran", "Screenshot"),
    ("cmd.ping", "Ping", "Ping"),
    ("form.banner", "Bandeau d'alerte", "Alert banner"),
    ("form.text", "Texte du bandeau (200 caractères au plus)", "Banner text (200 characters at most)"),
    ("form.level", "Niveau", "Level"),
    ("form.expires", "Disparaît le (facultatif, heure du serveur)", "Goes away at (optional, server time)"),
    ("form.show_banner", "Afficher le bandeau", "Show the banner"),
    ("form.clear_banner", "Retirer le bandeau", "Remove the banner"),
    ("form.maintenance", "Écran de maintenance", "Maintenance screen"),
    ("form.message", "Message (facultatif)", "Message (optional)"),
    ("form.maintenance_on", "Mettre en maintenance", "Turn maintenance on"),
    ("form.maintenance_off", "Sortir de maintenance", "Turn maintenance off"),
    ("form.other", "Autres commandes", "Other commands"),
    (
        "form.wait",
        "La page attend la réponse de la borne (10 secondes au plus).",
        "The page waits for the kiosk's reply (10 seconds at most).",
    ),
    ("form.confirm_restart", "Redémarrer cette borne ?", "Restart this kiosk?"),
    ("form.confirm_fleet", "Envoyer à toutes les bornes visées ?", "Send to every targeted kiosk?"),
    ("reply.ok", "✔ Réussi", "✔ Done"),
    ("reply.failed", "✘ Échec", "✘ Failed"),
    ("reply.waiting", "… Pas de réponse (pour l'instant)", "… No reply (yet)"),
    (
        "reply.none_in_time",
        "La borne n'a pas répondu dans les 10 secondes ; sa réponse s'affichera dans les commandes récentes quand elle arrivera.",
        "The kiosk did not reply within 10 seconds; its reply will show in the recent commands when it comes.",
    ),
    ("reply.screenshot", "Capture d'écran de la borne {}", "Screenshot of kiosk {}"),
    ("reply.sent", "Commande « {} » envoyée.", "Command “{}” sent."),
    // Fleet-wide actions.
    ("actions.title", "Actions groupées", "Fleet actions"),
    (
        "actions.intro",
        "Envoyer un bandeau d'alerte ou l'écran de maintenance à une borne, à un site ou à tout le parc. La page attend les réponses 10 secondes.",
        "Send an alert banner or the maintenance screen to one kiosk, a site or the whole fleet. The page waits 10 seconds for the replies.",
    ),
    ("actions.target", "Cible", "Target"),
    ("actions.scope_all", "Toutes les bornes", "Every kiosk"),
    ("actions.scope_site", "Les bornes du site :", "The kiosks of site:"),
    ("actions.scope_kiosk", "Une seule borne :", "One kiosk:"),
    ("actions.results", "Réponses des bornes", "The kiosks' replies"),
    ("actions.summary", "{} borne(s) visée(s)", "{} kiosk(s) targeted"),
    // Unanswered questions.
    ("questions.title", "Questions sans réponse", "Unanswered questions"),
    (
        "questions.intro",
        "Les questions que les bornes n'ont pas su traiter, regroupées par sens : les plus fréquentes méritent une entrée dans la FAQ.",
        "Questions the kiosks could not answer, grouped by meaning: the most frequent deserve a FAQ entry.",
    ),
    ("questions.count", "Fois", "Times"),
    ("questions.example", "Question", "Question"),
    ("questions.variants", "Autres formulations", "Other wordings"),
    ("questions.nearest", "Entrée FAQ la plus proche", "Nearest FAQ entry"),
    ("questions.kiosks", "Bornes", "Kiosks"),
    (
        "questions.none",
        "Aucune question sans réponse sur la période.",
        "No unanswered question over the period.",
    ),
    // Incidents.
    ("incidents.title", "Signalements des visiteurs", "Visitors' incident reports"),
    ("incidents.ticket", "N° de ticket", "Ticket"),
    ("incidents.category", "Catégorie", "Category"),
    ("incidents.description", "Lieu et description", "Place and description"),
    ("incidents.status", "Statut", "Status"),
    ("incidents.updated", "Mis à jour", "Updated"),
    ("incidents.change", "Changer le statut", "Change the status"),
    ("incidents.save", "Enregistrer", "Save"),
    ("incidents.saved", "Statut du signalement {} enregistré.", "Status of incident {} saved."),
    ("incidents.none", "Aucun signalement.", "No incident."),
    ("category.lighting", "Éclairage public", "Street lighting"),
    ("category.roads", "Voirie", "Roads"),
    ("category.cleanliness", "Propreté", "Cleanliness"),
    ("category.other", "Autre", "Other"),
    ("status.new", "Nouveau", "New"),
    ("status.in_progress", "En cours", "In progress"),
    ("status.resolved", "Résolu", "Resolved"),
    // Alerts.
    ("alerts.title", "Alertes", "Alerts"),
    ("alerts.open", "Alertes ouvertes", "Open alerts"),
    ("alerts.recent", "Alertes closes ces 7 derniers jours", "Alerts closed in the last 7 days"),
    ("alerts.rule", "Règle", "Rule"),
    ("alerts.message", "Message", "Message"),
    ("alerts.opened", "Ouverte", "Opened"),
    ("alerts.resolved", "Close", "Closed"),
    ("alerts.notified", "Notifiée", "Notified"),
    ("alerts.none_open", "Aucune alerte ouverte.", "No open alert."),
    ("alerts.none_recent", "Aucune alerte close récemment.", "No alert closed recently."),
    ("rule.offline", "Hors ligne", "Offline"),
    ("rule.paper_out", "Plus de papier", "Out of paper"),
    ("rule.paper_near_end", "Papier bientôt fini", "Paper near end"),
    ("rule.printer_absent", "Imprimante absente", "Printer missing"),
    ("rule.reader_absent", "Lecteur de carte absent", "Card reader missing"),
    ("rule.answer_rate", "Taux de réponse bas", "Low answer rate"),
];

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// The page sources whose `t("…")` keys must be in the table.
    const SOURCES: &[(&str, &str)] = &[
        ("mod.rs", include_str!("mod.rs")),
        ("layout.rs", include_str!("layout.rs")),
        ("overview.rs", include_str!("overview.rs")),
        ("kiosk.rs", include_str!("kiosk.rs")),
        ("actions.rs", include_str!("actions.rs")),
        ("charts.rs", include_str!("charts.rs")),
        ("incidents.rs", include_str!("incidents.rs")),
        ("questions.rs", include_str!("questions.rs")),
        ("alerts.rs", include_str!("alerts.rs")),
        ("assets.rs", include_str!("assets.rs")),
    ];

    #[test]
    fn every_key_has_both_languages_once() {
        let mut seen = HashSet::new();
        for (key, fr, en) in TEXTS {
            assert!(seen.insert(*key), "key {key} twice");
            assert!(!fr.trim().is_empty(), "{key} has no French");
            assert!(!en.trim().is_empty(), "{key} has no English");
            assert_eq!(fr.matches("{}").count(), en.matches("{}").count(), "{key}: placeholders differ");
        }
    }

    #[test]
    fn every_key_the_pages_use_is_in_the_table() {
        let mut missing = Vec::new();
        for (file, source) in SOURCES {
            let pieces = source.split("t(\"").skip(1).chain(source.split("f(\"").skip(1));
            for piece in pieces {
                let Some(key) = piece.split('"').next() else { continue };
                if !key.contains('.') || key.contains(' ') || key.ends_with('.') {
                    continue;
                }
                if !table().contains_key(key) {
                    missing.push(format!("{file}: {key}"));
                }
            }
        }
        assert!(missing.is_empty(), "keys missing from TEXTS: {missing:?}");
    }

    #[test]
    fn every_state_a_kiosk_reports_has_words() {
        for (group, values) in [
            (
                "printer",
                &["online", "paper_near_end", "paper_out", "cover_open", "offline", "unplugged", "none"][..],
            ),
            ("paper", &["ok", "near_end", "out", "unknown"]),
            ("reader", &["connected", "disconnected", "none"]),
            ("level", &["info", "warning", "urgent"]),
            ("status", &crate::model::INCIDENT_STATUSES),
            ("category", &["lighting", "roads", "cleanliness", "other"]),
            (
                "rule",
                &["offline", "paper_out", "paper_near_end", "printer_absent", "reader_absent", "answer_rate"],
            ),
            ("cmd", &borne_telemetry::messages::COMMAND_NAMES),
            ("cmd", &super::super::actions::KIOSK_COMMANDS),
            ("screen", &["touchscreen", "terminal", "headless"]),
            ("device", &["printer", "reader"]),
        ] {
            for value in values {
                let key = format!("{group}.{value}");
                assert!(table().contains_key(key.as_str()), "{key} missing");
            }
        }
    }

    #[test]
    fn languages_parse_from_tags_and_accept_language() {
        assert_eq!(Lang::parse("en-GB"), Some(Lang::En));
        assert_eq!(Lang::parse("FR"), Some(Lang::Fr));
        assert_eq!(Lang::parse("de"), None);
        assert_eq!(accept_language("de-DE,en;q=0.8,fr;q=0.5"), Some(Lang::En));
        assert_eq!(accept_language("fr-CH, fr;q=0.9, en;q=0.8"), Some(Lang::Fr));
        assert_eq!(accept_language("en;q=0.2,fr;q=0.9"), Some(Lang::Fr));
        assert_eq!(accept_language("de, it"), None);
        assert_eq!(accept_language("en;q=0"), None);
    }

    #[test]
    fn durations_and_percentages_read_naturally() {
        assert_eq!(Lang::Fr.duration(42), "42 s");
        assert_eq!(Lang::Fr.duration(125), "2 min");
        assert_eq!(Lang::En.duration(3 * 3600 + 5 * 60), "3 h 05");
        assert_eq!(Lang::Fr.duration(2 * 86_400 + 4 * 3600), "2 j 4 h");
        assert_eq!(Lang::En.duration(2 * 86_400 + 4 * 3600), "2 d 4 h");
        assert_eq!(Lang::En.percent(Some(0.875)), "88%");
        assert_eq!(Lang::Fr.percent(Some(0.5)), "50\u{a0}%");
        assert_eq!(Lang::En.percent(None), "—");
        assert_eq!(Lang::En.code_label("printer", "paper_out"), "Out of paper");
        assert_eq!(Lang::En.code_label("printer", "on_fire"), "on_fire");
        assert_eq!(Lang::Fr.f("time.ago", "5 min"), "il y a 5 min");
    }
}

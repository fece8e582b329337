//! The kiosk's own words in French and English.
//!
//! Content (FAQ answers, procedures) stays in the language the commune wrote it in; these are the
//! words of the kiosk itself. Plain words for people far from computers: short, concrete, no jargon.
//! A test checks that every string exists in both languages and that no French string is left in
//! the English table.

use borne_content::Lang;

/// A string of the kiosk's interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // the variant names say what each string is
pub enum Text {
    Welcome,
    PressEnterToStart,
    MenuTitle,
    HoursAndServices,
    Procedures,
    NewsAndEvents,
    FrequentQuestions,
    SwitchLanguage,
    Quit,
    Back,
    ChooseNumber,
    NotAChoice,
    Today,
    ThisWeek,
    ExceptionalClosures,
    Steps,
    DocumentsToBring,
    Cost,
    Online,
    News,
    Events,
    Where,
    HelpDesk,
    SessionEnded,
    Goodbye,
    NoDisplay,
    Headless,
    Phone,
    Address,
    Nothing,
    AskQuestion,
    TypeQuestion,
    WasItHelpful,
    Yes,
    No,
    ThanksForFeedback,
    NoPrinter,
    EventAt,
    EventSameDay,
    EventSpan,
    PrintDone,
    PrintQueued,
    PrintFailed,
    NothingToPrint,
    CategoryLighting,
    CategoryRoads,
    CategoryCleanliness,
    CategoryOther,
    TicketPrinting,
    TicketPrinted,
    TicketQueued,
    TicketNotPrinted,
    TicketNoPrinter,
    DidYouMean,
    RelatedQuestions,
    DontKnow,
    DontKnowAskDesk,
    AnswerInFrench,
    PickOrAsk,
}

impl Text {
    /// Every string, for completeness checks.
    pub const ALL: [Text; 59] = [
        Text::Welcome,
        Text::PressEnterToStart,
        Text::MenuTitle,
        Text::HoursAndServices,
        Text::Procedures,
        Text::NewsAndEvents,
        Text::FrequentQuestions,
        Text::SwitchLanguage,
        Text::Quit,
        Text::Back,
        Text::ChooseNumber,
        Text::NotAChoice,
        Text::Today,
        Text::ThisWeek,
        Text::ExceptionalClosures,
        Text::Steps,
        Text::DocumentsToBring,
        Text::Cost,
        Text::Online,
        Text::News,
        Text::Events,
        Text::Where,
        Text::HelpDesk,
        Text::SessionEnded,
        Text::Goodbye,
        Text::NoDisplay,
        Text::Headless,
        Text::Phone,
        Text::Address,
        Text::Nothing,
        Text::AskQuestion,
        Text::TypeQuestion,
        Text::WasItHelpful,
        Text::Yes,
        Text::No,
        Text::ThanksForFeedback,
        Text::NoPrinter,
        Text::EventAt,
        Text::EventSameDay,
        Text::EventSpan,
        Text::PrintDone,
        Text::PrintQueued,
        Text::PrintFailed,
        Text::NothingToPrint,
        Text::CategoryLighting,
        Text::CategoryRoads,
        Text::CategoryCleanliness,
        Text::CategoryOther,
        Text::TicketPrinting,
        Text::TicketPrinted,
        Text::TicketQueued,
        Text::TicketNotPrinted,
        Text::TicketNoPrinter,
        Text::DidYouMean,
        Text::RelatedQuestions,
        Text::DontKnow,
        Text::DontKnowAskDesk,
        Text::AnswerInFrench,
        Text::PickOrAsk,
    ];

    /// The string in `lang`.
    pub fn get(self, lang: Lang) -> &'static str {
        let (fr, en) = self.pair();
        match lang {
            Lang::Fr => fr,
            Lang::En => en,
        }
    }

    fn pair(self) -> (&'static str, &'static str) {
        match self {
            Text::Welcome => ("Bienvenue", "Welcome"),
            Text::PressEnterToStart => ("Appuyez sur Entrée pour commencer", "Press Enter to start"),
            Text::MenuTitle => ("Que voulez-vous faire ?", "What would you like to do?"),
            Text::HoursAndServices => ("Horaires et services", "Opening hours and services"),
            Text::Procedures => ("Démarches", "Procedures"),
            Text::NewsAndEvents => ("Actualités et agenda", "News and events"),
            Text::FrequentQuestions => ("Questions fréquentes", "Frequent questions"),
            Text::SwitchLanguage => ("English", "Français"),
            Text::Quit => ("Quitter", "Quit"),
            Text::Back => ("Retour", "Back"),
            Text::ChooseNumber => ("Tapez un numéro puis Entrée", "Type a number, then Enter"),
            Text::NotAChoice => ("Ce numéro n'est pas dans la liste.", "That number is not in the list."),
            Text::Today => ("Aujourd'hui", "Today"),
            Text::ThisWeek => ("Cette semaine", "This week"),
            Text::ExceptionalClosures => ("Fermetures exceptionnelles", "Exceptional closures"),
            Text::Steps => ("Étapes", "Steps"),
            Text::DocumentsToBring => ("Documents à apporter", "Documents to bring"),
            Text::Cost => ("Coût", "Cost"),
            Text::Online => ("En ligne", "Online"),
            Text::News => ("Actualités", "News"),
            Text::Events => ("Agenda", "Events"),
            Text::Where => ("Lieu", "Where"),
            Text::HelpDesk => ("Besoin d'aide ?", "Need help?"),
            Text::SessionEnded => (
                "Personne n'a touché la borne depuis un moment : retour à l'accueil.",
                "Nobody has used the kiosk for a while: back to the start.",
            ),
            Text::Goodbye => ("Au revoir !", "Goodbye!"),
            Text::NoDisplay => (
                "Pas d'écran graphique joignable (DISPLAY, WAYLAND_DISPLAY, ou /dev/dri avec SLINT_BACKEND=linuxkms)",
                "No reachable graphical display (DISPLAY, WAYLAND_DISPLAY, or /dev/dri with SLINT_BACKEND=linuxkms)",
            ),
            Text::Headless => (
                "la borne tourne sans écran (appareils, télémétrie) jusqu'à son arrêt.",
                "the kiosk runs headless (devices, telemetry) until stopped.",
            ),
            Text::Phone => ("Téléphone", "Phone"),
            Text::Address => ("Adresse", "Address"),
            Text::Nothing => ("Rien pour le moment.", "Nothing at the moment."),
            Text::AskQuestion => ("Poser une question", "Ask a question"),
            Text::TypeQuestion => (
                "Tapez votre question puis Entrée (Entrée seule pour revenir)",
                "Type your question, then Enter (Enter alone to go back)",
            ),
            Text::WasItHelpful => ("Cette réponse vous a-t-elle aidé ?", "Did this answer help you?"),
            Text::Yes => ("Oui", "Yes"),
            Text::No => ("Non", "No"),
            Text::ThanksForFeedback => ("Merci pour votre avis !", "Thank you for your feedback!"),
            Text::NoPrinter => ("Cette borne n'a pas d'imprimante.", "This kiosk has no printer."),
            // When an event takes place: {date}, {time}, {start}, {end} are filled in by the caller.
            Text::EventAt => ("{date} à {time}", "{date} at {time}"),
            Text::EventSameDay => ("{date}, de {start} à {end}", "{date}, {start} to {end}"),
            Text::EventSpan => ("Du {start} au {end}", "From {start} to {end}"),
            Text::PrintDone => (
                "Votre feuille est imprimée : prenez-la sous l'écran.",
                "Your sheet is printed: take it from under the screen.",
            ),
            Text::PrintQueued => (
                "Votre feuille sera imprimée dès que l'imprimante sera prête.",
                "Your sheet will be printed as soon as the printer is ready.",
            ),
            Text::PrintFailed => (
                "Impression impossible. Demandez à l'accueil.",
                "Printing failed. Please ask at the front desk.",
            ),
            Text::NothingToPrint => ("Rien à imprimer pour cette page.", "Nothing to print for this page."),
            Text::CategoryLighting => ("Éclairage public", "Street lighting"),
            Text::CategoryRoads => ("Voirie (routes, trottoirs)", "Roads and pavements"),
            Text::CategoryCleanliness => ("Propreté (déchets, tags)", "Cleanliness (litter, graffiti)"),
            Text::CategoryOther => ("Autre problème", "Other problem"),
            Text::TicketPrinting => ("Impression du ticket…", "Printing your ticket…"),
            Text::TicketPrinted => (
                "Votre ticket est imprimé : prenez-le sous l'écran.",
                "Your ticket is printed: take it from under the screen.",
            ),
            Text::TicketQueued => (
                "Le ticket sortira dès que l'imprimante sera prête : notez bien votre numéro.",
                "The ticket will print when the printer is ready: please write down your number.",
            ),
            Text::TicketNotPrinted => (
                "Le ticket n'a pas pu être imprimé : notez bien votre numéro.",
                "The ticket could not be printed: please write down your number.",
            ),
            Text::TicketNoPrinter => (
                "Cette borne n'a pas d'imprimante : notez bien votre numéro.",
                "This kiosk has no printer: please write down your number.",
            ),
            // The chatbot's outcomes: "Vouliez-vous dire ?" with choices, and the refusal with
            // the closest questions (see `dont_know`).
            Text::DidYouMean => ("Vouliez-vous dire :", "Did you mean:"),
            Text::RelatedQuestions => ("Questions proches :", "Related questions:"),
            Text::DontKnow => {
                ("Je ne sais pas répondre à cette question.", "I don't know how to answer that.")
            }
            // {desk}: the commune's help desk, as the content writes it.
            Text::DontKnowAskDesk => (
                "Je ne sais pas répondre à cette question. Vous pouvez vous adresser à : {desk}",
                "I don't know how to answer that. You can ask: {desk}",
            ),
            Text::AnswerInFrench => ("Cette réponse est en français.", "This answer is in French."),
            Text::PickOrAsk => (
                "Tapez un numéro pour voir sa réponse, ou une autre question (Entrée seule pour revenir)",
                "Type a number to see its answer, or another question (Enter alone to go back)",
            ),
        }
    }
}

/// The chatbot's refusal in `lang`: "I don't know how to answer that. You can ask: {help desk}",
/// with one full stop at the end even when the help desk text ends with its own. The closest
/// questions are not in it: each front-end shows them once, as buttons or numbered lines.
pub fn dont_know(help_desk: &str, lang: Lang) -> String {
    let desk = help_desk.trim();
    if desk.is_empty() {
        return Text::DontKnow.get(lang).to_string();
    }
    let end = if desk.ends_with(['.', '!', '?']) { "" } else { "." };
    format!("{}{end}", Text::DontKnowAskDesk.get(lang).replace("{desk}", desk))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_string_exists_in_both_languages_and_differs_where_it_should() {
        let mut seen = HashSet::new();
        for text in Text::ALL {
            assert!(seen.insert(text), "{text:?} listed twice in ALL");
            let (fr, en) = (text.get(Lang::Fr), text.get(Lang::En));
            assert!(!fr.trim().is_empty() && !en.trim().is_empty(), "{text:?} is empty");
            // Accented French letters must not leak into English strings (except the language name).
            if text != Text::SwitchLanguage {
                assert!(!en.chars().any(|c| "éèêàçùôîœ".contains(c)), "{text:?} English looks French: {en}");
            }
        }
    }

    #[test]
    fn the_refusal_names_the_help_desk_with_one_full_stop() {
        assert_eq!(
            dont_know("l'accueil de la mairie", Lang::En),
            "I don't know how to answer that. You can ask: l'accueil de la mairie."
        );
        assert_eq!(
            dont_know("l'accueil de la mairie (rez-de-chaussée).", Lang::Fr),
            "Je ne sais pas répondre à cette question. Vous pouvez vous adresser à : l'accueil de la mairie (rez-de-chaussée)."
        );
        assert_eq!(dont_know("  ", Lang::En), "I don't know how to answer that.");
        assert!(!dont_know("Accueil !", Lang::Fr).contains(".."));
    }

    #[test]
    fn the_french_refusal_is_the_chatbots_own_sentence() {
        use borne_chatbot::{Chatbot, ChatbotConfig, ReplyKind};
        use borne_content::{ContentSource, ContentStore};
        let (store, _) = ContentStore::open(ContentSource::Embedded, None).expect("demo content");
        let content = store.current();
        let chatbot = Chatbot::new(&content, ChatbotConfig::default()).expect("chatbot");
        let now = chrono::Utc::now().with_timezone(&content.commune.timezone);
        let refused = ["quel temps fera-t-il demain a paris", "je voudrais un livre de cuisine", "xylophone"]
            .iter()
            .map(|q| chatbot.ask(q, now))
            .find(|r| r.kind == ReplyKind::DontKnow)
            .expect("one of these questions is refused by the demo chatbot");
        assert_eq!(dont_know(&content.commune.help_desk, Lang::Fr), refused.text);
    }
}

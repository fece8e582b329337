//! Receipt templates: the sheets a visitor takes away from the kiosk.
//!
//! Four templates, all opening with the same header (logo, commune name, kiosk id, date):
//!
//! - [`answer_sheet`]: the question, the FAQ answer wrapped to the paper, a QR code of the link;
//! - [`procedure_sheet`]: a démarche's steps, the documents to bring, its cost and a QR code;
//! - [`incident_ticket`]: ticket number, category, date, the visitor's description, what happens next;
//! - [`test_page`]: code page, accents, styles, alignment, QR and logo, for installers.
//!
//! Every string, whether typed by a visitor or written by staff, goes through
//! [`printable_text`] before it is encoded, so none can carry printer commands.

use borne_content::{FaqEntry, Procedure};

use super::codepage::CodePage;
use super::encoder::{Align, EncodeError, Encoder};
use super::layout::wrap;
use super::profile::Profile;
use super::raster::Raster;
use crate::sanitize::printable_text;

/// What kind of sheet a receipt is (used in file names and logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReceiptKind {
    /// An FAQ answer.
    Answer,
    /// A procedure.
    Procedure,
    /// An incident ticket.
    Incident,
    /// The installer's test page.
    Test,
}

impl ReceiptKind {
    /// A short lowercase name: `answer`, `procedure`, `incident`, `test`.
    pub fn name(self) -> &'static str {
        match self {
            ReceiptKind::Answer => "answer",
            ReceiptKind::Procedure => "procedure",
            ReceiptKind::Incident => "incident",
            ReceiptKind::Test => "test",
        }
    }
}

/// One encoded receipt, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// Which template made it.
    pub kind: ReceiptKind,
    /// The ESC/POS bytes, from `ESC @` to the cut.
    pub bytes: Vec<u8>,
}

/// What every receipt's header and footer say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letterhead {
    /// The commune's name.
    pub commune: String,
    /// Who to ask in person (printed at the bottom).
    pub help_desk: String,
    /// The kiosk's id.
    pub kiosk_id: String,
    /// When the receipt is printed, already formatted (e.g. "29/11/2026 14:05").
    pub printed_at: String,
    /// The commune's logo; `None` prints the built-in Borne mark.
    pub logo: Option<Raster>,
}

/// An incident reported at the kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentTicket {
    /// The ticket number the visitor can quote.
    pub number: String,
    /// What it is about, e.g. "Voirie".
    pub category: String,
    /// When it was reported, already formatted.
    pub reported_at: String,
    /// The visitor's own words (cleaned of control characters here).
    pub description: String,
    /// What happens next, one item per line.
    pub next_steps: Vec<String>,
    /// Where to follow the ticket online (printed as a QR code).
    pub link: Option<String>,
}

/// Why a receipt could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    /// A QR code or image could not be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

/// Lays out one receipt for one printer profile.
struct Sheet {
    enc: Encoder,
    columns: usize,
    page: CodePage,
}

impl Sheet {
    fn new(profile: &Profile) -> Self {
        let mut enc = Encoder::new(profile.code_page);
        enc.init();
        Self { enc, columns: profile.columns(), page: profile.code_page }
    }

    fn header(&mut self, head: &Letterhead) -> Result<(), EncodeError> {
        self.enc.align(Align::Center);
        let mark;
        let logo = match &head.logo {
            Some(logo) => logo,
            None => {
                mark = Raster::borne_mark();
                &mark
            }
        };
        self.enc.raster(logo)?;
        self.enc.size(true).bold(true);
        for line in wrap(&printable_text(&head.commune), self.columns / 2, 0, self.page) {
            self.enc.line(&line);
        }
        self.enc.size(false).bold(false);
        self.wrapped(&format!("Borne {}", printable_text(&head.kiosk_id)), 0);
        self.wrapped(&format!("Imprimé le {}", printable_text(&head.printed_at)), 0);
        self.enc.align(Align::Left);
        self.rule();
        Ok(())
    }

    fn footer(&mut self, head: &Letterhead) {
        self.rule();
        self.enc.align(Align::Center);
        self.wrapped(&format!("Besoin d'aide ? {}", printable_text(&head.help_desk)), 0);
        self.enc.align(Align::Left);
        self.enc.feed(3).cut();
    }

    fn rule(&mut self) {
        self.enc.line(&"-".repeat(self.columns));
    }

    fn title(&mut self, text: &str) {
        self.enc.bold(true);
        self.wrapped(text, 0);
        self.enc.bold(false);
    }

    fn section(&mut self, text: &str) {
        self.enc.blank().bold(true).underline(true);
        self.wrapped(text, 0);
        self.enc.underline(false).bold(false);
    }

    fn wrapped(&mut self, text: &str, indent: usize) {
        for line in wrap(&printable_text(text), self.columns, indent, self.page) {
            self.enc.line(&line);
        }
    }

    fn qr(&mut self, caption: &str, link: &str) -> Result<(), EncodeError> {
        let link = printable_text(link);
        self.enc.blank().align(Align::Center);
        self.wrapped(caption, 0);
        self.enc.qr(&link, if self.columns >= 48 { 6 } else { 5 })?;
        self.enc.blank();
        self.wrapped(&link, 0);
        self.enc.align(Align::Left);
        Ok(())
    }

    fn finish(self, kind: ReceiptKind) -> Receipt {
        Receipt { kind, bytes: self.enc.finish() }
    }
}

/// The answer to an FAQ entry. `asked` is the visitor's own question, printed instead of the
/// entry's question when given.
pub fn answer_sheet(
    profile: &Profile,
    head: &Letterhead,
    entry: &FaqEntry,
    asked: Option<&str>,
) -> Result<Receipt, ReceiptError> {
    let mut s = Sheet::new(profile);
    s.header(head)?;
    s.section("Votre question");
    s.wrapped(asked.filter(|a| !a.trim().is_empty()).unwrap_or(&entry.question), 0);
    s.section("Réponse");
    s.wrapped(&entry.answer, 0);
    if let Some(link) = &entry.link {
        s.qr("Pour en savoir plus :", link)?;
    }
    s.footer(head);
    Ok(s.finish(ReceiptKind::Answer))
}

/// A procedure: summary, numbered steps, documents to bring, cost and link.
pub fn procedure_sheet(
    profile: &Profile,
    head: &Letterhead,
    procedure: &Procedure,
) -> Result<Receipt, ReceiptError> {
    let mut s = Sheet::new(profile);
    s.header(head)?;
    s.title(&procedure.title);
    s.wrapped(&procedure.summary, 0);
    s.section("Étapes");
    for (i, step) in procedure.steps.iter().enumerate() {
        let number = format!("{}. ", i + 1);
        s.wrapped(&format!("{number}{step}"), number.len());
    }
    if !procedure.documents.is_empty() {
        s.section("Documents à apporter");
        for doc in &procedure.documents {
            s.wrapped(&format!("- {doc}"), 2);
        }
    }
    if let Some(cost) = &procedure.cost {
        s.section("Coût");
        s.wrapped(cost, 0);
    }
    if let Some(link) = &procedure.link {
        s.qr("Faire la démarche en ligne :", link)?;
    }
    s.footer(head);
    Ok(s.finish(ReceiptKind::Procedure))
}

/// An incident ticket: its number in large type, category, date, the visitor's description and
/// what happens next.
pub fn incident_ticket(
    profile: &Profile,
    head: &Letterhead,
    ticket: &IncidentTicket,
) -> Result<Receipt, ReceiptError> {
    let mut s = Sheet::new(profile);
    s.header(head)?;
    s.enc.align(Align::Center).reverse(true).bold(true);
    s.enc.line(" SIGNALEMENT ENREGISTRÉ ");
    s.enc.reverse(false).bold(false).size(true);
    for line in wrap(&format!("N° {}", printable_text(&ticket.number)), s.columns / 2, 0, s.page) {
        s.enc.line(&line);
    }
    s.enc.size(false).align(Align::Left);
    s.wrapped(&format!("Catégorie : {}", ticket.category), 0);
    s.wrapped(&format!("Date : {}", ticket.reported_at), 0);
    s.section("Votre description");
    s.wrapped(&ticket.description, 0);
    if !ticket.next_steps.is_empty() {
        s.section("Et maintenant ?");
        for step in &ticket.next_steps {
            s.wrapped(&format!("- {step}"), 2);
        }
    }
    if let Some(link) = &ticket.link {
        s.qr("Suivre votre signalement :", link)?;
    }
    s.footer(head);
    Ok(s.finish(ReceiptKind::Incident))
}

/// The installer's test page: code page, every French character, styles, alignment, sizes, QR.
pub fn test_page(profile: &Profile, head: &Letterhead) -> Result<Receipt, ReceiptError> {
    let mut s = Sheet::new(profile);
    s.header(head)?;
    s.title("Page de test");
    s.wrapped(
        &format!(
            "Papier {} colonnes, page de code {} (ESC t {})",
            profile.columns(),
            profile.code_page.table().name(),
            profile.code_page.number()
        ),
        0,
    );
    s.section("Accents");
    s.wrapped("é è ê ë à â ç ù û ü î ï ô œ", 0);
    s.wrapped("É È Ê À Â Ç Ù Î Ô Œ", 0);
    s.wrapped("« guillemets » 12,50 €", 0);
    s.section("Styles");
    s.enc.bold(true).line("Gras").bold(false);
    s.enc.underline(true).line("Souligné").underline(false);
    s.enc.reverse(true).line("Inversé").reverse(false);
    s.enc.align(Align::Right).line("À droite").align(Align::Center).line("Centré").align(Align::Left);
    s.enc.size(true).line("Double").size(false);
    s.qr("QR code :", "https://borne.example.org/test")?;
    s.footer(head);
    Ok(s.finish(ReceiptKind::Test))
}

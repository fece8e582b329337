//! The commune's content for Borne kiosks, from human-editable TOML files.
//!
//! Town-hall staff edit a directory of files with a text editor; this crate reads, validates and
//! serves them. Map of the crate:
//!
//! - [`source`]: where files come from (a directory, or the demo content built into the binary);
//! - [`loader`]: reads all files, validates them, reports every problem with file and line;
//! - one module per file: [`commune`] (`commune.toml`), [`faq`] (`faq.toml`), [`services`]
//!   (`services.toml`), [`procedures`] (`procedures.toml`), [`news`] (`news.toml`), [`synonyms`]
//!   (`synonyms.toml`);
//! - [`hours`]: opening hours in OpenStreetMap syntax with public holidays and exceptional
//!   closures, evaluated at an instant;
//! - [`store`]: the content in service, swapped atomically on reload, keeping the last good content
//!   when a reload fails;
//! - [`snapshot`]: a copy of the last good files on disk, to start on them after a broken edit;
//! - [`hours_text`]: opening states in plain French or English words, shared by every screen;
//! - [`lang`]: the languages of the kiosk's own strings;
//! - [`text`]: accent-insensitive ordering of French text for lists;
//! - [`problem`]: located problems (`faq.toml:42: entry 'cni-perte' has no answer`).
//!
//! The file formats are documented for authors in `docs/content.md`.

mod check;
pub mod commune;
pub mod faq;
pub mod hours;
pub mod hours_text;
pub mod lang;
pub mod loader;
pub mod news;
pub mod problem;
pub mod procedures;
pub mod services;
pub mod snapshot;
pub mod source;
pub mod store;
pub mod synonyms;
pub mod text;

pub use commune::Commune;
pub use faq::FaqEntry;
pub use hours::{ClosedReason, Closure, DayHours, OpenSpan, OpenState, ServiceHours};
pub use lang::Lang;
pub use loader::{LoadError, Loaded, load};
pub use news::{Event, NewsItem};
pub use problem::{Problem, Severity};
pub use procedures::Procedure;
pub use services::Service;
pub use snapshot::Snapshot;
pub use source::ContentSource;
pub use store::{ContentStore, Opened};
pub use synonyms::SynonymGroup;

/// Everything a kiosk shows and answers from, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Content {
    /// The commune's identity.
    pub commune: Commune,
    /// The logo file's bytes, when the commune has one.
    pub logo: Option<Vec<u8>>,
    /// Questions and answers.
    pub faq: Vec<FaqEntry>,
    /// Public services and their hours.
    pub services: Vec<Service>,
    /// Procedures (démarches).
    pub procedures: Vec<Procedure>,
    /// News, newest first.
    pub news: Vec<NewsItem>,
    /// Events, soonest first.
    pub events: Vec<Event>,
    /// Synonym groups for the chatbot.
    pub synonyms: Vec<SynonymGroup>,
    /// Short hash of the files' contents: changes whenever any file changes.
    pub version: String,
    /// Where the content was read from.
    pub origin: String,
}

impl Content {
    /// Content holding only a FAQ (no services, procedures, news or synonyms), for tools,
    /// benchmarks and tests that build content in code; `origin` says where it comes from.
    pub fn from_faq(commune: Commune, faq: Vec<FaqEntry>, origin: &str) -> Self {
        Self {
            commune,
            logo: None,
            faq,
            services: Vec::new(),
            procedures: Vec::new(),
            news: Vec::new(),
            events: Vec::new(),
            synonyms: Vec::new(),
            version: origin.to_string(),
            origin: origin.to_string(),
        }
    }

    /// The FAQ entry with this id.
    pub fn faq_entry(&self, id: &str) -> Option<&FaqEntry> {
        self.faq.iter().find(|e| e.id == id)
    }

    /// The service with this id.
    pub fn service(&self, id: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.id == id)
    }

    /// The procedure with this id.
    pub fn procedure(&self, id: &str) -> Option<&Procedure> {
        self.procedures.iter().find(|p| p.id == id)
    }
}

//! Shared fixtures of the printer tests: receipts built from realistic French content, ptys.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use borne_content::{FaqEntry, Procedure};
use borne_hardware::printer::receipt::{answer_sheet, incident_ticket, procedure_sheet, test_page};
use borne_hardware::printer::{IncidentTicket, Letterhead, Profile, Receipt};

/// The letterhead of the fictional demo commune.
pub fn letterhead() -> Letterhead {
    Letterhead {
        commune: "Mairie de Vernay-sur-Loire".into(),
        help_desk: "accueil de la mairie, 02 47 00 00 00".into(),
        kiosk_id: "mediatheque-1".into(),
        printed_at: "29/11/2026 14:05".into(),
        logo: None,
    }
}

/// An FAQ entry with accents, œ, guillemets and €.
pub fn faq() -> FaqEntry {
    FaqEntry {
        id: "cni-perte".into(),
        question: "J'ai perdu ma carte d'identité, que faire ?".into(),
        answer: "Déclarez la perte en mairie ou en ligne. Le renouvellement coûte 25 € de timbre fiscal \
                 en cas de perte. Apportez une photo récente, un justificatif de domicile et « votre cœur \
                 à l'ouvrage » : l'élève Noël connaît la procédure."
            .into(),
        alternatives: vec![],
        keywords: vec![],
        category: Some("etat-civil".into()),
        link: Some("https://www.service-public.fr/particuliers/vosdroits/F1341".into()),
    }
}

/// A procedure with steps, documents and a cost.
pub fn procedure() -> Procedure {
    Procedure {
        id: "carte-identite".into(),
        title: "Demander une carte d'identité".into(),
        theme: "Papiers d'identité".into(),
        summary: "La demande se fait sur rendez-vous, après une pré-demande en ligne.".into(),
        steps: vec![
            "Faites la pré-demande en ligne sur le site de l'ANTS et notez le numéro.".into(),
            "Prenez rendez-vous à l'accueil de la mairie.".into(),
            "Venez en personne déposer le dossier et donner vos empreintes.".into(),
        ],
        documents: vec![
            "Une photo d'identité de moins de six mois".into(),
            "Un justificatif de domicile récent".into(),
        ],
        link: Some("https://ants.gouv.fr".into()),
        service: None,
        cost: Some("Gratuit, sauf en cas de perte : 25 €".into()),
    }
}

/// An incident ticket whose description a visitor typed, with injected printer commands.
pub fn incident() -> IncidentTicket {
    IncidentTicket {
        number: "2026-0042".into(),
        category: "Éclairage public".into(),
        reported_at: "29/11/2026 14:03".into(),
        description: "Lampadaire\x1b@ éteint\x1dV\x42\x00 rue Pasteur\x10\x14\x01\x00\x05 depuis lundi"
            .into(),
        next_steps: vec![
            "Les services techniques sont prévenus aujourd'hui.".into(),
            "Intervention sous 5 jours ouvrés.".into(),
        ],
        link: Some("https://vernay.example.fr/signalement/2026-0042".into()),
    }
}

/// The four receipts for `profile`.
pub fn all_receipts(profile: &Profile) -> Vec<Receipt> {
    let head = letterhead();
    vec![
        answer_sheet(profile, &head, &faq(), None).expect("answer"),
        procedure_sheet(profile, &head, &procedure()).expect("procedure"),
        incident_ticket(profile, &head, &incident()).expect("incident"),
        test_page(profile, &head).expect("test page"),
    ]
}

/// A fresh path for a simulated printer's symlink.
pub fn link_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("printer")
}

/// Polls `cond` every 10 ms until it is true or `timeout` passes; returns the time it took.
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if cond() {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

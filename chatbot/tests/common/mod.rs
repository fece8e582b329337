//! A small commune built in code for the tests: a few FAQ entries, synonyms and two services.

#![allow(dead_code)]

use borne_content::{Commune, Content, FaqEntry, Service, ServiceHours, SynonymGroup};
use chrono::{DateTime, TimeZone};
use chrono_tz::Tz;

pub fn entry(id: &str, question: &str, answer: &str, keywords: &[&str]) -> FaqEntry {
    FaqEntry {
        id: id.to_string(),
        question: question.to_string(),
        answer: answer.to_string(),
        alternatives: Vec::new(),
        keywords: keywords.iter().map(|k| (*k).to_string()).collect(),
        category: None,
        link: None,
    }
}

pub fn faq() -> Vec<FaqEntry> {
    vec![
        entry(
            "cni-perte",
            "J'ai perdu ma carte nationale d'identité, que faire ?",
            "Déclarez la perte en mairie puis faites une nouvelle demande de carte d'identité sur rendez-vous.",
            &["perte", "vol", "identité"],
        ),
        entry(
            "passeport-demande",
            "Comment faire une demande de passeport ?",
            "Faites une pré-demande en ligne puis prenez rendez-vous au guichet des titres sécurisés.",
            &["passeport", "titre de voyage"],
        ),
        entry(
            "acte-naissance",
            "Comment obtenir un acte de naissance ?",
            "Demandez une copie intégrale ou un extrait à la mairie du lieu de naissance, sur place ou en ligne.",
            &["état civil", "naissance", "extrait"],
        ),
        entry(
            "mediatheque-inscription",
            "Comment s'inscrire à la médiathèque ?",
            "Présentez-vous à l'accueil de la médiathèque avec un justificatif de domicile ; l'inscription est gratuite.",
            &["bibliothèque", "abonnement", "carte de lecteur"],
        ),
        entry(
            "encombrants",
            "Comment se débarrasser des encombrants ?",
            "Déposez-les à la déchèterie ou demandez un enlèvement gratuit au service propreté.",
            &["déchèterie", "meubles", "matelas"],
        ),
        entry(
            "liste-electorale",
            "Comment s'inscrire sur la liste électorale ?",
            "Inscrivez-vous en ligne ou en mairie avec une pièce d'identité et un justificatif de domicile.",
            &["élections", "vote", "inscription"],
        ),
        entry(
            "cantine",
            "Comment inscrire mon enfant à la cantine scolaire ?",
            "L'inscription à la restauration scolaire se fait sur le portail famille avant la rentrée.",
            &["restauration scolaire", "repas", "école"],
        ),
    ]
}

pub fn paris(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Tz> {
    chrono_tz::Europe::Paris.with_ymd_and_hms(y, mo, d, h, mi, 0).single().expect("valid local time")
}

pub fn service(id: &str, name: &str, aliases: &[&str], hours: &str) -> Service {
    Service {
        id: id.to_string(),
        name: name.to_string(),
        aliases: aliases.iter().map(|a| (*a).to_string()).collect(),
        category: None,
        address: None,
        phone: None,
        hours: ServiceHours::new(hours, Vec::new(), chrono_tz::Europe::Paris, "FR").expect("valid hours"),
    }
}

pub fn content() -> Content {
    Content {
        services: vec![
            service(
                "mairie",
                "Mairie",
                &["hôtel de ville"],
                "Mo-Fr 08:30-12:00,13:30-17:30; Sa 09:00-12:00; PH off",
            ),
            service(
                "mediatheque",
                "Médiathèque Jules Verne",
                &["médiathèque", "bibliothèque", "biblio"],
                "Tu,Th,Fr 14:00-18:00; We,Sa 10:00-18:00; PH off",
            ),
        ],
        synonyms: vec![SynonymGroup { terms: vec!["déchetterie".to_string(), "déchèterie".to_string()] }],
        ..Content::from_faq(
            Commune::minimal("Testville", "l'accueil de la mairie, 01 23 45 67 89"),
            faq(),
            "tests",
        )
    }
}

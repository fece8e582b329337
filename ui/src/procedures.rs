//! The "Démarches" screen's data: the catalogue of the content's procedures grouped by theme (in
//! the order the commune wrote them), and the page of one procedure with the service that handles
//! it and the QR code of its online page.

use borne_content::{Content, Procedure};
use slint::{ModelRc, SharedString, VecModel};

use crate::generated::{ProcedureDetail, ProcedureItem, ProcedureTheme};
use crate::qr::qr_image;

/// Smallest side of a procedure's QR code on screen, in pixels: big enough to scan from a phone.
pub const QR_PX: u32 = 320;

/// The procedures of `content` grouped by theme: themes in order of first appearance, procedures
/// in the content's order within each theme.
pub fn grouped(content: &Content) -> Vec<(&str, Vec<&Procedure>)> {
    let mut themes: Vec<(&str, Vec<&Procedure>)> = Vec::new();
    for procedure in &content.procedures {
        match themes.iter_mut().find(|(name, _)| *name == procedure.theme) {
            Some((_, list)) => list.push(procedure),
            None => themes.push((procedure.theme.as_str(), vec![procedure])),
        }
    }
    themes
}

/// The catalogue rows of the "Démarches" screen.
pub fn themes(content: &Content) -> Vec<ProcedureTheme> {
    grouped(content)
        .into_iter()
        .map(|(name, procedures)| ProcedureTheme {
            name: name.into(),
            procedures: ModelRc::new(VecModel::from(
                procedures
                    .into_iter()
                    .map(|p| ProcedureItem { id: p.id.as_str().into(), title: p.title.as_str().into() })
                    .collect::<Vec<_>>(),
            )),
        })
        .collect()
}

/// Who handles `procedure`: the service's name, address and phone on one line, or "" when the
/// procedure names no service (or one the content does not have).
pub fn service_text(content: &Content, procedure: &Procedure) -> String {
    let Some(service) = procedure.service.as_deref().and_then(|id| content.service(id)) else {
        return String::new();
    };
    [Some(service.name.as_str()), service.address.as_deref(), service.phone.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The page of the procedure `id`, or `None` when the content has no such procedure.
pub fn detail(content: &Content, id: &str) -> Option<ProcedureDetail> {
    let procedure = content.procedure(id)?;
    let strings = |list: &[String]| -> ModelRc<SharedString> {
        ModelRc::new(VecModel::from(list.iter().map(|s| SharedString::from(s.as_str())).collect::<Vec<_>>()))
    };
    Some(ProcedureDetail {
        id: procedure.id.as_str().into(),
        title: procedure.title.as_str().into(),
        theme: procedure.theme.as_str().into(),
        summary: procedure.summary.as_str().into(),
        steps: strings(&procedure.steps),
        documents: strings(&procedure.documents),
        service: service_text(content, procedure).into(),
        cost: procedure.cost.clone().unwrap_or_default().into(),
        link: procedure.link.clone().unwrap_or_default().into(),
        qr: procedure.link.as_deref().map(|link| qr_image(link, QR_PX)).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use borne_content::{ContentSource, ContentStore};
    use slint::Model;

    fn demo() -> std::sync::Arc<Content> {
        let (store, _) = ContentStore::open(ContentSource::Embedded, None).expect("demo content");
        store.current()
    }

    #[test]
    fn every_procedure_is_listed_once_under_its_theme() {
        let content = demo();
        let themes = themes(&content);
        let mut names: Vec<String> = themes.iter().map(|t| t.name.to_string()).collect();
        names.dedup();
        assert_eq!(names.len(), themes.len(), "a theme appears once: {names:?}");
        let listed: usize = themes.iter().map(|t| t.procedures.row_count()).sum();
        assert_eq!(listed, content.procedures.len());
        for theme in &themes {
            for item in theme.procedures.iter() {
                let p = content.procedure(&item.id).expect("listed procedure exists");
                assert_eq!(p.theme, theme.name.as_str());
                assert_eq!(p.title, item.title.as_str());
            }
        }
        assert_eq!(themes[0].name, content.procedures[0].theme.as_str(), "content order kept");
    }

    #[test]
    fn the_page_has_the_steps_documents_service_and_a_qr_code_of_the_link() {
        let content = demo();
        let p = content.procedures.iter().find(|p| p.link.is_some() && p.service.is_some()).expect("one");
        let page = detail(&content, &p.id).expect("page");
        assert_eq!(page.steps.iter().map(|s| s.to_string()).collect::<Vec<_>>(), p.steps);
        assert_eq!(page.documents.row_count(), p.documents.len());
        let service = content.service(p.service.as_deref().expect("service")).expect("service exists");
        assert!(page.service.starts_with(service.name.as_str()), "{}", page.service);
        assert_eq!(page.link, p.link.as_deref().expect("link"));
        assert!(page.qr.size().width >= QR_PX, "{:?}", page.qr.size());
        assert!(detail(&content, "no-such-procedure").is_none());
    }
}

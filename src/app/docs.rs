//! The app's side of the Documents pane: loading the list when the pane
//! is first shown, opening a document, stepping through its versions and
//! formats, and reloading the list (coalesced) when documents change.

use sysman_api::documents::DocumentType;
use sysman_backend::Event;

use super::{App, BackendMsg, Effect};
use crate::keys::Command;
use crate::panes::PaneId;
use crate::panes::documents::{DocDetail, header_lines};

impl App {
    fn load_documents(&mut self) -> Effect {
        let request = self.request_id();
        self.docs_request = Some(request);
        self.docs_stale = false;
        Effect::LoadAllDocuments { request }
    }

    /// The pane came into view: load the list the first time.
    pub(super) fn enter_documents(&mut self) -> Vec<Effect> {
        if self.documents.loaded || self.docs_request.is_some() {
            return Vec::new();
        }
        vec![self.load_documents()]
    }

    pub(super) fn settle_documents(&mut self) {
        let rows = usize::from(self.size.1);
        if let Some(d) = &mut self.documents.detail {
            // Header, borders, footer and the detail's own lines.
            d.page = rows.saturating_sub(6 + header_lines(d)).max(1);
            d.scroll = d.scroll.min(d.content_lines().saturating_sub(d.page));
        }
        self.documents.settle();
    }

    pub(super) fn open_document(&mut self) -> Vec<Effect> {
        let Some(doc) = self.documents.selected() else {
            return Vec::new();
        };
        let name = doc.name.clone();
        let mut detail = DocDetail::new(name.clone());
        let (describe, content) = (self.request_id(), self.request_id());
        detail.describe_request = Some(describe);
        detail.content_request = Some(content);
        self.documents.detail = Some(Box::new(detail));
        vec![
            Effect::LoadDocumentDetail {
                request: describe,
                name: name.clone(),
            },
            Effect::LoadDocumentContent {
                request: content,
                name,
                version: None,
                format: None,
            },
        ]
    }

    pub(super) fn scroll_document(&mut self, command: Command) {
        let Some(d) = &mut self.documents.detail else {
            return;
        };
        let page = d.page as isize;
        match command {
            Command::Up => d.scroll_by(-1),
            Command::Down => d.scroll_by(1),
            Command::PageUp => d.scroll_by(-page),
            Command::PageDown => d.scroll_by(page),
            Command::Top => d.scroll = 0,
            _ => d.bottom(),
        }
    }

    fn load_content(&mut self) -> Vec<Effect> {
        let request = self.request_id();
        let Some(d) = &mut self.documents.detail else {
            return Vec::new();
        };
        d.content_request = Some(request);
        vec![Effect::LoadDocumentContent {
            request,
            name: d.name.clone(),
            version: d.version.clone(),
            format: d.format,
        }]
    }

    pub(super) fn step_version(&mut self, forward: bool) -> Vec<Effect> {
        let Some(d) = &mut self.documents.detail else {
            return Vec::new();
        };
        match d.step_version(forward) {
            Some(version) if d.versions.len() > 1 => {
                d.version = Some(version);
                d.scroll = 0;
                self.load_content()
            }
            Some(_) => {
                self.set_status("this document has one version", false);
                Vec::new()
            }
            None => Vec::new(),
        }
    }

    pub(super) fn toggle_format(&mut self) -> Vec<Effect> {
        let Some(d) = &mut self.documents.detail else {
            return Vec::new();
        };
        d.format = Some(d.toggled_format());
        d.scroll = 0;
        self.load_content()
    }

    /// `R`: the send form on the open or selected document.
    pub(super) fn run_document(&mut self) -> Vec<Effect> {
        let (name, kind) = match &self.documents.detail {
            Some(d) => (
                d.name.clone(),
                d.description.as_ref().map(|desc| desc.document_type),
            ),
            None => match self.documents.selected() {
                Some(doc) => (doc.name.clone(), Some(doc.document_type)),
                None => return Vec::new(),
            },
        };
        if let Some(kind) = kind.filter(|k| *k != DocumentType::Command) {
            self.set_status(
                format!(
                    "{name} is a {} document: only Command documents run on nodes",
                    kind.as_str()
                ),
                true,
            );
            return Vec::new();
        }
        self.open_send_form_for(&name)
    }

    /// A document changed: mark the list, and the open one, for the next
    /// flush. Events alone call nothing.
    pub(super) fn on_document_event(&mut self, event: &Event) -> Vec<Effect> {
        match event {
            Event::DocumentChanged { name } | Event::DocumentDeleted { name } => {
                self.docs_stale = true;
                if let Some(d) = &mut self.documents.detail
                    && &d.name == name
                {
                    d.stale = true;
                }
            }
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn documents_need_flush(&self) -> bool {
        let list = self.docs_stale && self.documents.loaded && self.docs_request.is_none();
        let detail = self
            .documents
            .detail
            .as_ref()
            .is_some_and(|d| d.stale && d.describe_request.is_none());
        list || detail
    }

    /// At most one reload of the list and one of the open document.
    pub(super) fn flush_documents(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        if self.docs_stale && self.documents.loaded && self.docs_request.is_none() {
            effects.push(self.load_documents());
        }
        let request = self.request_id();
        if let Some(d) = &mut self.documents.detail
            && d.stale
            && d.describe_request.is_none()
        {
            d.stale = false;
            d.describe_request = Some(request);
            effects.push(Effect::LoadDocumentDetail {
                request,
                name: d.name.clone(),
            });
        }
        effects
    }

    pub(super) fn reload_documents_after_lag(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        if self.documents.loaded || self.docs_request.is_some() {
            effects.push(self.load_documents());
        }
        if let Some(d) = &mut self.documents.detail {
            d.stale = true;
        }
        effects.extend(self.flush_documents());
        effects
    }

    pub(super) fn on_documents_msg(&mut self, msg: BackendMsg) -> Vec<Effect> {
        match msg {
            BackendMsg::AllDocumentsLoaded { request, result } => {
                if self.docs_request != Some(request) {
                    return Vec::new();
                }
                self.docs_request = None;
                match result {
                    Ok(list) => {
                        self.documents.replace_all(list);
                        if self.pane == PaneId::Documents {
                            self.settle();
                        }
                    }
                    Err(e) => self.set_status(format!("could not list documents: {e}"), true),
                }
            }
            BackendMsg::DocumentDetailLoaded { request, result } => {
                let Some(d) = &mut self.documents.detail else {
                    return Vec::new();
                };
                if d.describe_request != Some(request) {
                    return Vec::new();
                }
                d.describe_request = None;
                match result.map(|b| *b) {
                    Ok((description, versions)) => {
                        if d.version.is_none() {
                            d.version = Some(description.default_version.clone());
                        }
                        d.description = Some(description);
                        d.versions = versions;
                        d.error = None;
                    }
                    Err(e) if d.description.is_none() => d.error = Some(e),
                    Err(e) => self.set_status(format!("could not reload: {e}"), true),
                }
            }
            BackendMsg::DocumentContentLoaded { request, result } => {
                let Some(d) = &mut self.documents.detail else {
                    return Vec::new();
                };
                if d.content_request != Some(request) {
                    return Vec::new();
                }
                d.content_request = None;
                match result {
                    Ok(got) => {
                        d.version = Some(got.document_version.clone());
                        d.content = Some((got.content, got.document_format));
                    }
                    Err(e) => self.set_status(format!("could not read the content: {e}"), true),
                }
            }
            _ => {}
        }
        Vec::new()
    }
}

//! What the Documents pane does: the list, loaded the first time the pane
//! is shown; a document's description, versions and content; and reloads
//! (coalesced, at the next flush) when documents change.

use super::keys;
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use sysman_api::documents::{
    DescribeDocument, DocumentDescription, DocumentIdentifier, DocumentType, DocumentVersionInfo,
    GetDocument, ListDocumentVersions, ListDocuments,
};
use sysman_api::events::Event;
use sysman_api::{ApiError, Timestamp};

use super::{DocDetail, DocumentsPane, header_lines};
use crate::app::{Ask, Dialog};
use crate::describe::Described as Describing;
use crate::keys::{Command, Scope};
use crate::pager::SearchPrompt;
use crate::panes::{Handled, Pane, Room};
use crate::request::{Cx, Loads};
use crate::runtime::Connection;
use crate::runtime::job::{EveryPage, Job, Paged};
use crate::table::TableView;
use crate::theme::Theme;

/// The slots of the list's load, and of the open document's.
const LIST: &str = "documents";
const DESCRIBE: &str = "describe";
const CONTENT: &str = "content";

impl Paged for ListDocuments {
    type Item = DocumentIdentifier;

    fn at(&self, next_token: Option<String>) -> Self {
        ListDocuments {
            next_token,
            ..self.clone()
        }
    }

    fn split(page: Self::Output) -> (Vec<DocumentIdentifier>, Option<String>) {
        (page.document_identifiers, page.next_token)
    }
}

impl Paged for ListDocumentVersions {
    type Item = DocumentVersionInfo;

    fn at(&self, next_token: Option<String>) -> Self {
        ListDocumentVersions {
            next_token,
            ..self.clone()
        }
    }

    fn split(page: Self::Output) -> (Vec<DocumentVersionInfo>, Option<String>) {
        (page.document_versions, page.next_token)
    }
}

/// Every document of every type.
fn every_document() -> EveryPage<ListDocuments> {
    EveryPage(ListDocuments {
        max_results: Some(50),
        ..ListDocuments::default()
    })
}

/// A document's description and every version of it, oldest first.
struct Described {
    name: String,
}

impl Job for Described {
    type Output = Result<(DocumentDescription, Vec<DocumentVersionInfo>), ApiError>;

    fn name(&self) -> &'static str {
        "DescribeDocumentWithVersions"
    }

    async fn run(self, connection: &Connection) -> Self::Output {
        let describe = DescribeDocument {
            name: self.name.clone(),
            ..DescribeDocument::default()
        };
        let description = connection.call(describe).await?.document;
        let versions = EveryPage(ListDocumentVersions {
            name: self.name,
            max_results: Some(50),
            next_token: None,
        });
        let mut versions = versions.run(connection).await?;
        versions.sort_by_key(|v| v.document_version.parse::<u64>().unwrap_or(0));
        Ok((description, versions))
    }
}

impl DocumentsPane {
    fn load(&mut self, cx: &mut Cx) {
        self.list_stale = false;
        cx.load(LIST, every_document(), Self::loaded);
    }

    fn loaded(&mut self, result: Result<Vec<DocumentIdentifier>, ApiError>, cx: &mut Cx) {
        match result {
            Ok(list) => {
                self.replace_all(list);
                if cx.shown {
                    self.sort_and_filter();
                }
            }
            Err(e) => cx.set_status(format!("could not list documents: {e}"), true),
        }
    }

    fn describe(&mut self, name: String, cx: &mut Cx) {
        cx.load(
            DESCRIBE,
            Described { name },
            |pane: &mut Self, result, cx| {
                let Some(d) = &mut pane.detail else { return };
                match result {
                    Ok((description, versions)) => {
                        if d.version.is_none() {
                            d.version = Some(description.default_version.clone());
                        }
                        d.description = Some(description);
                        d.versions = versions;
                        d.error = None;
                    }
                    Err(e) if d.description.is_none() => d.error = Some(e.to_string()),
                    Err(e) => cx.set_status(format!("could not reload: {e}"), true),
                }
            },
        );
    }

    /// The open document's content: the version and format it shows.
    fn load_content(&mut self, cx: &mut Cx) {
        let Some(d) = &self.detail else { return };
        let get = GetDocument {
            name: d.name.clone(),
            version_name: None,
            document_version: d.version.clone(),
            document_format: d.format.map(|f| f.as_str().to_owned()),
        };
        cx.load(CONTENT, get, |pane: &mut Self, result, cx| {
            let Some(d) = &mut pane.detail else { return };
            match result {
                Ok(got) => {
                    d.version = Some(got.document_version.clone());
                    d.show(got.content, got.document_format);
                }
                Err(e) => cx.set_status(format!("could not read the content: {e}"), true),
            }
        });
    }

    fn open(&mut self, cx: &mut Cx) {
        let Some(doc) = self.selected() else { return };
        let name = doc.name.clone();
        self.detail = Some(Box::new(DocDetail::new(name.clone())));
        self.describe(name, cx);
        self.load_content(cx);
    }

    fn scroll(&mut self, command: Command) -> Handled {
        let Some(d) = &mut self.detail else {
            return Handled::No;
        };
        let pager = &mut d.pager;
        let page = pager.page as isize;
        match command {
            Command::UP => pager.scroll_by(-1),
            Command::DOWN => pager.scroll_by(1),
            Command::PAGE_UP => pager.scroll_by(-page),
            Command::PAGE_DOWN => pager.scroll_by(page),
            Command::TOP => pager.top(),
            Command::NEXT_MATCH => pager.step_match(true),
            Command::PREV_MATCH => pager.step_match(false),
            Command::TOGGLE_WRAP => pager.toggle_wrap(),
            _ => pager.bottom(),
        }
        Handled::Yes
    }

    fn step_version(&mut self, forward: bool, cx: &mut Cx) {
        let Some(d) = &mut self.detail else { return };
        match d.step_version(forward) {
            Some(version) if d.versions.len() > 1 => {
                d.version = Some(version);
                d.pager.top();
                self.load_content(cx);
            }
            Some(_) => cx.set_status("this document has one version", false),
            None => {}
        }
    }

    fn toggle_format(&mut self, cx: &mut Cx) {
        let Some(d) = &mut self.detail else { return };
        d.format = Some(d.toggled_format());
        d.pager.top();
        self.load_content(cx);
    }
}

impl DocumentsPane {
    /// `R`: the Run Command form on the open or selected document.
    fn run_document(&mut self, cx: &mut Cx) {
        let (name, kind) = match &self.detail {
            Some(d) => (
                d.name.clone(),
                d.description.as_ref().map(|desc| desc.document_type),
            ),
            None => match self.selected() {
                Some(doc) => (doc.name.clone(), Some(doc.document_type)),
                None => return,
            },
        };
        if let Some(kind) = kind.filter(|k| *k != DocumentType::Command) {
            cx.set_status(
                format!(
                    "{name} is a {} document: only Command documents run on nodes",
                    kind.as_str()
                ),
                true,
            );
            return;
        }
        cx.ask(Ask::RunDocument(name));
    }
}

impl Pane for DocumentsPane {
    fn scopes(&self) -> Vec<Scope> {
        match self.detail {
            Some(_) => vec![keys::DOCUMENT],
            None => vec![keys::DOCUMENTS, Scope::TABLE],
        }
    }

    fn table(&self) -> &TableView {
        &self.table
    }

    fn table_mut(&mut self) -> &mut TableView {
        &mut self.table
    }

    fn in_table(&self) -> bool {
        self.detail.is_none()
    }

    /// The list loads the first time the pane is shown.
    fn enter(&mut self, cx: &mut Cx) {
        if !self.loaded && !cx.loading(LIST) {
            self.load(cx);
        }
    }

    fn handle(&mut self, command: Command, cx: &mut Cx) -> Handled {
        match command {
            Command::UP
            | Command::DOWN
            | Command::PAGE_UP
            | Command::PAGE_DOWN
            | Command::TOP
            | Command::BOTTOM
            | Command::NEXT_MATCH
            | Command::PREV_MATCH
            | Command::TOGGLE_WRAP => return self.scroll(command),
            Command::SEARCH if self.detail.is_some() => cx.open(SearchPrompt::default()),
            // A search is cleared first, as a filter is.
            Command::BACK
                if self
                    .detail
                    .as_ref()
                    .is_some_and(|d| !d.pager.term().is_empty()) =>
            {
                if let Some(d) = &mut self.detail {
                    d.pager.clear_search();
                }
            }
            Command::BACK if self.detail.is_some() => self.detail = None,
            Command::OPEN => self.open(cx),
            keys::NEXT_VERSION | keys::PREV_VERSION => {
                self.step_version(command == keys::NEXT_VERSION, cx)
            }
            keys::TOGGLE_FORMAT => self.toggle_format(cx),
            keys::RUN_DOCUMENT => self.run_document(cx),
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn on_dialog_key(&mut self, dialog: Dialog, event: KeyEvent, cx: &mut Cx) {
        match (dialog.take::<SearchPrompt>(), &mut self.detail) {
            (Ok(mut prompt), Some(d)) => {
                if prompt.key(event, &mut d.pager) {
                    cx.open(prompt);
                }
            }
            (Ok(_), None) => {}
            (Err(dialog), _) => cx.reopen(dialog),
        }
    }

    fn render_dialog(&self, dialog: &Dialog, frame: &mut Frame, area: Rect, theme: &Theme) {
        if let (Some(prompt), Some(d)) = (dialog.get::<SearchPrompt>(), &self.detail) {
            prompt.render(frame, area, theme, &d.pager);
        }
    }

    /// A document changed: the list, and the open one if it is this one,
    /// reload at the next flush. Events alone call nothing.
    fn follows(&self, event: &Event) -> bool {
        matches!(
            event,
            Event::DocumentChanged { .. } | Event::DocumentDeleted { .. }
        )
    }

    fn on_event(&mut self, event: &Event, _cx: &mut Cx) {
        if let Event::DocumentChanged { name } | Event::DocumentDeleted { name } = event {
            self.list_stale = true;
            if let Some(d) = &mut self.detail
                && &d.name == name
            {
                d.stale = true;
            }
        }
    }

    fn on_lagged(&mut self, cx: &mut Cx) {
        if self.loaded || cx.loading(LIST) {
            self.load(cx);
        }
        if let Some(d) = &mut self.detail {
            d.stale = true;
        }
        self.flush(cx);
    }

    fn needs_flush(&self, loads: &Loads) -> bool {
        let list = self.list_stale && self.loaded && !loads.loading(LIST);
        let detail = self
            .detail
            .as_ref()
            .is_some_and(|d| d.stale && !loads.loading(DESCRIBE));
        list || detail
    }

    /// At most one reload of the list and one of the open document.
    fn flush(&mut self, cx: &mut Cx) {
        if self.list_stale && self.loaded && !cx.loading(LIST) {
            self.load(cx);
        }
        if let Some(d) = &mut self.detail
            && d.stale
            && !cx.loading(DESCRIBE)
        {
            d.stale = false;
            let name = d.name.clone();
            self.describe(name, cx);
        }
    }

    fn settle(&mut self, room: &Room) {
        self.table.set_page(room.page);
        let rows = usize::from(room.size.1);
        if let Some(d) = &mut self.detail {
            // Header, borders, footer and the detail's own lines.
            let page = rows.saturating_sub(5 + header_lines(d)).max(1);
            d.pager
                .layout(usize::from(room.size.0.saturating_sub(2)), page);
        }
        self.sort_and_filter();
    }

    fn describe(&self) -> Option<Describing> {
        match &self.detail {
            Some(d) => Describing::of(&d.name, d.description.as_ref()?),
            None => {
                let d = self.selected()?;
                Describing::of(&d.name, d)
            }
        }
    }

    fn crumbs(&self, crumbs: &mut Vec<String>) {
        if let Some(d) = &self.detail {
            crumbs.push(d.name.clone());
        }
    }

    fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme, now: Timestamp) {
        self.draw(frame, area, theme, now);
    }
}

//! Documents: every SSM document the backend knows, read-only. The list
//! comes from ListDocuments; a detail shows DescribeDocument and the
//! content of one version, as JSON or YAML.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table};
use sysman_api::Timestamp;
use sysman_api::documents::{
    DocumentDescription, DocumentFormat, DocumentIdentifier, DocumentVersionInfo,
};

use crate::filter;
use crate::pager::Pager;
use crate::table::TableView;
use crate::theme::Theme;

pub mod keys;
mod update;

pub const COLUMNS: [&str; 7] = [
    "NAME",
    "OWNER",
    "TYPE",
    "PLATFORMS",
    "DEFAULT",
    "FORMAT",
    "TAGS",
];
/// Minimum width and priority of each column (lower stays longer).
const FIT: [(u16, u8); 7] = [(24, 0), (14, 2), (14, 1), (22, 4), (8, 3), (7, 5), (5, 6)];

/// Platforms as one cell: `Linux, Windows`.
fn platforms(list: &[sysman_api::fleet::PlatformType]) -> String {
    list.iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn cells(d: &DocumentIdentifier) -> [String; 7] {
    [
        d.name.clone(),
        d.owner.clone(),
        d.document_type.as_str().to_owned(),
        platforms(&d.platform_types),
        d.document_version.clone(),
        d.document_format.as_str().to_owned(),
        d.tags.len().to_string(),
    ]
}

/// An open document, filled in as the backend answers.
#[derive(Debug, Clone, PartialEq)]
pub struct DocDetail {
    pub name: String,
    pub description: Option<DocumentDescription>,
    /// Every version, oldest first.
    pub versions: Vec<DocumentVersionInfo>,
    /// The version shown; `None` until the description says the default.
    pub version: Option<String>,
    /// The format asked for; `None`: the stored one.
    pub format: Option<DocumentFormat>,
    /// The content shown and the format it came in.
    pub content: Option<(String, DocumentFormat)>,
    pub error: Option<String>,
    /// The document changed since it was described.
    pub stale: bool,
    /// The content's lines: scrolling, wrapping, searching.
    pub pager: Pager<()>,
}

impl DocDetail {
    pub fn new(name: String) -> Self {
        Self {
            name,
            description: None,
            versions: Vec::new(),
            version: None,
            format: None,
            content: None,
            error: None,
            stale: false,
            // Documents were always shown cut at the width; `w` wraps.
            pager: Pager::new().cut(),
        }
    }

    /// Content arrived: show it, searched as before.
    pub fn show(&mut self, content: String, format: DocumentFormat) {
        self.pager
            .set_lines(content.lines().map(|l| ((), l.to_owned())).collect());
        self.content = Some((content, format));
    }

    /// The version after (or before) the shown one, wrapping around.
    pub fn step_version(&self, forward: bool) -> Option<String> {
        if self.versions.is_empty() {
            return None;
        }
        let n = self.versions.len();
        let at = self
            .version
            .as_ref()
            .and_then(|v| self.versions.iter().position(|x| &x.document_version == v))
            .unwrap_or(0);
        let next = if forward {
            (at + 1) % n
        } else {
            (at + n - 1) % n
        };
        Some(self.versions[next].document_version.clone())
    }

    /// The format `y` switches to: YAML from JSON, JSON from anything else.
    pub fn toggled_format(&self) -> DocumentFormat {
        match self.content.as_ref().map(|(_, f)| *f) {
            Some(DocumentFormat::Json) => DocumentFormat::Yaml,
            _ => DocumentFormat::Json,
        }
    }
}

pub struct DocumentsPane {
    pub list: Vec<DocumentIdentifier>,
    texts: Vec<filter::RowText>,
    pub table: TableView,
    pub detail: Option<Box<DocDetail>>,
    pub loaded: bool,
    /// A document changed since the list was loaded.
    list_stale: bool,
    matcher: filter::Matcher,
}

impl Default for DocumentsPane {
    fn default() -> Self {
        Self {
            list: Vec::new(),
            texts: Vec::new(),
            table: TableView::new(&COLUMNS),
            detail: None,
            loaded: false,
            list_stale: false,
            matcher: filter::matcher(),
        }
    }
}

impl DocumentsPane {
    pub fn replace_all(&mut self, mut list: Vec<DocumentIdentifier>) {
        let held = self.selected().map(|d| d.name.clone());
        self.table.hold(held);
        list.sort_by(|a, b| a.name.cmp(&b.name));
        self.texts = list
            .iter()
            .map(|d| {
                filter::RowText::with_tags(
                    cells(d).iter().map(String::as_str),
                    d.tags.iter().map(|t| (t.key.as_str(), t.value.as_str())),
                )
            })
            .collect();
        self.list = list;
        self.loaded = true;
        self.table.dirty = true;
    }

    pub fn selected(&self) -> Option<&DocumentIdentifier> {
        self.table.selected_row().and_then(|i| self.list.get(i))
    }

    fn sort_and_filter(&mut self) {
        if !self.table.dirty {
            return;
        }
        self.table.dirty = false;
        let list = &self.list;
        let keep = self
            .table
            .kept_row(|name| list.iter().position(|d| d.name == name));
        let column = self.table.sort_column;
        let order = self.table.filter.arrange(
            &mut self.matcher,
            0..list.len(),
            |i| &self.texts[i],
            |x, y| {
                let (a, b) = (&list[x], &list[y]);
                let by = match column {
                    1 => a.owner.cmp(&b.owner),
                    2 => a.document_type.cmp(&b.document_type),
                    3 => platforms(&a.platform_types).cmp(&platforms(&b.platform_types)),
                    4 => version_number(&a.document_version)
                        .cmp(&version_number(&b.document_version)),
                    5 => a.document_format.cmp(&b.document_format),
                    6 => a.tags.len().cmp(&b.tags.len()),
                    _ => std::cmp::Ordering::Equal,
                };
                self.table.directed(by.then_with(|| a.name.cmp(&b.name)))
            },
        );
        self.table.set_order(order, keep);
    }

    fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme, now: Timestamp) {
        match &self.detail {
            Some(detail) => render_detail(frame, area, theme, now, detail),
            None => self.render_table(frame, area, theme),
        }
    }

    fn render_table(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let title = if self.table.filter.is_empty() {
            format!(" Documents [{}] ", self.list.len())
        } else {
            format!(
                " Documents [{} of {}] ",
                self.table.order.len(),
                self.list.len()
            )
        };
        let block = crate::ui::pane_block(theme, title);
        if !self.loaded || self.list.is_empty() {
            let text = if self.loaded {
                "No documents."
            } else {
                "Loading documents…"
            };
            crate::ui::placeholder(frame, area, block, text, theme);
            return;
        }
        let columns = crate::table::fit_columns(&FIT, area.width.saturating_sub(2));
        let header = Row::new(columns.iter().map(|&c| self.table.heading(c, COLUMNS[c])))
            .style(theme.header);
        let rows = self.table.visible().iter().enumerate().map(|(i, &r)| {
            let d = &self.list[r];
            let selected = self.table.offset + i == self.table.selected;
            let cells = cells(d);
            let amazon = d.owner == "Amazon";
            Row::new(columns.iter().map(|&c| {
                let style = if c == 1 && amazon && !selected {
                    theme.muted
                } else {
                    Style::default()
                };
                Line::styled(cells[c].clone(), style)
            }))
            .style(if selected {
                theme.selection
            } else {
                Style::default()
            })
        });
        let widths = columns.iter().map(|&c| {
            if c == 0 {
                Constraint::Min(FIT[c].0)
            } else {
                Constraint::Length(FIT[c].0)
            }
        });
        frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
    }
}

/// `"12"` -> 12, for sorting versions as numbers.
fn version_number(v: &str) -> u64 {
    v.parse().unwrap_or(0)
}

/// Lines above the content in the detail: what `page` leaves for it.
pub fn header_lines(detail: &DocDetail) -> usize {
    let params = detail
        .description
        .as_ref()
        .map_or(0, |d| d.parameters.len());
    // Type/owner, platforms, versions, hash, description, blank,
    // "Parameters", the parameters, blank.
    7 + params.max(1) + 1
}

fn render_detail(frame: &mut Frame, area: Rect, theme: &Theme, now: Timestamp, d: &DocDetail) {
    let title = match &d.version {
        Some(v) => format!(" {} (version {v}) ", d.name),
        None => format!(" {} ", d.name),
    };
    let block = crate::ui::pane_block(theme, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if let Some(error) = &d.error {
        frame.render_widget(Paragraph::new(error.clone()).style(theme.error), inner);
        return;
    }
    let Some(desc) = &d.description else {
        frame.render_widget(Paragraph::new("Loading…").style(theme.muted), inner);
        return;
    };
    let label = |text: &str| Span::styled(format!("{text:<12}"), theme.muted);
    let mut lines = vec![
        Line::from(vec![
            label("Type"),
            Span::raw(format!(
                "{} · schema {} · owner {} · created {} ago",
                desc.document_type.as_str(),
                desc.schema_version,
                desc.owner,
                super::age(now.millis_since(desc.created_date))
            )),
        ]),
        Line::from(vec![
            label("Platforms"),
            Span::raw(platforms(&desc.platform_types)),
        ]),
        Line::from(vec![
            label("Versions"),
            Span::raw(format!(
                "default {} · latest {} · {} in all",
                desc.default_version,
                desc.latest_version,
                d.versions.len()
            )),
        ]),
        Line::from(vec![
            label("Hash"),
            Span::raw(format!("{} {}", desc.hash_type, desc.hash)),
        ]),
        Line::from(vec![
            label("Description"),
            Span::raw(desc.description.clone().unwrap_or_default()),
        ]),
        Line::raw(""),
        Line::styled("Parameters", theme.header),
    ];
    if desc.parameters.is_empty() {
        lines.push(Line::styled("  none", theme.muted));
    }
    // Names as wide as the longest (InstallOverrideList is 19), so a name
    // never runs into its type.
    let name_width = desc
        .parameters
        .iter()
        .map(|p| p.name.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(12, 32);
    for p in &desc.parameters {
        let default = p
            .default_value
            .as_ref()
            .map(|v| format!(" = {v:?}"))
            .unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<name_width$} ", p.name), theme.accent),
            Span::raw(format!("{:<11}", p.r#type)),
            Span::styled(
                format!("{}{default}", p.description.as_deref().unwrap_or_default()),
                theme.muted,
            ),
        ]));
    }
    let top_height = lines.len() as u16 + 1;
    let [top, bottom] =
        Layout::vertical([Constraint::Length(top_height), Constraint::Min(0)]).areas(inner);
    frame.render_widget(Paragraph::new(lines), top);

    let format = d
        .content
        .as_ref()
        .map_or("…", |(_, f)| f.as_str())
        .to_owned();
    let search = d
        .pager
        .search_status()
        .map(|s| format!(" · {s}"))
        .unwrap_or_default();
    let content_title = format!(
        " Content{} · {format}{search} ",
        d.version
            .as_ref()
            .map(|v| format!(" of version {v}"))
            .unwrap_or_default()
    );
    let content_block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(Span::styled(content_title, theme.title));
    let body: Vec<Line> = match &d.content {
        Some(_) => d
            .pager
            .render(|()| Style::default(), theme.matched, theme.selection),
        None => vec![Line::styled("Loading…", theme.muted)],
    };
    frame.render_widget(Paragraph::new(body).block(content_block), bottom);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(v: &str) -> DocumentVersionInfo {
        DocumentVersionInfo {
            name: "d".into(),
            display_name: None,
            document_version: v.into(),
            version_name: None,
            created_date: Timestamp::from_secs(0),
            is_default_version: v == "1",
            document_format: DocumentFormat::Json,
            status: "Active".into(),
        }
    }

    #[test]
    fn versions_cycle_and_formats_toggle() {
        let mut d = DocDetail::new("d".into());
        assert_eq!(d.step_version(true), None);
        d.versions = vec![version("1"), version("2"), version("3")];
        d.version = Some("3".into());
        assert_eq!(d.step_version(true).as_deref(), Some("1"));
        assert_eq!(d.step_version(false).as_deref(), Some("2"));
        assert_eq!(d.toggled_format(), DocumentFormat::Json);
        d.content = Some(("{}".into(), DocumentFormat::Json));
        assert_eq!(d.toggled_format(), DocumentFormat::Yaml);
    }

    #[test]
    fn scrolling_stops_at_the_last_page() {
        let mut d = DocDetail::new("d".into());
        d.show("a\nb\nc\nd\ne".into(), DocumentFormat::Yaml);
        d.pager.layout(80, 2);
        d.pager.scroll_by(10);
        assert_eq!(d.pager.scroll, 3);
        d.pager.scroll_by(-1);
        assert_eq!(d.pager.scroll, 2);
        d.pager.bottom();
        assert_eq!(d.pager.scroll, 3);
    }
}

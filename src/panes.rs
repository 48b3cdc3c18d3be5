//! The console's panes. Each implements [`Pane`]: it owns its data, its
//! table state, its keys, the requests it makes and their replies, the
//! events it follows and its drawing; the app only routes to it.
//!
//! A pane is `panes/<pane>.rs` (state, rows, drawing) beside
//! `panes/<pane>/` (`update.rs` for keys, requests and events, and its
//! forms), and one line in `panes!` below, which makes its [`PaneId`]
//! and its place in [`Panes`].

pub mod activations;
pub mod compliance;
pub mod documents;
pub mod fleet;
pub mod parameters;
pub mod patch;
pub mod run_command;

use std::any::Any;
use std::fmt;

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use sysman_api::Timestamp;
use sysman_api::events::Event;

use crate::app::Dialog;
use crate::describe::Described;
use crate::keys::{Command, PaneKeys, Scope};
use crate::request::{Cx, Loads};
use crate::table::TableView;
use crate::theme::Theme;

/// Whether a pane took a key; one it did not take falls through to the
/// keys every pane shares (moving in the table, sorting, going back).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    Yes,
    No,
}

/// The room a pane has to draw in, for [`Pane::settle`].
#[derive(Debug, Clone, Copy)]
pub struct Room {
    /// Rows of a full-height table.
    pub page: usize,
    /// The height of the pane's area.
    pub body: u16,
    /// The whole terminal.
    pub size: (u16, u16),
    pub now: Timestamp,
}

/// One pane of the console. It owns its state, answers its keys, takes the
/// replies to what it asked and the change events it cares about, and
/// draws itself. Updates never await (backend work goes out through
/// [`Cx`]); `render` changes nothing.
pub trait Pane: Any {
    /// The key scopes that apply now, most specific first; the global keys
    /// come after them.
    fn scopes(&self) -> Vec<Scope>;

    /// The table that moving, filtering and sorting act on now.
    fn table(&self) -> &TableView;
    fn table_mut(&mut self) -> &mut TableView;

    /// Whether a table is in view (a detail view shows no filter line).
    fn in_table(&self) -> bool {
        true
    }

    /// Asks for what the pane shows from the start.
    fn start(&mut self, _cx: &mut Cx) {}

    /// Asks for what the pane shows when it comes into view.
    fn enter(&mut self, _cx: &mut Cx) {}

    /// A key's command, in this pane.
    fn handle(&mut self, command: Command, cx: &mut Cx) -> Handled;

    /// A key for a dialog this pane opened; the pane puts the dialog back
    /// (`cx.reopen`) if it stays open.
    fn on_dialog_key(&mut self, dialog: Dialog, _event: KeyEvent, cx: &mut Cx) {
        cx.reopen(dialog);
    }

    /// Draws a dialog this pane opened, over the whole screen.
    fn render_dialog(&self, _dialog: &Dialog, _frame: &mut Frame, _area: Rect, _theme: &Theme) {}

    /// Whether the pane acts on `event`: only those that do are handed
    /// it (a 100,000-node fleet's heartbeats reach the Fleet pane alone).
    fn follows(&self, event: &Event) -> bool;

    /// A change in the backend the pane follows.
    fn on_event(&mut self, _event: &Event, _cx: &mut Cx) {}

    /// A change in the backend, for the pane that sees it last and may
    /// keep it (the Fleet pane keeps each node it is told of).
    fn take_event(&mut self, event: Event, cx: &mut Cx) {
        self.on_event(&event, cx);
    }

    /// Events were lost: reload what could be out of date.
    fn on_lagged(&mut self, _cx: &mut Cx) {}

    /// Marks events left that [`Pane::flush`] would act on.
    fn needs_flush(&self, _loads: &Loads) -> bool {
        false
    }

    /// Acts on the marks events left, with as few requests as can be.
    fn flush(&mut self, _cx: &mut Cx) {}

    /// Brings filtered and sorted rows up to date for the room there is,
    /// before drawing.
    fn settle(&mut self, room: &Room);

    /// The footer's label for `command` where the pane's state changes
    /// it (`tab` says where it goes); `None` keeps the command's own.
    fn hint(&self, _command: Command) -> Option<&'static str> {
        None
    }

    /// What `d` describes: the row under the cursor, or what is open.
    fn describe(&self) -> Option<Described> {
        None
    }

    /// Breadcrumbs past the pane's title: what is open in it.
    fn crumbs(&self, _crumbs: &mut Vec<String>) {}

    fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme, now: Timestamp);
}

/// Declares the panes once: [`PaneId`] with each pane's title, palette
/// names and keys, and [`Panes`], which holds them. The first is the
/// Fleet pane, which the others may read (node names, selections).
macro_rules! panes {
    (
        $fid:ident => $ffield:ident: $fty:ty, $ftitle:literal, [$($falias:literal),+];
        $($id:ident => $field:ident: $ty:ty, $title:literal, [$($alias:literal),+];)+
    ) => {
        /// The panes that exist, in the palette's order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum PaneId {
            $fid,
            $($id,)+
        }

        impl PaneId {
            pub const ALL: &[PaneId] = &[PaneId::$fid, $(PaneId::$id,)+];

            pub fn title(self) -> &'static str {
                match self {
                    PaneId::$fid => $ftitle,
                    $(PaneId::$id => $title,)+
                }
            }

            /// Names the palette accepts, the canonical one first.
            pub fn aliases(self) -> &'static [&'static str] {
                match self {
                    PaneId::$fid => &[$($falias),+],
                    $(PaneId::$id => &[$($alias),+],)+
                }
            }

            /// The scope of the pane's first view, for the palette's hints.
            pub fn scope(self) -> Scope {
                self.keys().scopes[0]
            }

            /// The pane's keys, declared in its folder.
            pub fn keys(self) -> &'static PaneKeys {
                match self {
                    PaneId::$fid => &$ffield::keys::KEYS,
                    $(PaneId::$id => &$field::keys::KEYS,)+
                }
            }
        }

        /// Every pane's keys, in the palette's order.
        pub const KEY_TABLES: &[&PaneKeys] = &[&$ffield::keys::KEYS, $(&$field::keys::KEYS,)+];

        /// Every pane of the console, one field each.
        #[derive(Default)]
        pub struct Panes {
            pub $ffield: $fty,
            $(pub $field: $ty,)+
        }

        impl Panes {
            pub fn get(&self, id: PaneId) -> &dyn Pane {
                match id {
                    PaneId::$fid => &self.$ffield,
                    $(PaneId::$id => &self.$field,)+
                }
            }

            pub fn get_mut(&mut self, id: PaneId) -> &mut dyn Pane {
                match id {
                    PaneId::$fid => &mut self.$ffield,
                    $(PaneId::$id => &mut self.$field,)+
                }
            }

            /// Pane `id`, and the Fleet pane for it to read (none when
            /// `id` is the Fleet pane itself).
            pub fn with_fleet(&mut self, id: PaneId) -> (&mut dyn Pane, Option<&$fty>) {
                match id {
                    PaneId::$fid => (&mut self.$ffield, None),
                    $(PaneId::$id => (&mut self.$field, Some(&self.$ffield)),)+
                }
            }
        }
    };
}

panes! {
    Fleet => fleet: fleet::FleetPane, "Fleet", ["fleet", "nodes", "fm", "fleet-manager", "instances"];
    Activations => activations: activations::ActivationsPane, "Activations", ["activations", "act", "hybrid"];
    Parameters => parameters: parameters::ParametersPane, "Parameters", ["params", "parameters", "ps", "parameter-store"];
    RunCommand => run_command: run_command::RunCommandPane, "Run Command", ["run", "commands", "rc", "run-command"];
    Documents => documents: documents::DocumentsPane, "Documents", ["docs", "documents"];
    Patch => patch: patch::PatchPane, "Patch Manager", ["patch", "patches", "pm", "patch-manager", "baselines"];
    Compliance => compliance: compliance::CompliancePane, "Compliance", ["compliance", "comp"];
}

impl fmt::Display for PaneId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.title())
    }
}

/// `12s`, `5m`, `3h`, `4d`: how long ago, as briefly as a table cell needs.
pub fn age(millis: i64) -> String {
    let secs = millis.max(0) / 1000;
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..172_800 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_are_brief() {
        assert_eq!(age(-5), "0s");
        assert_eq!(age(59_999), "59s");
        assert_eq!(age(60_000), "1m");
        assert_eq!(age(3_600_000), "1h");
        assert_eq!(age(47 * 3_600_000), "47h");
        assert_eq!(age(3 * 86_400_000), "3d");
    }
}

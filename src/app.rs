//! The console's state and its one `update` function: routing only.
//!
//! Terminal keys, backend messages and ticks arrive as [`Msg`]s; `update`
//! hands them to the layer on top or the pane in view (see [`Pane`]) and
//! returns [`Effect`]s (backend calls) for the runtime to carry out, whose
//! replies come back tagged with a request id to the pane that asked.
//! `update` never awaits and `render` (in `ui`) never changes anything, so
//! every screen can be reproduced from a sequence of messages.

mod layer;
mod msg;
mod status;

use std::any::Any;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use sysman_api::Timestamp;

pub use self::layer::{Dialog, Layer};
pub use self::msg::{Ask, BackendMsg, Effect, Link, Msg};
pub use self::status::Status;
use crate::describe::{Describe, Keyed};
use crate::input::TextInput;
use crate::keys::{Command, Key, KeyMap, Lookup, Scope};
pub use crate::palette::Palette;
use crate::palette::{PaletteKey, PaletteTarget};
use crate::panes::fleet::FleetView;
use crate::panes::run_command::RunCommandPane;
use crate::panes::{Handled, Pane, PaneId, Panes, Room};
use crate::request::{Cx, Loads, Requests};
use crate::table::TableView;
use crate::theme::Theme;

pub struct App {
    pub keymap: KeyMap,
    pub theme: Theme,
    pub readonly: bool,
    /// Which backend the console talks to, for the header.
    pub backend_label: String,
    pub now: Timestamp,
    pub pane: PaneId,
    history: Vec<PaneId>,
    pub panes: Panes,
    pub layer: Option<Layer>,
    /// Whether the server is heard from; the header says when it is not.
    pub link: Link,
    /// The filter line while it is being typed.
    pub filter_input: Option<TextInput>,
    pending_keys: Vec<Key>,
    pub status: Option<Status>,
    pub quit: bool,
    pub size: (u16, u16),
    requests: Requests,
    /// What panes asked of the console beyond themselves, this update.
    asks: Vec<Ask>,
}

impl App {
    /// A new console and the loads it needs.
    pub fn new(
        keymap: KeyMap,
        theme: Theme,
        readonly: bool,
        backend_label: String,
        now: Timestamp,
        size: (u16, u16),
    ) -> (App, Vec<Effect>) {
        let mut app = App {
            keymap,
            theme,
            readonly,
            backend_label,
            now,
            pane: PaneId::Fleet,
            history: Vec::new(),
            panes: Panes::default(),
            layer: None,
            link: Link::Up,
            filter_input: None,
            pending_keys: Vec::new(),
            status: None,
            quit: false,
            size,
            requests: Requests::default(),
            asks: Vec::new(),
        };
        app.panes.parameters.readonly = readonly;
        app.panes.activations.readonly = readonly;
        app.panes.run_command.readonly = readonly;
        app.panes.patch.readonly = readonly;
        app.each_pane(|pane, cx| pane.start(cx));
        let effects = app.requests.drain();
        (app, effects)
    }

    /// Pane `id`.
    pub fn pane(&self, id: PaneId) -> &dyn Pane {
        self.panes.get(id)
    }

    /// Runs `f` on pane `id`, with a context for it.
    fn with_pane<R>(&mut self, id: PaneId, f: impl FnOnce(&mut dyn Pane, &mut Cx) -> R) -> R {
        let room = self.room();
        self.with_pane_in(id, room, f)
    }

    /// [`App::with_pane`] with the room already measured, for a walk over
    /// every pane (a heartbeat reaches all seven).
    fn with_pane_in<R>(
        &mut self,
        id: PaneId,
        room: Room,
        f: impl FnOnce(&mut dyn Pane, &mut Cx) -> R,
    ) -> R {
        let App {
            panes,
            requests,
            asks,
            status,
            layer,
            now,
            readonly,
            pane: shown,
            ..
        } = self;
        let (pane, fleet) = panes.with_fleet(id);
        let mut cx = Cx {
            pane: id,
            requests,
            status,
            layer,
            fleet,
            asks,
            room,
            now: *now,
            readonly: *readonly,
            shown: *shown == id,
        };
        f(pane, &mut cx)
    }

    /// [`App::with_pane`] for the Run Command pane itself, which other
    /// panes' asks lead into.
    fn with_run_command<R>(&mut self, f: impl FnOnce(&mut RunCommandPane, &mut Cx) -> R) -> R {
        self.with_pane(PaneId::RunCommand, |pane, cx| {
            let pane: &mut dyn Any = pane;
            f(pane.downcast_mut().expect("the Run Command pane"), cx)
        })
    }

    /// Every pane, in the palette's order.
    fn each_pane(&mut self, mut f: impl FnMut(&mut dyn Pane, &mut Cx)) {
        let room = self.room();
        for &id in PaneId::ALL {
            self.with_pane_in(id, room, &mut f);
        }
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Key(key) if key.kind != KeyEventKind::Release => self.on_key(key),
            Msg::Key(_) => {}
            Msg::Tick(now) => {
                self.now = now;
                if self.status.as_mut().is_some_and(Status::expired_after_tick) {
                    self.status = None;
                }
            }
            Msg::Resize(w, h) => self.size = (w, h),
            Msg::Backend(msg) => self.on_backend(msg),
            // At most one request of each kind, pane by pane.
            Msg::Flush => self.each_pane(|pane, cx| pane.flush(cx)),
        }
        for ask in std::mem::take(&mut self.asks) {
            self.on_ask(ask);
        }
        self.requests.drain()
    }

    /// Does what a pane asked of the console.
    fn on_ask(&mut self, ask: Ask) {
        match ask {
            Ask::Show(pane) => self.switch_to(pane),
            Ask::ShowFleet { filter } => {
                self.switch_to(PaneId::Fleet);
                self.panes.fleet.view = FleetView::Table;
                self.panes.fleet.table.set_filter(&filter);
            }
            Ask::SendForm(form) => self.with_run_command(|pane, cx| pane.open_form(*form, cx)),
            Ask::RunDocument(name) => {
                self.with_run_command(|pane, cx| pane.open_form_for(&name, cx))
            }
            Ask::EndFilterInput => self.filter_input = None,
        }
    }

    /// Whether marks are waiting that a [`Msg::Flush`] would act on.
    pub fn needs_flush(&self) -> bool {
        PaneId::ALL
            .iter()
            .any(|&id| self.pane(id).needs_flush(&Loads::new(id, &self.requests)))
    }

    /// The room the panes have, at this size and with this filter line.
    fn room(&self) -> Room {
        let filter = self.filter_line_visible();
        Room {
            page: crate::ui::table_rows(self.size, filter),
            body: crate::ui::body_height(self.size, filter),
            size: self.size,
            now: self.now,
        }
    }

    /// Brings the shown pane's derived state (filtered and sorted rows,
    /// the visible window) up to date; the runtime calls it before
    /// drawing, and a key's command before it acts. A hidden pane is
    /// settled when it is shown: until then nobody reads it.
    pub fn settle(&mut self) {
        // Settling needs no context: no Cx is made for it.
        let room = self.room();
        self.panes.get_mut(self.pane).settle(&room);
    }

    pub fn set_status(&mut self, text: impl Into<String>, error: bool) {
        self.status = Some(Status::new(text.into(), error, self.pane));
    }

    /// The filter text of the pane in focus.
    pub fn current_filter(&self) -> &str {
        self.pane(self.pane).table().filter.text()
    }

    pub fn filter_line_visible(&self) -> bool {
        self.filter_input.is_some()
            || (self.pane(self.pane).in_table() && !self.current_filter().is_empty())
    }

    /// Scopes whose keys apply now, most specific first.
    pub fn scopes(&self) -> Vec<Scope> {
        let mut scopes = self.pane(self.pane).scopes();
        scopes.push(Scope::GLOBAL);
        scopes
    }

    /// Bindings shown in the footer and help: read-only hides the ones
    /// that change something.
    pub fn visible_bindings(&self) -> Vec<(crate::keys::Chord, Command)> {
        self.keymap
            .bindings(&self.scopes())
            .into_iter()
            .filter(|(_, c)| !(self.readonly && c.writes()))
            .collect()
    }

    /// The dialog of type `T` open over the pane, if that is what is open.
    pub fn dialog<T: std::any::Any>(&self) -> Option<&T> {
        match &self.layer {
            Some(Layer::Dialog(dialog)) => dialog.get(),
            _ => None,
        }
    }

    /// Where the pane in view is in [`App::breadcrumbs`]: the trail
    /// before it, what is open in it after.
    pub fn pane_crumb(&self) -> usize {
        self.history.len()
    }

    /// Breadcrumbs for the header.
    pub fn breadcrumbs(&self) -> Vec<String> {
        let mut crumbs: Vec<String> = self.history.iter().map(|p| p.title().to_owned()).collect();
        crumbs.push(self.pane.title().to_owned());
        self.pane(self.pane).crumbs(&mut crumbs);
        crumbs
    }

    /// Input goes to the layer on top first, then the filter being typed,
    /// then the keys of the pane in view.
    fn on_key(&mut self, event: KeyEvent) {
        if let Some(layer) = self.layer.take() {
            return self.on_layer_key(layer, event);
        }
        if self.filter_input.is_some() {
            return self.on_filter_key(event);
        }
        let Some(key) = Key::from_event(&event) else {
            return;
        };
        self.pending_keys.push(key);
        match self.keymap.lookup(&self.scopes(), &self.pending_keys) {
            Lookup::Pending => {}
            Lookup::Unbound => {
                self.pending_keys.clear();
                self.sort_by_letter(&event);
            }
            Lookup::Command(command) => {
                self.pending_keys.clear();
                self.run(command);
            }
        }
    }

    fn on_layer_key(&mut self, layer: Layer, event: KeyEvent) {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && event.code == KeyCode::Char('c') {
            self.quit = true;
            return;
        }
        match layer {
            Layer::Dialog(dialog) => {
                self.with_pane(dialog.owner(), |pane, cx| {
                    pane.on_dialog_key(dialog, event, cx)
                });
            }
            Layer::Describe(mut describe) => {
                // The body, less its borders.
                let height = usize::from(self.size.1.saturating_sub(4));
                if let Keyed::Stay = describe.on_key(event, height) {
                    self.layer = Some(Layer::Describe(describe));
                }
            }
            Layer::Help => match event.code {
                KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('q') | KeyCode::Enter => {}
                _ => self.layer = Some(Layer::Help),
            },
            Layer::Confirm { prompt, confirmed } => match event.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => {
                    self.set_status("working…", false);
                    self.requests.send(confirmed, None);
                }
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                    self.set_status("cancelled", false);
                }
                _ => self.layer = Some(Layer::Confirm { prompt, confirmed }),
            },
            Layer::Palette(mut palette) => match palette.on_key(&event) {
                PaletteKey::Stay => self.layer = Some(Layer::Palette(palette)),
                PaletteKey::Close => {}
                PaletteKey::Run(target, args) => self.run_palette(target, args),
            },
        }
    }

    fn on_filter_key(&mut self, event: KeyEvent) {
        let Some(mut input) = self.filter_input.take() else {
            return;
        };
        match event.code {
            KeyCode::Enter => return,
            KeyCode::Esc => {
                self.set_filter("");
                return;
            }
            KeyCode::Char('c') if event.modifiers.contains(KeyModifiers::CONTROL) => {
                self.quit = true;
                return;
            }
            // The rows are filtered again only when the text changed.
            _ => {
                if input.handle(&event) == Some(true) {
                    self.set_filter(input.text());
                }
            }
        }
        self.filter_input = Some(input);
    }

    fn set_filter(&mut self, text: &str) {
        self.table_mut().set_filter(text);
    }

    fn run_palette(&mut self, target: PaletteTarget, args: String) {
        match target {
            PaletteTarget::Pane(PaneId::RunCommand) if !args.is_empty() => {
                // `:run AWS-RunShellScript` opens the send form on it.
                self.jump_to(PaneId::RunCommand);
                self.with_run_command(|pane, cx| pane.open_form_for(&args, cx));
            }
            PaletteTarget::Pane(pane) => {
                self.jump_to(pane);
                if !args.is_empty() {
                    self.set_filter(&args);
                    self.table_mut().from_the_top();
                }
                self.with_pane(pane, |pane, cx| pane.enter(cx));
            }
            PaletteTarget::Quit => self.quit = true,
        }
    }

    /// A `:` jump: the pane's list. The trail becomes where the jump came
    /// from and where it went (what `esc` goes back to), instead of
    /// growing with every jump.
    fn jump_to(&mut self, pane: PaneId) {
        let from = self.pane;
        self.switch_to(pane);
        self.history.clear();
        if from != pane {
            self.history.push(from);
        }
        // Back out of the pane's sub-views: a pane at its list shows no
        // crumbs of its own. Each back first drops that view's filter.
        for _ in 0..4 {
            let mut crumbs = Vec::new();
            self.pane(pane).crumbs(&mut crumbs);
            if crumbs.is_empty() {
                break;
            }
            self.table_mut().set_filter("");
            if self.with_pane(pane, |p, cx| p.handle(Command::BACK, cx)) == Handled::No {
                break;
            }
        }
    }

    pub fn switch_to(&mut self, pane: PaneId) {
        if self.status.as_ref().is_some_and(|s| s.pane != pane) {
            self.status = None;
        }
        if pane != self.pane {
            self.history.retain(|p| *p != pane);
            self.history.push(self.pane);
            self.pane = pane;
        }
    }

    /// A key's command: refused if it writes in a read-only console, else
    /// the pane's if the pane takes it, else one every pane shares.
    fn run(&mut self, command: Command) {
        if command.writes() && self.readonly {
            // The gist of the description, without its asides.
            let what = command.description();
            let what = what.split([',', '(']).next().unwrap_or(what).trim_end();
            self.set_status(
                format!("read-only console (--readonly): cannot {what}"),
                true,
            );
            return;
        }
        self.settle();
        if self.with_pane(self.pane, |pane, cx| pane.handle(command, cx)) == Handled::Yes {
            return;
        }
        match command {
            Command::QUIT => self.quit = true,
            Command::PALETTE => self.layer = Some(Layer::Palette(Palette::new())),
            Command::HELP => self.layer = Some(Layer::Help),
            Command::DESCRIBE => match self.pane(self.pane).describe() {
                Some(described) => self.layer = Some(Layer::Describe(Describe::new(described))),
                None => self.set_status("nothing here to describe", false),
            },
            Command::FILTER => self.filter_input = Some(self.current_filter().into()),
            Command::BACK => self.back(),
            Command::UP | Command::DOWN | Command::PAGE_UP | Command::PAGE_DOWN => {
                let table = self.table_mut();
                let page = table.page as isize;
                table.move_by(match command {
                    Command::UP => -1,
                    Command::DOWN => 1,
                    Command::PAGE_UP => -page,
                    _ => page,
                });
            }
            Command::TOP => self.table_mut().top(),
            Command::BOTTOM => self.table_mut().bottom(),
            Command::SORT_NEXT => self.table_mut().sort_next(),
            Command::SORT_PREV => self.table_mut().sort_prev(),
            Command::SORT_REVERSE => self.table_mut().reverse(),
            Command::WIDE => {
                let table = self.table_mut();
                table.wide = !table.wide;
                let said = if table.wide {
                    "wide columns shown (ctrl-w hides them)"
                } else {
                    "wide columns shown only where there is room"
                };
                self.set_status(said, false);
            }
            // The rest belong to panes; one that does not take its own key
            // has nothing to do with it now.
            _ => {}
        }
    }

    /// An unbound shift-letter in a table sorts by the column whose title
    /// starts with it, as in k9s (`N` NAME, `P` PLATFORM then PING).
    fn sort_by_letter(&mut self, event: &KeyEvent) {
        let KeyCode::Char(letter) = event.code else {
            return;
        };
        let plain = !event
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        if !plain || !letter.is_ascii_uppercase() || !self.pane(self.pane).in_table() {
            return;
        }
        self.settle();
        let table = self.table_mut();
        if let Some(title) = table.sort_by_letter(letter) {
            let order = if table.ascending { "▲" } else { "▼" };
            self.set_status(format!("sorted by {title} {order}"), false);
        }
    }

    fn table_mut(&mut self) -> &mut TableView {
        self.panes.get_mut(self.pane).table_mut()
    }

    /// `esc` the pane did not take: clear the filter, then go back along
    /// the breadcrumbs.
    fn back(&mut self) {
        if !self.current_filter().is_empty() {
            self.set_filter("");
        } else if let Some(previous) = self.history.pop() {
            if self.status.as_ref().is_some_and(|s| s.pane != previous) {
                self.status = None;
            }
            self.pane = previous;
        }
    }

    fn on_backend(&mut self, msg: BackendMsg) {
        match msg {
            BackendMsg::Reply { request, reply } => {
                if let Some(id) = self.requests.asker(request) {
                    self.with_pane(id, |pane, cx| cx.deliver(pane, request, reply));
                }
            }
            BackendMsg::Event(event) => {
                // The Fleet pane takes each event last, so a heartbeat's
                // node is moved into its row, not copied: 100,000 nodes
                // send many.
                let room = self.room();
                for &id in PaneId::ALL.iter().filter(|&&id| id != PaneId::Fleet) {
                    if self.panes.get(id).follows(&event) {
                        self.with_pane_in(id, room, |pane, cx| pane.on_event(&event, cx));
                    }
                }
                if self.panes.fleet.follows(&event) {
                    self.with_pane_in(PaneId::Fleet, room, |pane, cx| pane.take_event(event, cx));
                }
            }
            BackendMsg::Lagged => self.each_pane(|pane, cx| pane.on_lagged(cx)),
            BackendMsg::Link(link) => self.link = link,
        }
    }
}

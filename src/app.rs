//! The console's state and its one `update` function.
//!
//! Terminal keys, backend messages and ticks arrive as [`Msg`]s; `update`
//! changes state and returns [`Effect`]s (backend calls) for the runtime to
//! carry out, whose results come back as messages tagged with a request id.
//! `update` never awaits and `render` (in `ui`) never changes anything, so
//! every screen can be reproduced from a sequence of messages.

mod run;

use crate::keys::{Command, Key, KeyMap, Lookup, Scope};
pub use crate::palette::Palette;
use crate::palette::PaletteTarget;
use crate::panes::activations::ActivationsPane;
use crate::panes::commands::output::Stream;
use crate::panes::commands::send::SendForm;
use crate::panes::commands::{CommandsPane, RunView};
use crate::panes::compliance::CompliancePane;
use crate::panes::documents::DocumentsPane;
use crate::panes::fleet::{FleetPane, FleetView};
use crate::panes::parameters::ParametersPane;
use crate::panes::parameters::form::ParamForm;
use crate::panes::patch::PatchPane;
use crate::panes::patch::approval::{Approval, SelectBy};
use crate::panes::patch::create::BaselineForm;
use crate::panes::{Handled, Pane, PaneId, Room};
use crate::request::{Cx, Loads, Prepared, Requests};
use crate::runtime::job::{Call, Reply};
use crate::theme::Theme;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use sysman_api::Timestamp;
use sysman_api::commands::{
    Command as RunCommand, CommandInvocation, GetCommandOutputResult, SendCommand,
};
use sysman_api::documents::{DocumentDescription, DocumentIdentifier};
use sysman_api::events::Event;

/// Something that happened.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    /// About once a second, with the backend clock's time.
    Tick(Timestamp),
    Resize(u16, u16),
    Backend(BackendMsg),
    /// About ten times a second while [`App::needs_flush`]: apply the
    /// changes that events announced, with as few backend calls as can be.
    Flush,
}

/// A backend result or change event.
#[derive(Debug)]
pub enum BackendMsg {
    /// What a [`Call`] answered, for the pane that asked.
    Reply {
        request: u64,
        reply: Reply,
    },
    /// A page of the command history.
    CommandsLoaded {
        request: u64,
        result: Result<(Vec<RunCommand>, Option<String>), String>,
    },
    /// One command's record, for its detail view.
    CommandLoaded {
        request: u64,
        result: Result<Box<RunCommand>, String>,
    },
    /// A command's invocations: all of them, or the ones asked for.
    InvocationsLoaded {
        request: u64,
        partial: bool,
        result: Result<Vec<CommandInvocation>, String>,
    },
    /// A page of one node's output.
    OutputLoaded {
        request: u64,
        stream: Stream,
        result: Result<GetCommandOutputResult, String>,
    },
    DocumentsLoaded {
        request: u64,
        result: Result<Vec<DocumentIdentifier>, String>,
    },
    DocumentDescribed {
        request: u64,
        result: Result<Box<DocumentDescription>, String>,
    },
    CommandSent {
        request: u64,
        result: Result<Box<RunCommand>, String>,
    },
    Event(Event),
    /// The event stream dropped events: reload everything.
    Lagged,
    /// A change finished: the text says what happened, or what went wrong.
    Done {
        request: u64,
        result: Result<String, String>,
    },
}

/// A backend call for the runtime to make.
#[derive(Debug)]
pub enum Effect {
    /// Any job a pane asked for; its reply comes back as
    /// [`BackendMsg::Reply`].
    Call(Call),
    /// A page of the history; `token` names it (`None`: the newest).
    LoadCommands {
        request: u64,
        token: Option<String>,
    },
    LoadCommand {
        request: u64,
        command_id: String,
    },
    /// Every invocation of a command, or only those of `instance_ids`.
    LoadInvocations {
        request: u64,
        command_id: String,
        instance_ids: Option<Vec<String>>,
    },
    LoadOutput {
        request: u64,
        command_id: String,
        instance_id: String,
        stream: Stream,
        offset: i64,
    },
    LoadDocuments {
        request: u64,
    },
    DescribeDocument {
        request: u64,
        name: String,
    },
    SendCommand {
        request: u64,
        send: Box<SendCommand>,
    },
    CancelCommand {
        request: u64,
        command_id: String,
    },
}

impl Layer {
    /// The pane whose dialog this is: it takes the dialog's keys.
    fn owner(&self) -> Option<PaneId> {
        match self {
            Layer::Form(_) | Layer::Label { .. } => Some(PaneId::Parameters),
            Layer::Approval(_) | Layer::SelectBy(_) | Layer::BaselineForm(_) => Some(PaneId::Patch),
            _ => None,
        }
    }
}

/// What a pane asks of the console beyond itself.
#[derive(Debug)]
pub enum Ask {
    /// Show the Fleet pane's table, filtered.
    ShowFleet { filter: String },
    /// Open the Run Command send form.
    SendForm(Box<SendForm>),
    /// Stop taking keys for the filter (the pane cleared it).
    EndFilterInput,
}

/// What sits on top of the pane and takes keys first.
#[derive(Debug)]
pub enum Layer {
    Help,
    Palette(Palette),
    Confirm {
        prompt: String,
        confirmed: Confirmed,
    },
    Form(ParamForm),
    /// A label to put on version `version` of parameter `name`.
    Label {
        name: String,
        version: i64,
        input: String,
    },
    /// The Run Command send form.
    Send(Box<SendForm>),
    /// What approving or rejecting patches would change, before it does.
    Approval(Box<Approval>),
    /// The chooser that selects patches by severity or classification.
    SelectBy(SelectBy),
    /// The new-baseline form.
    BaselineForm(Box<BaselineForm>),
}

/// What `y` in a confirmation dialog sends.
#[derive(Debug)]
pub enum Confirmed {
    Effect(Effect),
    Call(Prepared),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub error: bool,
    ticks_left: u8,
}

/// How long a status message stays, in ticks.
const STATUS_TICKS: u8 = 6;

impl Status {
    pub fn new(text: String, error: bool) -> Status {
        Status {
            text,
            error,
            ticks_left: STATUS_TICKS,
        }
    }
}

pub struct App {
    pub keymap: KeyMap,
    pub theme: Theme,
    pub readonly: bool,
    /// Which backend the console talks to, for the header.
    pub backend_label: String,
    pub now: Timestamp,
    pub pane: PaneId,
    history: Vec<PaneId>,
    pub fleet: FleetPane,
    pub activations: ActivationsPane,
    pub parameters: ParametersPane,
    pub commands: CommandsPane,
    pub documents: DocumentsPane,
    pub patch: PatchPane,
    pub compliance: CompliancePane,
    pub layer: Option<Layer>,
    /// The filter text while it is being typed.
    pub filter_input: Option<String>,
    pending_keys: Vec<Key>,
    pub status: Option<Status>,
    pub quit: bool,
    pub size: (u16, u16),
    requests: Requests,
    /// What panes asked of the console beyond themselves, this update.
    asks: Vec<Ask>,
    commands_request: Option<u64>,
    /// A command changed since the history page was loaded.
    commands_stale: bool,
    documents_request: Option<u64>,
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
            fleet: FleetPane::default(),
            activations: ActivationsPane::default(),
            parameters: ParametersPane::default(),
            commands: CommandsPane::default(),
            documents: DocumentsPane::default(),
            patch: PatchPane::default(),
            compliance: CompliancePane::default(),
            layer: None,
            filter_input: None,
            pending_keys: Vec::new(),
            status: None,
            quit: false,
            size,
            requests: Requests::default(),
            asks: Vec::new(),
            commands_request: None,
            commands_stale: false,
            documents_request: None,
        };
        app.parameters.readonly = readonly;
        app.commands.readonly = readonly;
        app.patch.readonly = readonly;
        app.each_pane(|pane, cx| pane.start(cx));
        let mut effects = app.requests.drain();
        effects.push(app.load_commands());
        (app, effects)
    }

    fn request_id(&mut self) -> u64 {
        self.requests.next_id()
    }

    /// The panes built on [`Pane`]; the others are still driven from here.
    pub fn pane(&self, id: PaneId) -> Option<&dyn Pane> {
        match id {
            PaneId::Fleet => Some(&self.fleet),
            PaneId::Activations => Some(&self.activations),
            PaneId::Parameters => Some(&self.parameters),
            PaneId::Documents => Some(&self.documents),
            PaneId::Patch => Some(&self.patch),
            PaneId::Compliance => Some(&self.compliance),
            _ => None,
        }
    }

    /// Runs `f` on pane `id` with a context for it, if it is built on
    /// [`Pane`].
    fn with_pane<R>(
        &mut self,
        id: PaneId,
        f: impl FnOnce(&mut dyn Pane, &mut Cx) -> R,
    ) -> Option<R> {
        let App {
            fleet,
            activations,
            parameters,
            documents,
            patch,
            compliance,
            requests,
            asks,
            status,
            layer,
            now,
            readonly,
            pane: shown,
            ..
        } = self;
        let (pane, fleet): (&mut dyn Pane, _) = match id {
            PaneId::Fleet => (fleet, None),
            PaneId::Activations => (activations, Some(&*fleet)),
            PaneId::Parameters => (parameters, Some(&*fleet)),
            PaneId::Documents => (documents, Some(&*fleet)),
            PaneId::Patch => (patch, Some(&*fleet)),
            PaneId::Compliance => (compliance, Some(&*fleet)),
            _ => return None,
        };
        let mut cx = Cx {
            pane: id,
            requests,
            status,
            layer,
            fleet,
            asks,
            now: *now,
            readonly: *readonly,
            shown: *shown == id,
        };
        Some(f(pane, &mut cx))
    }

    /// Whether a pane built on [`Pane`] has marks to flush.
    fn panes_need_flush(&self) -> bool {
        PaneId::ALL.into_iter().any(|id| {
            self.pane(id)
                .is_some_and(|pane| pane.needs_flush(&Loads::new(id, &self.requests)))
        })
    }

    /// Every pane built on [`Pane`], in the palette's order.
    fn each_pane(&mut self, mut f: impl FnMut(&mut dyn Pane, &mut Cx)) {
        for id in PaneId::ALL {
            self.with_pane(id, &mut f);
        }
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let mut effects = self.update_state(msg);
        for ask in std::mem::take(&mut self.asks) {
            effects.extend(self.on_ask(ask));
        }
        effects.extend(self.requests.drain());
        effects
    }

    /// Does what a pane asked of the console.
    fn on_ask(&mut self, ask: Ask) -> Vec<Effect> {
        match ask {
            Ask::ShowFleet { filter } => {
                self.switch_to(PaneId::Fleet);
                self.fleet.view = FleetView::Table;
                self.fleet.table.set_filter(&filter);
                Vec::new()
            }
            Ask::SendForm(form) => self.open_form(*form),
            Ask::EndFilterInput => {
                self.filter_input = None;
                Vec::new()
            }
        }
    }

    fn update_state(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Key(key) if key.kind != KeyEventKind::Release => self.on_key(key),
            Msg::Key(_) => Vec::new(),
            Msg::Tick(now) => {
                self.now = now;
                if let Some(status) = &mut self.status {
                    status.ticks_left = status.ticks_left.saturating_sub(1);
                    if status.ticks_left == 0 {
                        self.status = None;
                    }
                }
                Vec::new()
            }
            Msg::Resize(w, h) => {
                self.size = (w, h);
                Vec::new()
            }
            Msg::Backend(msg) => self.on_backend(msg),
            Msg::Flush => self.flush(),
        }
    }

    /// Brings derived state (filtered and sorted rows, the visible window)
    /// up to date; the runtime calls it before drawing.
    pub fn settle(&mut self) {
        let page = crate::ui::table_rows(self.size, self.filter_line_visible());
        let room = Room {
            page,
            body: crate::ui::body_height(self.size, self.filter_line_visible()),
            size: self.size,
            now: self.now,
        };
        self.each_pane(|pane, _| pane.settle(&room));
        self.settle_commands(page);
    }

    pub fn set_status(&mut self, text: impl Into<String>, error: bool) {
        self.status = Some(Status::new(text.into(), error));
    }

    /// The filter text of the pane in focus.
    pub fn current_filter(&self) -> &str {
        if let Some(pane) = self.pane(self.pane) {
            return pane.table().filter.text();
        }
        match self.pane {
            PaneId::Fleet
            | PaneId::Activations
            | PaneId::Parameters
            | PaneId::Documents
            | PaneId::Patch
            | PaneId::Compliance => unreachable!("built on Pane"),
            PaneId::Commands => match &self.commands.detail {
                Some(d) => d.table.filter.text(),
                None => self.commands.table.filter.text(),
            },
        }
    }

    pub fn filter_line_visible(&self) -> bool {
        self.filter_input.is_some() || (self.in_table() && !self.current_filter().is_empty())
    }

    fn in_table(&self) -> bool {
        if let Some(pane) = self.pane(self.pane) {
            return pane.in_table();
        }
        match self.pane {
            PaneId::Fleet
            | PaneId::Activations
            | PaneId::Parameters
            | PaneId::Documents
            | PaneId::Patch
            | PaneId::Compliance => unreachable!("built on Pane"),
            PaneId::Commands => self.commands.view() != RunView::Output,
        }
    }

    /// Scopes whose keys apply now, most specific first.
    pub fn scopes(&self) -> Vec<Scope> {
        if let Some(pane) = self.pane(self.pane) {
            let mut scopes = pane.scopes();
            scopes.push(Scope::Global);
            return scopes;
        }
        if self.pane == PaneId::Commands {
            return match self.commands.view() {
                RunView::History => vec![Scope::Commands, Scope::Table, Scope::Global],
                RunView::Detail => vec![Scope::Command, Scope::Table, Scope::Global],
                RunView::Output => vec![Scope::Output, Scope::Global],
            };
        }
        vec![self.pane.scope(), Scope::Table, Scope::Global]
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

    /// Says in the status line that `what` is refused: the console is
    /// read-only.
    pub(crate) fn refuse_write(&mut self, what: &str) {
        self.set_status(
            format!("read-only console (--readonly): cannot {what}"),
            true,
        );
    }

    /// Breadcrumbs for the header.
    pub fn breadcrumbs(&self) -> Vec<String> {
        let mut crumbs: Vec<String> = self.history.iter().map(|p| p.title().to_owned()).collect();
        crumbs.push(self.pane.title().to_owned());
        if let Some(pane) = self.pane(self.pane) {
            pane.crumbs(&mut crumbs);
        }
        if self.pane == PaneId::Commands {
            if let Some(d) = &self.commands.detail {
                crumbs.push(crate::panes::commands::short_id(&d.command_id).to_owned());
            }
            if let Some(o) = &self.commands.output {
                crumbs.push(o.instance_id.clone());
            }
        }
        crumbs
    }

    fn on_key(&mut self, event: KeyEvent) -> Vec<Effect> {
        if let Some(layer) = self.layer.take() {
            return self.on_layer_key(layer, event);
        }
        if self.filter_input.is_some() {
            self.on_filter_key(event);
            return Vec::new();
        }
        let Some(key) = Key::from_event(&event) else {
            return Vec::new();
        };
        self.pending_keys.push(key);
        match self.keymap.lookup(&self.scopes(), &self.pending_keys) {
            Lookup::Pending => Vec::new(),
            Lookup::Unbound => {
                self.pending_keys.clear();
                Vec::new()
            }
            Lookup::Command(command) => {
                self.pending_keys.clear();
                self.run(command)
            }
        }
    }

    fn on_layer_key(&mut self, layer: Layer, event: KeyEvent) -> Vec<Effect> {
        let ctrl_c =
            event.modifiers.contains(KeyModifiers::CONTROL) && event.code == KeyCode::Char('c');
        if ctrl_c {
            self.quit = true;
            return Vec::new();
        }
        if let Some(owner) = layer.owner()
            && self.pane(owner).is_some()
        {
            self.with_pane(owner, |pane, cx| pane.on_dialog_key(layer, event, cx));
            return Vec::new();
        }
        match layer {
            Layer::Form(_)
            | Layer::Label { .. }
            | Layer::Approval(_)
            | Layer::SelectBy(_)
            | Layer::BaselineForm(_) => unreachable!("the dialogs of panes on Pane"),
            Layer::Help => match event.code {
                KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('q') | KeyCode::Enter => {}
                _ => self.layer = Some(Layer::Help),
            },
            Layer::Confirm { prompt, confirmed } => match event.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => {
                    self.set_status("working…", false);
                    match confirmed {
                        Confirmed::Effect(effect) => return vec![effect],
                        Confirmed::Call(prepared) => self.requests.send(prepared, None),
                    }
                }
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                    self.set_status("cancelled", false);
                }
                _ => self.layer = Some(Layer::Confirm { prompt, confirmed }),
            },
            Layer::Send(form) => return self.on_send_key(*form, event),
            Layer::Palette(mut palette) => match event.code {
                KeyCode::Esc => {}
                KeyCode::Enter => return self.run_palette(&palette),
                KeyCode::Tab => {
                    palette.complete();
                    self.layer = Some(Layer::Palette(palette));
                }
                KeyCode::Down => {
                    palette.select_next();
                    self.layer = Some(Layer::Palette(palette));
                }
                KeyCode::Up => {
                    palette.select_prev();
                    self.layer = Some(Layer::Palette(palette));
                }
                KeyCode::Backspace => {
                    palette.input.pop();
                    palette.refresh();
                    self.layer = Some(Layer::Palette(palette));
                }
                KeyCode::Char('u') if event.modifiers.contains(KeyModifiers::CONTROL) => {
                    palette.input.clear();
                    palette.refresh();
                    self.layer = Some(Layer::Palette(palette));
                }
                KeyCode::Char(c) if !event.modifiers.contains(KeyModifiers::CONTROL) => {
                    palette.input.push(c);
                    palette.refresh();
                    self.layer = Some(Layer::Palette(palette));
                }
                _ => self.layer = Some(Layer::Palette(palette)),
            },
        }
        Vec::new()
    }

    fn on_filter_key(&mut self, event: KeyEvent) {
        let Some(mut text) = self.filter_input.take() else {
            return;
        };
        match event.code {
            KeyCode::Enter => return,
            KeyCode::Esc => {
                self.set_filter("");
                return;
            }
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Char('c') if event.modifiers.contains(KeyModifiers::CONTROL) => {
                self.quit = true;
                return;
            }
            KeyCode::Char('u') if event.modifiers.contains(KeyModifiers::CONTROL) => text.clear(),
            KeyCode::Char(c) if !event.modifiers.contains(KeyModifiers::CONTROL) => text.push(c),
            _ => {}
        }
        self.set_filter(&text);
        self.filter_input = Some(text);
    }

    fn set_filter(&mut self, text: &str) {
        if self
            .with_pane(self.pane, |pane, _| pane.table_mut().set_filter(text))
            .is_some()
        {
            return;
        }
        match self.pane {
            PaneId::Fleet
            | PaneId::Activations
            | PaneId::Parameters
            | PaneId::Documents
            | PaneId::Patch
            | PaneId::Compliance => unreachable!("built on Pane"),
            PaneId::Commands => match &mut self.commands.detail {
                Some(d) => d.table.set_filter(text),
                None => self.commands.table.set_filter(text),
            },
        }
    }

    fn run_palette(&mut self, palette: &Palette) -> Vec<Effect> {
        match palette.resolve() {
            Some((PaletteTarget::Pane(PaneId::Commands), args)) if !args.is_empty() => {
                // `:run AWS-RunShellScript` opens the send form on it.
                self.switch_to(PaneId::Commands);
                return self.open_send_form_for(&args);
            }
            Some((PaletteTarget::Pane(pane), args)) => {
                self.switch_to(pane);
                if !args.is_empty() {
                    self.set_filter(&args);
                }
                return self.enter_pane(pane);
            }
            Some((PaletteTarget::Quit, _)) => self.quit = true,
            None => {
                let word = palette.input.split_whitespace().next().unwrap_or_default();
                self.set_status(
                    format!("no pane or command called '{word}'; try :fleet"),
                    true,
                );
            }
        }
        Vec::new()
    }

    /// Loads what a pane shows the first time it comes into view.
    fn enter_pane(&mut self, pane: PaneId) -> Vec<Effect> {
        self.with_pane(pane, |pane, cx| pane.enter(cx));
        Vec::new()
    }

    pub fn switch_to(&mut self, pane: PaneId) {
        if pane != self.pane {
            self.history.retain(|p| *p != pane);
            self.history.push(self.pane);
            self.pane = pane;
        }
    }

    fn run(&mut self, command: Command) -> Vec<Effect> {
        if command.writes() && self.readonly {
            // The gist of the description, without its asides.
            let what = command.description();
            let what = what.split([',', '(']).next().unwrap_or(what).trim_end();
            self.refuse_write(what);
            return Vec::new();
        }
        self.settle();
        if self.with_pane(self.pane, |pane, cx| pane.handle(command, cx)) == Some(Handled::Yes) {
            return Vec::new();
        }
        match command {
            Command::Quit => self.quit = true,
            Command::Palette => self.layer = Some(Layer::Palette(Palette::new())),
            Command::Help => self.layer = Some(Layer::Help),
            Command::Filter => self.filter_input = Some(self.current_filter().to_owned()),
            Command::Back => self.back(),
            Command::Up | Command::Down | Command::PageUp | Command::PageDown
                if self.commands_output_focused() =>
            {
                return self.scroll_output(command);
            }
            Command::Up | Command::Down | Command::PageUp | Command::PageDown => {
                self.move_selection(command)
            }
            Command::NextPage | Command::PrevPage => return self.turn_page(command),
            Command::NewCommand => return self.open_send_form(),
            Command::RerunCommand => return self.rerun(),
            Command::CancelCommand => self.confirm_cancel_command(),
            // Only the Documents pane binds these, and takes them.
            Command::NextVersion | Command::PrevVersion | Command::ToggleFormat => {}
            Command::RunDocument => return self.run_document(),
            // Only the Patch Manager pane binds these, and takes them.
            Command::SwitchList
            | Command::TogglePatch
            | Command::SelectPatchesBy
            | Command::ApprovePatches
            | Command::RejectPatches
            | Command::ScanPatches
            | Command::InstallPatches
            | Command::NewBaseline
            | Command::SetDefaultBaseline
            | Command::DeleteBaseline => {}
            // Only the Fleet pane binds these, and takes them.
            Command::ToggleSelect | Command::DeregisterNode => {}
            Command::RunOnNodes => return self.run_on_nodes(),
            Command::Top | Command::Bottom if self.commands_output_focused() => {
                return self.scroll_output(command);
            }
            Command::Top => self.table_mut().top(),
            Command::Bottom => self.table_mut().bottom(),
            Command::SortNext | Command::SortPrev | Command::SortReverse => self.sort(command),
            Command::Open => return self.open(),
            // Only the Activations pane binds it, and takes it.
            Command::DeleteActivation => {}
            // Only the Parameters pane binds these, and takes them.
            Command::DeleteParameter
            | Command::NewParameter
            | Command::ToggleFocus
            | Command::EditParameter
            | Command::AddLabel
            | Command::DiffVersion
            | Command::RevealValue => {}
        }
        Vec::new()
    }

    fn open(&mut self) -> Vec<Effect> {
        match self.pane {
            PaneId::Commands => self.open_command(),
            // A pane on `Pane` opens what it has in `handle`.
            _ => Vec::new(),
        }
    }

    fn table_mut(&mut self) -> &mut crate::table::TableView {
        match self.pane {
            PaneId::Fleet => self.fleet.table_mut(),
            PaneId::Activations => self.activations.table_mut(),
            PaneId::Parameters => self.parameters.table_mut(),
            PaneId::Commands => match &mut self.commands.detail {
                Some(d) => &mut d.table,
                None => &mut self.commands.table,
            },
            PaneId::Documents => self.documents.table_mut(),
            PaneId::Patch => Pane::table_mut(&mut self.patch),
            PaneId::Compliance => self.compliance.table_mut(),
        }
    }

    fn move_selection(&mut self, command: Command) {
        let table = self.table_mut();
        let page = table.page as isize;
        table.move_by(match command {
            Command::Up => -1,
            Command::Down => 1,
            Command::PageUp => -page,
            _ => page,
        });
    }

    fn sort(&mut self, command: Command) {
        let table = self.table_mut();
        match command {
            Command::SortNext => table.sort_next(),
            Command::SortPrev => table.sort_prev(),
            _ => table.reverse(),
        }
    }

    fn back(&mut self) {
        if self.pane == PaneId::Commands && self.commands.output.is_some() {
            self.commands.output = None;
        } else if self.pane == PaneId::Commands
            && self.commands.detail.is_some()
            && self.current_filter().is_empty()
        {
            self.commands.detail = None;
        } else if !self.current_filter().is_empty() {
            self.set_filter("");
        } else if let Some(previous) = self.history.pop() {
            self.pane = previous;
        }
    }

    fn on_backend(&mut self, msg: BackendMsg) -> Vec<Effect> {
        if let BackendMsg::Event(event) = &msg {
            self.each_pane(|pane, cx| pane.on_event(event, cx));
        }
        match msg {
            BackendMsg::Reply { request, reply } => {
                if let Some(id) = self.requests.asker(request) {
                    self.with_pane(id, |pane, cx| cx.deliver(pane, request, reply));
                }
            }
            // The panes built on `Pane` took them above.
            BackendMsg::Event(
                Event::ActivationsChanged
                | Event::NodeChanged(_)
                | Event::NodeRemoved { .. }
                | Event::ParameterChanged { .. }
                | Event::ParameterPolicy { .. }
                | Event::ParameterDeleted { .. }
                | Event::ComplianceChanged { .. }
                | Event::PatchBaselineChanged { .. }
                | Event::PatchBaselineDeleted { .. }
                | Event::PatchStateChanged { .. },
            ) => {}
            BackendMsg::Lagged => {
                self.each_pane(|pane, cx| pane.on_lagged(cx));
                let mut effects = self.requests.drain();
                effects.extend(self.reload_commands_after_lag());
                return effects;
            }
            BackendMsg::Event(
                event @ (Event::DocumentChanged { .. }
                | Event::DocumentDeleted { .. }
                | Event::CommandChanged { .. }
                | Event::InvocationChanged { .. }),
            ) => {
                return self.on_command_event(event);
            }
            msg @ (BackendMsg::CommandsLoaded { .. }
            | BackendMsg::CommandLoaded { .. }
            | BackendMsg::InvocationsLoaded { .. }
            | BackendMsg::OutputLoaded { .. }
            | BackendMsg::DocumentsLoaded { .. }
            | BackendMsg::DocumentDescribed { .. }
            | BackendMsg::CommandSent { .. }) => return self.on_commands_msg(msg),
            BackendMsg::Done { result, .. } => match result {
                Ok(text) => self.set_status(text, false),
                Err(text) => self.set_status(text, true),
            },
        }
        Vec::new()
    }
}

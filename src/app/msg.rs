//! What flows through [`super::App::update`]: the messages that come in,
//! the effects that go out, and what a pane asks of the console.

use ratatui::crossterm::event::KeyEvent;
use sysman_api::Timestamp;
use sysman_api::events::Event;

use crate::panes::PaneId;
use crate::panes::run_command::send::SendForm;
use crate::runtime::job::{Call, Reply};

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

/// A backend reply or change event.
#[derive(Debug)]
pub enum BackendMsg {
    /// What a [`Call`] answered, for the pane that asked.
    Reply {
        request: u64,
        reply: Reply,
    },
    Event(Event),
    /// The event stream dropped events: reload everything.
    Lagged,
    /// The link to a remote server went down or came back.
    Link(Link),
}

/// Whether the console hears from its server.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Link {
    #[default]
    Up,
    /// The event stream broke at `since` and is being reopened with
    /// backoff; what the panes show is as of `since`.
    Down { since: Timestamp, reason: String },
}

/// A backend call for the runtime to make.
#[derive(Debug)]
pub enum Effect {
    /// Any job a pane asked for; its reply comes back as
    /// [`BackendMsg::Reply`].
    Call(Call),
}

/// What a pane asks of the console beyond itself, done once the pane is
/// through.
#[derive(Debug)]
pub enum Ask {
    /// Show a pane.
    Show(PaneId),
    /// Show the Fleet pane's table, filtered.
    ShowFleet { filter: String },
    /// Open the Run Command send form.
    SendForm(Box<SendForm>),
    /// Open the Run Command send form on a document, past the picker.
    RunDocument(String),
    /// Stop taking keys for the filter (the pane cleared it).
    EndFilterInput,
}

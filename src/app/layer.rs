//! What sits on top of the pane in view and takes keys first: help, the
//! palette, a confirmation, or a dialog a pane opened.

use crate::palette::Palette;
use crate::panes::PaneId;
use crate::panes::parameters::form::ParamForm;
use crate::panes::patch::approval::{Approval, SelectBy};
use crate::panes::patch::create::BaselineForm;
use crate::panes::run_command::send::SendForm;
use crate::request::Prepared;

/// What sits on top of the pane and takes keys first.
#[derive(Debug)]
pub enum Layer {
    Help,
    Palette(Palette),
    Confirm {
        prompt: String,
        /// What `y` sends.
        confirmed: Prepared,
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

impl Layer {
    /// The pane whose dialog this is: it takes the dialog's keys.
    pub(super) fn owner(&self) -> Option<PaneId> {
        match self {
            Layer::Help | Layer::Palette(_) | Layer::Confirm { .. } => None,
            Layer::Form(_) | Layer::Label { .. } => Some(PaneId::Parameters),
            Layer::Send(_) => Some(PaneId::RunCommand),
            Layer::Approval(_) | Layer::SelectBy(_) | Layer::BaselineForm(_) => Some(PaneId::Patch),
        }
    }
}

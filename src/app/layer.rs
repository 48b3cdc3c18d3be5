//! What sits on top of the pane in view and takes keys first: help, the
//! palette, a confirmation, or a dialog a pane opened.

use std::any::Any;
use std::fmt;

use crate::describe::Describe;
use crate::palette::Palette;
use crate::panes::PaneId;
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
    /// A pane's own dialog (a form, a preview, a chooser).
    Dialog(Dialog),
    /// `d`: the row under the cursor, every field.
    Describe(Describe),
}

/// A dialog a pane opened. Its type is the pane's own: the app only knows
/// whose it is, and hands it back to that pane for keys and drawing.
pub struct Dialog {
    owner: PaneId,
    view: Box<dyn Any>,
    /// The view's type, for debugging and test reports.
    kind: &'static str,
}

impl Dialog {
    pub fn new<T: Any>(owner: PaneId, view: T) -> Self {
        let kind = std::any::type_name::<T>();
        Self {
            owner,
            view: Box::new(view),
            kind: kind.rsplit("::").next().unwrap_or(kind),
        }
    }

    /// The pane whose dialog this is: it takes the dialog's keys.
    pub fn owner(&self) -> PaneId {
        self.owner
    }

    /// The dialog as the owner's type `T`, or back as it was.
    pub fn take<T: Any>(self) -> Result<T, Self> {
        match self.view.downcast::<T>() {
            Ok(view) => Ok(*view),
            Err(view) => Err(Self { view, ..self }),
        }
    }

    pub fn get<T: Any>(&self) -> Option<&T> {
        self.view.downcast_ref()
    }

    pub fn get_mut<T: Any>(&mut self) -> Option<&mut T> {
        self.view.downcast_mut()
    }
}

impl fmt::Debug for Dialog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.kind, self.owner)
    }
}

//! The requests panes make and the replies they wait for, kept in one book
//! for every pane: which request is whose, which load is the latest of its
//! kind (older ones are dropped when they answer), and which load to make
//! again when it answers because the data changed meanwhile.

use std::any::Any;
use std::collections::HashMap;
use std::fmt;

use sysman_api::Timestamp;

use crate::app::{Ask, Dialog, Effect, Layer, Status};
use crate::panes::fleet::{FleetPane, FleetRow};
use crate::panes::{Pane, PaneId, Room};
use crate::runtime::job::{Call, Job, Reply};

/// What a pane does with a reply: given the pane (as `Any`, downcast to
/// the pane that asked), the reply and the context.
type Then = Box<dyn FnOnce(&mut dyn Any, Reply, &mut Cx<'_>)>;

/// A request made but not yet sent: a confirmation dialog holds one until
/// `y`.
pub struct Prepared {
    pane: PaneId,
    call: Call,
    then: Then,
}

impl fmt::Debug for Prepared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} for {}", self.call, self.pane)
    }
}

struct Waiting {
    pane: PaneId,
    slot: Option<&'static str>,
    then: Then,
}

/// The load in flight for one kind of data of one pane.
struct Slot {
    request: u64,
    /// The data changed while the load was in flight: this load goes out
    /// when it answers.
    again: Option<Prepared>,
}

/// The book of requests in flight, and the calls to send.
#[derive(Default)]
pub struct Requests {
    last: u64,
    waiting: HashMap<u64, Waiting>,
    slots: HashMap<(PaneId, &'static str), Slot>,
    outbox: Vec<Effect>,
}

impl Requests {
    /// A fresh request id.
    pub fn next_id(&mut self) -> u64 {
        self.last += 1;
        self.last
    }

    /// Sends `prepared`; in `slot`, it replaces the load in flight there,
    /// whose reply is then dropped.
    pub fn send(&mut self, prepared: Prepared, slot: Option<&'static str>) {
        let Prepared { pane, call, then } = prepared;
        if let Some(slot) = slot {
            let fresh = Slot {
                request: call.request,
                again: None,
            };
            if let Some(old) = self.slots.insert((pane, slot), fresh) {
                self.waiting.remove(&old.request);
            }
        }
        self.waiting
            .insert(call.request, Waiting { pane, slot, then });
        self.outbox.push(Effect::Call(call));
    }

    /// Sends `prepared` into `slot`, or, if a load is in flight there,
    /// sends it once that one answers.
    pub fn send_when_idle(&mut self, prepared: Prepared, slot: &'static str) {
        match self.slots.get_mut(&(prepared.pane, slot)) {
            Some(in_flight) => in_flight.again = Some(prepared),
            None => self.send(prepared, Some(slot)),
        }
    }

    /// Drops the load in flight in `slot`: its reply will be ignored.
    fn forget(&mut self, pane: PaneId, slot: &'static str) {
        if let Some(old) = self.slots.remove(&(pane, slot)) {
            self.waiting.remove(&old.request);
        }
    }

    /// Which pane asked for `request`, if it is still wanted.
    pub fn asker(&self, request: u64) -> Option<PaneId> {
        self.waiting.get(&request).map(|w| w.pane)
    }

    pub fn loading(&self, pane: PaneId, slot: &'static str) -> bool {
        self.slots.contains_key(&(pane, slot))
    }

    /// The calls sent since the last time.
    pub fn drain(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.outbox)
    }

    /// Takes the waiter of `request`, if it is still wanted, with the load
    /// to send after it.
    fn take(&mut self, request: u64) -> Option<(Waiting, Option<Prepared>)> {
        let waiting = self.waiting.remove(&request)?;
        let again = waiting
            .slot
            .and_then(|slot| self.slots.remove(&(waiting.pane, slot)))
            .and_then(|slot| slot.again);
        Some((waiting, again))
    }
}

/// Which of a pane's loads are in flight, for [`crate::panes::Pane::needs_flush`].
pub struct Loads<'a> {
    pane: PaneId,
    requests: &'a Requests,
}

impl<'a> Loads<'a> {
    pub fn new(pane: PaneId, requests: &'a Requests) -> Self {
        Loads { pane, requests }
    }

    pub fn loading(&self, slot: &'static str) -> bool {
        self.requests.loading(self.pane, slot)
    }
}

/// What a pane may do while it handles a key, a reply or an event: ask the
/// backend, say something in the status line, open a confirmation.
pub struct Cx<'a> {
    pub(crate) pane: PaneId,
    pub(crate) requests: &'a mut Requests,
    pub(crate) status: &'a mut Option<Status>,
    pub(crate) layer: &'a mut Option<Layer>,
    /// The fleet, for what other panes show of its nodes (`None` in the
    /// Fleet pane itself).
    pub(crate) fleet: Option<&'a FleetPane>,
    pub(crate) asks: &'a mut Vec<Ask>,
    /// The room the panes have now.
    pub room: Room,
    pub now: Timestamp,
    pub readonly: bool,
    /// The pane is the one in view.
    pub shown: bool,
}

impl<'a> Cx<'a> {
    /// A request for `job`, whose reply `then` hands to pane `P`; not sent
    /// yet.
    pub fn prepare<P: Pane, J: Job>(
        &mut self,
        job: J,
        then: impl FnOnce(&mut P, J::Output, &mut Cx<'_>) + 'static,
    ) -> Prepared {
        let request = self.requests.next_id();
        self.prepare_as(request, job, then)
    }

    /// [`Cx::prepare`] under an id taken from [`Cx::next_id`], for a reply
    /// that must know which request it answers.
    pub fn prepare_as<P: Pane, J: Job>(
        &mut self,
        request: u64,
        job: J,
        then: impl FnOnce(&mut P, J::Output, &mut Cx<'_>) + 'static,
    ) -> Prepared {
        let call = Call::new(request, job);
        let then: Then = Box::new(move |pane, reply, cx| {
            let pane = pane
                .downcast_mut::<P>()
                .expect("a reply goes back to the pane that asked");
            let output = reply
                .downcast::<J::Output>()
                .expect("a reply is what its job answers");
            then(pane, *output, cx)
        });
        Prepared {
            pane: self.pane,
            call,
            then,
        }
    }

    /// Sends `job` now; `then` takes its reply.
    pub fn call<P: Pane, J: Job>(
        &mut self,
        job: J,
        then: impl FnOnce(&mut P, J::Output, &mut Cx<'_>) + 'static,
    ) {
        let prepared = self.prepare(job, then);
        self.send(prepared);
    }

    /// Sends a request made earlier.
    pub fn send(&mut self, prepared: Prepared) {
        self.requests.send(prepared, None);
    }

    /// A fresh request id, for [`Cx::prepare_as`].
    pub fn next_id(&mut self) -> u64 {
        self.requests.next_id()
    }

    /// Loads into `slot`: the newest load of a slot wins, the replies of
    /// older ones are dropped.
    pub fn load<P: Pane, J: Job>(
        &mut self,
        slot: &'static str,
        job: J,
        then: impl FnOnce(&mut P, J::Output, &mut Cx<'_>) + 'static,
    ) {
        let prepared = self.prepare(job, then);
        self.requests.send(prepared, Some(slot));
    }

    /// Loads into `slot` again because the data changed: at once, or when
    /// the load in flight answers (one more load, however many changes).
    pub fn reload<P: Pane, J: Job>(
        &mut self,
        slot: &'static str,
        job: J,
        then: impl FnOnce(&mut P, J::Output, &mut Cx<'_>) + 'static,
    ) {
        let prepared = self.prepare(job, then);
        self.requests.send_when_idle(prepared, slot);
    }

    /// Drops the load in flight in `slot`, for what it loads is no longer
    /// shown (a new view opened in its place).
    pub fn forget(&mut self, slot: &'static str) {
        self.requests.forget(self.pane, slot);
    }

    /// Whether a load into `slot` is in flight.
    pub fn loading(&self, slot: &'static str) -> bool {
        self.requests.loading(self.pane, slot)
    }

    /// Asks `prompt`; `y` sends `prepared`.
    pub fn confirm(&mut self, prompt: String, prepared: Prepared) {
        *self.layer = Some(Layer::Confirm {
            prompt,
            confirmed: prepared,
        });
    }

    /// Opens the pane's dialog `view` over it.
    pub fn open(&mut self, view: impl Any) {
        *self.layer = Some(Layer::Dialog(Dialog::new(self.pane, view)));
    }

    /// Puts back the dialog whose key the pane took.
    pub fn reopen(&mut self, dialog: Dialog) {
        *self.layer = Some(Layer::Dialog(dialog));
    }

    /// Closes the layer over the pane.
    pub fn close(&mut self) {
        *self.layer = None;
    }

    /// The pane's dialog of type `T` over it, if that is what is open.
    pub fn dialog_mut<T: Any>(&mut self) -> Option<&mut T> {
        match self.layer.as_mut()? {
            Layer::Dialog(dialog) if dialog.owner() == self.pane => dialog.get_mut(),
            _ => None,
        }
    }

    /// Asks the console for something beyond this pane, done once the
    /// pane is through.
    pub fn ask(&mut self, ask: Ask) {
        self.asks.push(ask);
    }

    /// Every node of the fleet.
    pub fn fleet_rows(&self) -> &[FleetRow] {
        self.fleet.map_or(&[], |fleet| &fleet.rows)
    }

    /// The nodes selected in the fleet, in order.
    pub fn fleet_marked(&self) -> Vec<String> {
        self.fleet
            .map(|fleet| fleet.marked.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// A node's name, as the fleet knows it (empty if it does not).
    pub fn node_name(&self, instance_id: &str) -> String {
        self.fleet
            .and_then(|fleet| fleet.row(instance_id))
            .map(|row| row.name.clone())
            .unwrap_or_default()
    }

    pub fn set_status(&mut self, text: impl Into<String>, error: bool) {
        *self.status = Some(Status::new(text.into(), error, self.pane));
    }

    /// Hands `reply` to the pane that asked for `request`, unless a newer
    /// load replaced it; sends the load its slot kept for later.
    pub fn deliver(&mut self, pane: &mut dyn Pane, request: u64, reply: Reply) {
        let Some((waiting, again)) = self.requests.take(request) else {
            return;
        };
        debug_assert_eq!(waiting.pane, self.pane);
        let pane: &mut dyn Any = pane;
        (waiting.then)(pane, reply, self);
        if let Some(again) = again {
            let slot = waiting.slot;
            self.requests.send(again, slot);
        }
    }
}

#[cfg(test)]
mod tests {
    use ratatui::Frame;
    use ratatui::layout::Rect;

    use super::*;
    use crate::keys::{Command, Scope};
    use crate::panes::Handled;
    use crate::runtime::job::Work;
    use crate::table::TableView;
    use crate::theme::Theme;

    /// A pane that keeps what its loads answered.
    struct Probe {
        table: TableView,
        got: Vec<u32>,
    }

    impl Pane for Probe {
        fn scopes(&self) -> Vec<Scope> {
            Vec::new()
        }
        fn table(&self) -> &TableView {
            &self.table
        }
        fn table_mut(&mut self) -> &mut TableView {
            &mut self.table
        }
        fn handle(&mut self, _: Command, _: &mut Cx) -> Handled {
            Handled::No
        }
        fn follows(&self, _: &sysman_api::events::Event) -> bool {
            false
        }
        fn settle(&mut self, _: &Room) {}
        fn render(&self, _: &mut Frame, _: Rect, _: &Theme, _: Timestamp) {}
    }

    struct World {
        requests: Requests,
        status: Option<Status>,
        layer: Option<Layer>,
        asks: Vec<Ask>,
        probe: Probe,
    }

    impl World {
        fn new() -> World {
            World {
                requests: Requests::default(),
                status: None,
                layer: None,
                asks: Vec::new(),
                probe: Probe {
                    table: TableView::new(&[]),
                    got: Vec::new(),
                },
            }
        }

        fn with<R>(&mut self, f: impl FnOnce(&mut Probe, &mut Cx) -> R) -> R {
            let mut cx = Cx {
                pane: PaneId::Fleet,
                requests: &mut self.requests,
                status: &mut self.status,
                layer: &mut self.layer,
                fleet: None,
                asks: &mut self.asks,
                room: Room {
                    page: 10,
                    body: 10,
                    size: (80, 24),
                    now: Timestamp(0),
                },
                now: Timestamp(0),
                readonly: false,
                shown: true,
            };
            f(&mut self.probe, &mut cx)
        }

        /// Sends `slot` a load whose reply the probe keeps.
        fn load(&mut self, slot: &'static str, again: bool) {
            self.with(|_, cx| {
                let job = Work::new("probe", |_| async { 0_u32 });
                let keep = |probe: &mut Probe, _, _: &mut Cx| probe.got.push(0);
                if again {
                    cx.reload(slot, job, keep);
                } else {
                    cx.load(slot, job, keep);
                }
            });
        }

        /// The ids of the calls sent since the last time.
        fn sent(&mut self) -> Vec<u64> {
            let drained = self.requests.drain();
            drained
                .into_iter()
                .map(|Effect::Call(call)| call.request)
                .collect()
        }

        /// Answers `request`; whether the probe took the reply.
        fn answer(&mut self, request: u64) -> bool {
            let before = self.probe.got.len();
            let reply: Reply = Box::new(7_u32);
            self.with(|probe, cx| cx.deliver(probe, request, reply));
            self.probe.got.len() > before
        }
    }

    #[test]
    fn the_newest_load_of_a_slot_wins() {
        let mut w = World::new();
        w.load("list", false);
        w.load("list", false);
        let [old, new] = w.sent()[..] else { panic!() };
        assert!(!w.answer(old), "a superseded load's reply is dropped");
        assert!(w.answer(new));
        assert!(!w.with(|_, cx| cx.loading("list")));
    }

    #[test]
    fn changes_while_a_load_is_in_flight_make_one_more_load() {
        let mut w = World::new();
        w.load("list", false);
        let [first] = w.sent()[..] else { panic!() };
        w.load("list", true);
        w.load("list", true);
        assert!(w.sent().is_empty(), "nothing more while one is in flight");
        assert!(w.answer(first));
        let [again] = w.sent()[..] else {
            panic!("one more load")
        };
        assert!(w.with(|_, cx| cx.loading("list")));
        assert!(w.answer(again));
        assert!(w.sent().is_empty());
    }

    #[test]
    fn a_forgotten_slot_drops_its_reply() {
        let mut w = World::new();
        w.load("counts", false);
        let [request] = w.sent()[..] else { panic!() };
        w.with(|_, cx| cx.forget("counts"));
        assert!(!w.with(|_, cx| cx.loading("counts")));
        assert!(!w.answer(request));
    }
}

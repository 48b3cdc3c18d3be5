//! The console's runtime: one loop that turns terminal input, backend
//! events and a slow tick into messages, lets the app update, carries out
//! its effects in the background, and redraws at most ~60 times a second,
//! only when something changed.

use std::time::{Duration, Instant};

use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{self, Event as TermEvent};
use sysman_api::ApiError;
use sysman_api::fleet::{
    Activation, DeleteActivation, DeregisterManagedInstance, DescribeActivations, ListNodes,
    NodeSummary,
};
use sysman_api::parameters::{
    DeleteParameter, DescribeParameters, GetParameter, GetParameterHistory, LabelParameterVersion,
    Parameter, ParameterHistory, ParameterMetadata,
};
use sysman_backend::{Backend, Caller, Handler};
use tokio::sync::{broadcast, mpsc};

use crate::app::{App, BackendMsg, Effect, Msg};

const FRAME: Duration = Duration::from_millis(16);
const TICK: Duration = Duration::from_secs(1);

/// The console's side of the seam to a backend. Embedded for now; the
/// remote side (the API client over HTTP) arrives with the server.
#[derive(Clone)]
pub struct Connection {
    backend: Backend,
    caller: Caller,
}

impl Connection {
    pub fn embedded(backend: Backend, caller: Caller) -> Self {
        Self { backend, caller }
    }

    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    pub async fn call<O: Handler>(&self, op: O) -> Result<O::Output, ApiError> {
        self.backend.call(&self.caller, op).await
    }

    pub async fn all_nodes(&self) -> Result<Vec<NodeSummary>, ApiError> {
        let mut nodes = Vec::new();
        let mut next_token = None;
        loop {
            let page = self
                .call(ListNodes {
                    max_results: Some(5000),
                    next_token,
                })
                .await?;
            nodes.extend(page.nodes);
            match page.next_token {
                Some(token) => next_token = Some(token),
                None => return Ok(nodes),
            }
        }
    }

    pub async fn all_activations(&self) -> Result<Vec<Activation>, ApiError> {
        let mut list = Vec::new();
        let mut next_token = None;
        loop {
            let page = self
                .call(DescribeActivations {
                    max_results: Some(50),
                    next_token,
                    filters: None,
                })
                .await?;
            list.extend(page.activation_list);
            match page.next_token {
                Some(token) => next_token = Some(token),
                None => return Ok(list),
            }
        }
    }

    pub async fn all_parameters(&self) -> Result<Vec<ParameterMetadata>, ApiError> {
        let mut list = Vec::new();
        let mut next_token = None;
        loop {
            let page = self
                .call(DescribeParameters {
                    max_results: Some(50),
                    next_token,
                    ..Default::default()
                })
                .await?;
            list.extend(page.parameters);
            match page.next_token {
                Some(token) => next_token = Some(token),
                None => return Ok(list),
            }
        }
    }

    async fn parameter_with_history(
        &self,
        name: &str,
    ) -> Result<(Parameter, Vec<ParameterHistory>), ApiError> {
        let current = self.call(GetParameter {
            name: name.to_owned(),
            with_decryption: Some(false),
        });
        let parameter = current.await?.parameter;
        let mut history = Vec::new();
        let mut next_token = None;
        loop {
            let page = self
                .call(GetParameterHistory {
                    name: name.to_owned(),
                    max_results: Some(50),
                    next_token,
                    ..Default::default()
                })
                .await?;
            history.extend(page.parameters);
            match page.next_token {
                Some(token) => next_token = Some(token),
                None => return Ok((parameter, history)),
            }
        }
    }

    /// Carries out one effect and says how it went.
    pub async fn perform(&self, effect: Effect) -> BackendMsg {
        let text = |e: ApiError| format!("{}: {}", e.code, e.message);
        match effect {
            Effect::LoadNodes { request } => BackendMsg::NodesLoaded {
                request,
                result: self.all_nodes().await.map_err(text),
            },
            Effect::LoadActivations { request } => BackendMsg::ActivationsLoaded {
                request,
                result: self.all_activations().await.map_err(text),
            },
            Effect::Deregister {
                request,
                instance_id,
            } => {
                let result = self
                    .call(DeregisterManagedInstance {
                        instance_id: instance_id.clone(),
                    })
                    .await
                    .map(|_| format!("deregistered {instance_id}"))
                    .map_err(text);
                BackendMsg::Done { request, result }
            }
            Effect::LoadParameters { request } => BackendMsg::ParametersLoaded {
                request,
                result: self.all_parameters().await.map_err(text),
            },
            Effect::LoadParameter { name } => {
                let result = self
                    .parameter_with_history(&name)
                    .await
                    .map(Box::new)
                    .map_err(text);
                BackendMsg::ParameterLoaded { name, result }
            }
            Effect::RevealParameter { name } => {
                let result = self
                    .call(GetParameter {
                        name: name.clone(),
                        with_decryption: Some(true),
                    })
                    .await
                    .map(|out| out.parameter.value)
                    .map_err(text);
                BackendMsg::ParameterRevealed { name, result }
            }
            Effect::PutParameter { request, put } => {
                let name = put.name.clone();
                let result = self
                    .call(*put)
                    .await
                    .map(|out| format!("saved {name}, version {}", out.version))
                    .map_err(text);
                BackendMsg::Done { request, result }
            }
            Effect::LabelVersion {
                request,
                name,
                version,
                label,
            } => {
                let op = LabelParameterVersion {
                    name: name.clone(),
                    parameter_version: Some(version),
                    labels: vec![label.clone()],
                };
                let result = match self.call(op).await {
                    Ok(out) if out.invalid_labels.is_empty() => {
                        Ok(format!("labelled version {version} of {name} '{label}'"))
                    }
                    Ok(_) => Err(format!(
                        "'{label}' is not a valid label: use letters, digits, '.', '-' and '_', \
                         not starting with a digit, aws or ssm"
                    )),
                    Err(e) => Err(text(e)),
                };
                BackendMsg::Done { request, result }
            }
            Effect::DeleteParameter { request, name } => {
                let result = self
                    .call(DeleteParameter { name: name.clone() })
                    .await
                    .map(|_| format!("deleted parameter {name}"))
                    .map_err(text);
                BackendMsg::Done { request, result }
            }
            Effect::DeleteActivation {
                request,
                activation_id,
            } => {
                let result = self
                    .call(DeleteActivation {
                        activation_id: activation_id.clone(),
                    })
                    .await
                    .map(|_| format!("deleted activation {activation_id}"))
                    .map_err(text);
                BackendMsg::Done { request, result }
            }
        }
    }
}

fn spawn_effects(connection: &Connection, effects: Vec<Effect>, tx: &mpsc::UnboundedSender<Msg>) {
    for effect in effects {
        let (connection, tx) = (connection.clone(), tx.clone());
        tokio::spawn(async move {
            let _ = tx.send(Msg::Backend(connection.perform(effect).await));
        });
    }
}

/// Runs the console until the user quits.
pub async fn run(
    terminal: &mut DefaultTerminal,
    mut app: App,
    initial: Vec<Effect>,
    connection: Connection,
) -> std::io::Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();

    // Terminal input blocks, so it gets a thread of its own.
    let input_tx = tx.clone();
    std::thread::Builder::new()
        .name("sysman-input".into())
        .spawn(move || {
            while let Ok(event) = event::read() {
                let msg = match event {
                    TermEvent::Key(key) => Msg::Key(key),
                    TermEvent::Resize(w, h) => Msg::Resize(w, h),
                    _ => continue,
                };
                if input_tx.send(msg).is_err() {
                    break;
                }
            }
        })?;

    let mut events = connection.backend().subscribe();
    let events_tx = tx.clone();
    tokio::spawn(async move {
        loop {
            let msg = match events.recv().await {
                Ok(event) => BackendMsg::Event(event),
                Err(broadcast::error::RecvError::Lagged(_)) => BackendMsg::Lagged,
                Err(broadcast::error::RecvError::Closed) => break,
            };
            if events_tx.send(Msg::Backend(msg)).is_err() {
                break;
            }
        }
    });

    let clock = connection.backend().clock();
    let tick_tx = tx.clone();
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(TICK);
        loop {
            interval.tick().await;
            if tick_tx.send(Msg::Tick(clock.now())).is_err() {
                break;
            }
        }
    });

    spawn_effects(&connection, initial, &tx);
    let size = terminal.size()?;
    app.update(Msg::Resize(size.width, size.height));
    loop {
        app.settle();
        terminal.draw(|frame| crate::ui::render(frame, &app))?;
        let last_draw = Instant::now();

        let Some(first) = rx.recv().await else { break };
        let effects = app.update(first);
        spawn_effects(&connection, effects, &tx);
        // Let a burst of messages share one frame.
        let deadline = tokio::time::Instant::now() + FRAME.saturating_sub(last_draw.elapsed());
        while !app.quit {
            tokio::select! {
                msg = rx.recv() => match msg {
                    Some(msg) => {
                        let effects = app.update(msg);
                        spawn_effects(&connection, effects, &tx);
                    }
                    None => app.quit = true,
                },
                () = tokio::time::sleep_until(deadline) => break,
            }
        }
        if app.quit {
            break;
        }
    }
    Ok(())
}

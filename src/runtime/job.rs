//! A backend call of any type, made by the runtime for a pane that cannot
//! await: a [`Job`] is one operation or a few chained ones, and a [`Call`]
//! is a job with its type erased, so one `Effect` carries any of them and
//! one message brings any result back.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

use sysman_api::{ApiError, Operation};
use sysman_backend::Handler;

use super::Connection;

/// Work for the runtime: what it asks and what it answers.
pub trait Job: Send + 'static {
    type Output: Send + 'static;
    /// What the job is called, in debug output and test failures.
    fn name(&self) -> &'static str;
    fn run(self, connection: &Connection) -> impl Future<Output = Self::Output> + Send;
}

/// Any operation is a job of one call.
impl<O: Handler> Job for O {
    type Output = Result<O::Output, ApiError>;

    fn name(&self) -> &'static str {
        O::NAME
    }

    fn run(self, connection: &Connection) -> impl Future<Output = Self::Output> + Send {
        connection.call(self)
    }
}

/// A list operation that pages with a token.
pub trait Paged: Operation + Clone {
    type Item: Send + 'static;
    /// This request, asking for the page `token` names.
    fn at(&self, token: Option<String>) -> Self;
    /// A page's items and the token of the next page.
    fn split(page: Self::Output) -> (Vec<Self::Item>, Option<String>);
}

/// Every item of a paged list: the pages are fetched one after another.
#[derive(Debug, Clone)]
pub struct EveryPage<O>(pub O);

impl<O: Paged + Handler> Job for EveryPage<O> {
    type Output = Result<Vec<O::Item>, ApiError>;

    fn name(&self) -> &'static str {
        O::NAME
    }

    async fn run(self, connection: &Connection) -> Self::Output {
        let mut list = Vec::new();
        let mut token = None;
        loop {
            let (items, next) = O::split(connection.call(self.0.at(token)).await?);
            list.extend(items);
            match next {
                Some(t) => token = Some(t),
                None => return Ok(list),
            }
        }
    }
}

/// A job written as an async function of the connection, for work of a
/// few calls that is used in one place.
pub struct Work<F> {
    name: &'static str,
    run: F,
}

impl<F> Work<F> {
    pub fn new<Fut>(name: &'static str, run: F) -> Self
    where
        F: FnOnce(Connection) -> Fut,
    {
        Work { name, run }
    }
}

impl<F, Fut, T> Job for Work<F>
where
    F: FnOnce(Connection) -> Fut + Send + 'static,
    Fut: Future<Output = T> + Send,
    T: Send + 'static,
{
    type Output = T;

    fn name(&self) -> &'static str {
        self.name
    }

    fn run(self, connection: &Connection) -> impl Future<Output = T> + Send {
        (self.run)(connection.clone())
    }
}

/// What a job answered, its type erased until the pane that asked takes it.
pub type Reply = Box<dyn Any + Send>;

type Running = Pin<Box<dyn Future<Output = Reply> + Send>>;

/// A job with its type erased, tagged with the request id its reply will
/// carry.
pub struct Call {
    pub request: u64,
    name: &'static str,
    job: Box<dyn Any + Send>,
    run: fn(Box<dyn Any + Send>, Connection) -> Running,
}

impl Call {
    pub fn new<J: Job>(request: u64, job: J) -> Call {
        Call {
            request,
            name: job.name(),
            job: Box::new(job),
            run: run_erased::<J>,
        }
    }

    /// The operation or job's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The job, if it is a `J`: how tests see what a key asked for.
    pub fn job<J: Job>(&self) -> Option<&J> {
        self.job.downcast_ref()
    }

    /// Runs the job and returns its reply.
    pub async fn perform(self, connection: &Connection) -> Reply {
        (self.run)(self.job, connection.clone()).await
    }
}

fn run_erased<J: Job>(job: Box<dyn Any + Send>, connection: Connection) -> Running {
    let job = *job
        .downcast::<J>()
        .unwrap_or_else(|_| unreachable!("a Call runs the job it was made with"));
    Box::pin(async move { Box::new(job.run(&connection).await) as Reply })
}

impl fmt::Debug for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Call({} #{})", self.name, self.request)
    }
}

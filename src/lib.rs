//! The sysman console: a keyboard-driven terminal UI over a sysman backend.
//!
//! The binary (`src/main.rs`) is a thin shell around this library, so tests
//! can drive the whole app with keys and render it into a test terminal.

pub mod app;
pub mod call;
pub mod cli;
pub mod config;
pub mod describe;
pub mod filter;
#[doc(hidden)]
pub mod fixture;
pub mod hints;
pub mod input;
pub mod keys;
pub mod pager;
pub mod palette;
pub mod panes;
pub mod request;
pub mod runtime;
pub mod screenshot;
pub mod serve;
pub mod table;
pub mod theme;
pub mod ui;

//! The POSIX shell look-alike that [`run_shell`](crate::run_shell) runs.

mod builtins;
mod commands;
mod echo;
pub(crate) mod exec;
mod expand;
mod parse;
mod sysinfo;
mod text;
mod usage;

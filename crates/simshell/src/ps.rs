//! The PowerShell look-alike that [`run_powershell`](crate::run_powershell)
//! runs.

mod cmdlets;
pub(crate) mod exec;
mod parse;

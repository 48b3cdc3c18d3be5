//! Command documents (schemaVersion 2.2, and 1.2's `runtimeConfig`):
//! parsing JSON and YAML content, checking it, checking the parameter
//! values a SendCommand gives against it, and putting those values into
//! the step inputs.
//!
//! Everything here is pure: no I/O, no clock, no async. Every fault is an
//! [`ApiError`] whose message names the path of the fault in the document
//! (`mainSteps[1].inputs.runCommand`) and says what to write instead. No
//! input panics: parsing runs under budgets (nesting depth, node count,
//! alias expansion), and nothing here indexes or unwraps untrusted data.

// One module per concern: `parse` reads and renders content strictly,
// `check` turns it into a `model::CommandDoc` (`runtime_config` reads
// schema 1.2's plugins as steps), `values` checks what a SendCommand
// gives, `interpolate` puts it into the steps; `messages` words every
// fault alike.
mod check;
#[cfg(test)]
mod fixtures;
mod interpolate;
mod messages;
mod model;
mod parse;
mod runtime_config;
mod values;

pub(crate) use check::command_doc;
pub(crate) use interpolate::interpolate;
pub(crate) use model::{CommandDoc, ParamDef, RUN_PATCH_BASELINE, Step, action_platforms};
pub(crate) use parse::{Format, parse, render};
pub(crate) use values::{ParamValue, check_parameters};

//! Helpdesk's process: the settings resolved from flags, `HELPDESK_*` variables, the file and the
//! defaults ([`Settings`]), and the one [`launch`] of the web server and its background duties
//! that `helpdesk serve`, the tests and the benchmarks all go through.

#![warn(missing_docs)]

pub mod config;
mod launch;
pub mod node;
mod settings;

pub use launch::{Background, Launch, launch};
pub use settings::{Duties, Overrides, Serve, Settings};

//! The integration test suite: one binary, one module per command or concern.

mod bad_input;
mod cli;
mod common;

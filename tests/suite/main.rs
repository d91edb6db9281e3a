//! The integration test suite: one binary, one module per command or concern.

mod cli;
mod common;

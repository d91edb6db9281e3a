//! The integration test suite: one binary, one module per command or concern.

mod annotate;
mod batch;
mod checklist;
mod cli;
mod common;
mod mapping;
mod roundtrip;
mod samples;

//! The integration test suite: one binary, one module per command or concern.

mod annotate;
mod architecture;
mod bad_input;
mod batch;
mod check;
mod checklist;
mod clean;
mod cli;
mod common;
mod door;
mod lists;
mod loop_truth;
mod mapping;
mod print;
mod release;
mod roundtrip;
mod samples;
mod serve;
mod structure;
mod way_back;

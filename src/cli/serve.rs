//! `icare-fix serve`: the local page, for people who never open a terminal (see
//! `icare_fix::serve`). Also what a double-click on the program starts.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use icare_fix::serve::{self, ServeOptions};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The port to listen on [default: a free one].
    #[arg(long, value_name = "N")]
    port: Option<u16>,
    /// Do not open the page in the browser; only print its address.
    #[arg(long)]
    no_open: bool,
    #[command(flatten)]
    common: super::common::Common,
}

pub fn run(args: ServeArgs) -> Result<ExitCode> {
    let registry = args.common.registry()?;
    serve::serve(
        registry,
        &ServeOptions {
            port: args.port.unwrap_or(0),
            open: !args.no_open,
        },
    )?;
    Ok(ExitCode::SUCCESS)
}

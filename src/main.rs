//! The `clvr` command: parses arguments and dispatches to the library. Nothing else.
#![deny(unsafe_code)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = sysman::cli::Args::parse();
    match sysman::cli::main(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sysman: {e}");
            ExitCode::FAILURE
        }
    }
}

//! `sysman-agent`: see [`sysman_agent::cli`].

fn main() -> std::process::ExitCode {
    sysman_agent::cli::main()
}

//! The `inlet` binary: the command line of [`inlet_cli`].

fn main() -> std::process::ExitCode {
    inlet_cli::main()
}

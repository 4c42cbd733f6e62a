//! roost's command line, built into this package so that its tests can run it as a process.
fn main() -> std::process::ExitCode {
    roost_cli::main()
}

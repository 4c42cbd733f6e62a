fn main() -> std::process::ExitCode {
    roost_cli::main()
}

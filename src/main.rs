fn main() -> std::process::ExitCode {
    redovisa::cli::main()
}

// Every allocation of roost goes through mimalloc (why, and how it is tuned: `allocator.rs`).
#[global_allocator]
static ALLOCATOR: roost_cli::allocator::MiMalloc = roost_cli::allocator::MiMalloc;

fn main() -> std::process::ExitCode {
    roost_cli::allocator::tune();
    roost_cli::main()
}

//! `roost completions` and `roost man`: generated from the clap definitions, so they never
//! disagree with `--help`.

use crate::connect::{BoxDiag, diag};
use crate::{CmdResult, exit, output};
use std::path::Path;

/// A completion script for `shell` on stdout. The script completes `roost`, whatever the
/// binary running it is called.
pub fn completions(mut cmd: clap::Command, shell: clap_complete::Shell) -> CmdResult {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "roost", &mut out);
    output::stdout(&String::from_utf8_lossy(&out));
    Ok(exit::OK)
}

/// The man page of roost on stdout, or with `dir` one page per command written there.
pub fn man(cmd: clap::Command, dir: Option<&Path>) -> CmdResult {
    match dir {
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut out)
                .map_err(|e| io_error("render the man page", e))?;
            output::stdout(&String::from_utf8_lossy(&out));
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| io_error(&format!("create {}", dir.display()), e))?;
            clap_mangen::generate_to(cmd, dir)
                .map_err(|e| io_error(&format!("write man pages to {}", dir.display()), e))?;
            output::status(&format!("wrote the man pages to {}", dir.display()));
        }
    }
    Ok(exit::OK)
}

fn io_error(what: &str, e: std::io::Error) -> BoxDiag {
    diag(
        "roost::io",
        format!("cannot {what}: {e}"),
        "check the directory exists and is writable",
    )
}

#[cfg(test)]
mod tests {
    use crate::Cli;
    use clap::CommandFactory;

    /// Every argument of every command, with the path of commands leading to it.
    fn walk(cmd: &clap::Command, path: &str, out: &mut Vec<(String, clap::Arg)>) {
        let here = format!("{path} {}", cmd.get_name()).trim().to_string();
        for arg in cmd.get_arguments() {
            out.push((here.clone(), arg.clone()));
        }
        for sub in cmd.get_subcommands() {
            walk(sub, &here, out);
        }
    }

    #[test]
    fn every_flag_of_every_command_is_described() {
        let mut args = Vec::new();
        walk(&Cli::command(), "", &mut args);
        assert!(
            args.len() > 50,
            "the walk found only {} arguments",
            args.len()
        );
        let blank: Vec<String> = args
            .iter()
            .filter(|(_, a)| {
                let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
                help.trim().is_empty()
            })
            .map(|(cmd, a)| format!("{cmd}: {}", a.get_id()))
            .collect();
        assert!(
            blank.is_empty(),
            "arguments without a description: {blank:#?}"
        );
    }

    #[test]
    fn every_choice_of_every_flag_is_described() {
        let mut args = Vec::new();
        walk(&Cli::command(), "", &mut args);
        let mut blank = Vec::new();
        for (cmd, a) in args.iter().filter(|(_, a)| a.get_action().takes_values()) {
            for v in a.get_possible_values() {
                if v.get_help().is_none_or(|h| h.to_string().trim().is_empty()) {
                    blank.push(format!("{cmd}: --{} {}", a.get_id(), v.get_name()));
                }
            }
        }
        // Shell names are self-explanatory and come from clap_complete.
        blank.retain(|b| !b.starts_with("roost completions: --shell "));
        assert!(
            blank.is_empty(),
            "choices without a description: {blank:#?}"
        );
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn completions_cover_every_command_in_every_shell() {
        for shell in [
            clap_complete::Shell::Bash,
            clap_complete::Shell::Zsh,
            clap_complete::Shell::Fish,
            clap_complete::Shell::PowerShell,
        ] {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "roost", &mut out);
            let text = String::from_utf8(out).expect("utf-8 script");
            for sub in Cli::command().get_subcommands() {
                assert!(
                    text.contains(sub.get_name()),
                    "{shell} completions miss `{}`",
                    sub.get_name()
                );
            }
            assert!(
                text.contains("rate-limit"),
                "{shell} completions miss flags"
            );
        }
    }

    #[test]
    fn the_man_page_documents_commands_and_version() {
        let mut out = Vec::new();
        clap_mangen::Man::new(Cli::command())
            .render(&mut out)
            .expect("render");
        let text = String::from_utf8(out).expect("utf-8 page");
        assert!(
            text.starts_with(".ie") || text.contains(".TH roost"),
            "{text}"
        );
        for sub in ["plan", "apply", "drift", "completions", "man"] {
            assert!(text.contains(sub), "the man page misses {sub}");
        }
        assert!(
            text.contains(env!("ROOST_COMMIT")),
            "the man page has no commit"
        );
    }

    #[test]
    fn the_version_names_commit_and_build_date() {
        let v = crate::LONG_VERSION;
        assert!(v.starts_with(env!("CARGO_PKG_VERSION")), "{v}");
        assert!(v.contains("(commit "), "{v}");
        let date = env!("ROOST_BUILD_DATE");
        assert!(
            date == "unknown"
                || (date.len() == 10 && date.as_bytes()[4] == b'-' && date.as_bytes()[7] == b'-'),
            "{date}"
        );
    }
}

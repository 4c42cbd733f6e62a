//! Errors that only follow from a file that did not parse.
//!
//! A file that does not parse declares nothing, so every reference to a user, node, location,
//! template or server it declares would be reported as "not declared", burying the one real
//! error (a single `admin true` once gave 8 such errors, its own error printed last). A "not
//! declared" problem is held back when its name appears as a whole word or string in a file
//! that did not parse: that file may well declare it. A name that no such file mentions cannot
//! be declared by fixing them, so its problem is still reported. The report counts what it holds
//! back in a note.

use crate::diag::Problem;

/// The problems to report, and a note counting those held back because of `failed` files
/// (name, text).
pub(crate) fn hold_back(
    problems: Vec<Problem>,
    failed: &[(&str, &str)],
) -> (Vec<Problem>, Option<String>) {
    if failed.is_empty() {
        return (problems, None);
    }
    let (held, kept): (Vec<Problem>, Vec<Problem>) = problems.into_iter().partition(|p| {
        p.undeclared
            .as_deref()
            .is_some_and(|name| failed.iter().any(|(_, text)| mentions(text, name)))
    });
    if held.is_empty() {
        return (kept, None);
    }
    let names: Vec<&str> = failed.iter().map(|(name, _)| *name).collect();
    let files = match names.as_slice() {
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => String::new(),
    };
    // The same problem can come up once per server using a template: count it once.
    let count = held.iter().collect::<std::collections::HashSet<_>>().len();
    let note = format!(
        "{count} further check{} skipped because {files} did not parse",
        if count == 1 { "" } else { "s" },
    );
    (kept, Some(note))
}

/// Whether `name` appears in `text` as a whole KDL word or string (not inside a longer one).
fn mentions(text: &str, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    // Characters that end a KDL identifier, or a name inside a string.
    let boundary =
        |c: Option<char>| c.is_none_or(|c| c.is_whitespace() || "\"{}()[];=/\\#".contains(c));
    text.match_indices(name).any(|(at, _)| {
        boundary(text[..at].chars().next_back()) && boundary(text[at + name.len()..].chars().next())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Span;

    fn undeclared(name: &str) -> Problem {
        Problem::new("roost::undefined-reference", name, Span::default(), "").undeclared(name)
    }

    #[test]
    fn names_are_found_as_whole_words_only() {
        assert!(mentions("user \"mira.k\" {", "mira.k"));
        assert!(mentions("user mira.k {", "mira.k"));
        assert!(mentions("depends-on \"server.proxy\"", "server.proxy"));
        assert!(!mentions("user \"alice2\" {", "alice"));
        assert!(!mentions("description \"alice's\"", "alice"));
        assert!(!mentions("anything", ""));
    }

    #[test]
    fn only_names_a_failed_file_mentions_are_held_back() {
        let problems = vec![
            undeclared("alice"),
            undeclared("alice"),
            undeclared("bob"),
            Problem::new("roost::unknown-field", "x", Span::default(), ""),
        ];
        let (kept, note) = hold_back(problems.clone(), &[("users.kdl", "user \"alice\" {")]);
        assert_eq!(kept, problems[2..]);
        assert_eq!(
            note.as_deref(),
            Some("1 further check skipped because users.kdl did not parse")
        );
        let (kept, note) = hold_back(
            problems.clone(),
            &[("a.kdl", "alice"), ("b.kdl", "bob"), ("c.kdl", "")],
        );
        assert_eq!(kept, problems[3..]);
        assert_eq!(
            note.as_deref(),
            Some("2 further checks skipped because a.kdl, b.kdl and c.kdl did not parse")
        );
        assert_eq!(hold_back(problems.clone(), &[]), (problems, None));
    }
}

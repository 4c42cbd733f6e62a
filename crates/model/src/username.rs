//! Usernames as the panels store them: both lower-case every username they are sent, and both
//! trim it (Laravel's TrimStrings), so `Sam_B` is stored as `sam_b`. roost compares usernames in
//! this form wherever it matches a user, and the manifests must write them so.

/// `name` as the panel will store it.
pub fn stored_username(name: &str) -> String {
    name.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_stored_trimmed_and_lower_case() {
        assert_eq!(stored_username("Sam_B"), "sam_b");
        assert_eq!(stored_username(" alex "), "alex");
        assert_eq!(stored_username("alex"), "alex");
    }
}

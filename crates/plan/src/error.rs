//! Why a plan cannot be made.

use roost_model::Origin;

/// A reason the plan cannot be made. The planner never guesses; it says what to do instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    pub code: &'static str,
    pub message: String,
    pub help: Option<String>,
    /// Where in the manifests, when the problem belongs to a declared resource.
    pub origin: Option<Origin>,
}

impl PlanError {
    pub(crate) fn new(
        code: &'static str,
        message: impl Into<String>,
        origin: Option<Origin>,
    ) -> Self {
        PlanError {
            code,
            message: message.into(),
            help: None,
            origin,
        }
    }

    pub(crate) fn help(mut self, h: impl Into<String>) -> Self {
        self.help = Some(h.into());
        self
    }
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

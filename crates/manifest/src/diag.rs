//! Diagnostics: every manifest problem, with its file, span, label and help, rendered by miette.

use crate::snippet::{IndexedSource, LineIndex};
use miette::{Diagnostic, LabeledSpan, Severity, SourceSpan};
use std::cell::OnceCell;
use std::fmt;
use std::sync::Arc;

/// A byte range in one manifest file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub file: u32,
    pub offset: u32,
    pub len: u32,
}

impl Span {
    pub fn new(file: u32, span: SourceSpan) -> Self {
        Span {
            file,
            offset: span.offset() as u32,
            len: span.len() as u32,
        }
    }

    pub fn source_span(self) -> SourceSpan {
        SourceSpan::new((self.offset as usize).into(), self.len as usize)
    }

    pub fn origin(self) -> roost_model::Origin {
        roost_model::Origin {
            file: self.file,
            offset: self.offset,
            len: self.len,
        }
    }

    pub fn from_origin(o: roost_model::Origin) -> Self {
        Span {
            file: o.file,
            offset: o.offset,
            len: o.len,
        }
    }
}

/// One problem found in the manifests, before it is attached to its source text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Problem {
    pub code: &'static str,
    pub message: String,
    /// Primary label first. All labels must be in the same file; use `related` for others.
    pub labels: Vec<(Span, String)>,
    pub help: Option<String>,
    pub related: Vec<Problem>,
    /// A warning: reported, but the manifests still load (e.g. a rule only some panel
    /// releases enforce, see `roost_model::release`).
    pub warning: bool,
    /// The name this problem says is not declared: held back when a file that may declare it
    /// did not parse.
    pub undeclared: Option<String>,
}

impl Problem {
    pub fn new(
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Problem {
            code,
            message: message.into(),
            labels: vec![(span, label.into())],
            help: None,
            related: Vec::new(),
            warning: false,
            undeclared: None,
        }
    }

    /// Makes this problem a warning.
    pub fn as_warning(mut self) -> Self {
        self.warning = true;
        self
    }

    /// Mark the problem as "`name` is not declared".
    pub fn undeclared(mut self, name: impl Into<String>) -> Self {
        self.undeclared = Some(name.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn label(mut self, span: Span, label: impl Into<String>) -> Self {
        self.labels.push((span, label.into()));
        self
    }

    pub fn related(mut self, other: Problem) -> Self {
        self.related.push(other);
        self
    }

    /// Where the problem is, for ordering: file, then offset.
    pub fn sort_key(&self) -> (u32, u32) {
        self.labels
            .first()
            .map(|(s, _)| (s.file, s.offset))
            .unwrap_or((u32::MAX, 0))
    }
}

/// The files of a report, each line-indexed once, when a problem first points into it.
pub(crate) struct SourceFiles<'a> {
    files: &'a [(String, Arc<str>)],
    indexes: Vec<OnceCell<Arc<LineIndex>>>,
}

impl<'a> SourceFiles<'a> {
    pub(crate) fn new(files: &'a [(String, Arc<str>)]) -> Self {
        SourceFiles {
            files,
            indexes: files.iter().map(|_| OnceCell::new()).collect(),
        }
    }

    fn source(&self, file: usize) -> Option<IndexedSource> {
        let (name, text) = self.files.get(file)?;
        let index = self.indexes[file].get_or_init(|| Arc::new(LineIndex::new(text)));
        Some(IndexedSource::new(
            name.clone(),
            text.clone(),
            index.clone(),
        ))
    }
}

/// A problem attached to its source text, ready for miette.
#[derive(Debug)]
pub struct SourceDiagnostic {
    code: &'static str,
    message: String,
    source: Option<IndexedSource>,
    labels: Vec<LabeledSpan>,
    help: Option<String>,
    related: Vec<SourceDiagnostic>,
    /// Related notes ("first declared here" in another file) are advice, not more errors.
    severity: Severity,
}

impl SourceDiagnostic {
    pub(crate) fn attach(problem: Problem, files: &SourceFiles) -> Self {
        let source = problem
            .labels
            .first()
            .and_then(|(s, _)| files.source(s.file as usize));
        let mut labels: Vec<LabeledSpan> = problem
            .labels
            .iter()
            .enumerate()
            .map(|(i, (span, text))| {
                let text = (!text.is_empty()).then(|| text.clone());
                let span = match &source {
                    Some(source) => source.fit_label(span.source_span()),
                    None => span.source_span(),
                };
                if i == 0 {
                    LabeledSpan::new_primary_with_span(text, span)
                } else {
                    LabeledSpan::new_with_span(text, span)
                }
            })
            .collect();
        labels.sort_by_key(|l| l.offset());
        SourceDiagnostic {
            code: problem.code,
            message: problem.message,
            source,
            labels,
            help: problem.help,
            related: problem
                .related
                .into_iter()
                .map(|p| SourceDiagnostic {
                    severity: Severity::Advice,
                    ..SourceDiagnostic::attach(p, files)
                })
                .collect(),
            severity: if problem.warning {
                Severity::Warning
            } else {
                Severity::Error
            },
        }
    }

    /// A problem that has no place in a manifest (a missing directory, an unreadable file).
    pub fn without_source(
        code: &'static str,
        message: impl Into<String>,
        help: Option<String>,
    ) -> Self {
        SourceDiagnostic {
            code,
            message: message.into(),
            source: None,
            labels: Vec::new(),
            help,
            related: Vec::new(),
            severity: Severity::Error,
        }
    }

    pub fn code_str(&self) -> &'static str {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn is_warning(&self) -> bool {
        self.severity == Severity::Warning
    }
}

impl fmt::Display for SourceDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SourceDiagnostic {}

impl Diagnostic for SourceDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(self.related.iter().map(|d| d as &dyn Diagnostic)))
        }
    }
}

/// Every problem found in a manifest set, in file order: one report.
#[derive(Debug)]
pub struct ManifestErrors {
    pub diagnostics: Vec<SourceDiagnostic>,
    /// What the report leaves out, and why ("3 further checks skipped because users.kdl did
    /// not parse").
    pub note: Option<String>,
}

impl fmt::Display for ManifestErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.diagnostics.len() {
            1 => write!(f, "the manifests have 1 error"),
            n => write!(f, "the manifests have {n} errors"),
        }
    }
}

impl std::error::Error for ManifestErrors {}

impl Diagnostic for ManifestErrors {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("roost::invalid-manifests"))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.note
            .as_ref()
            .map(|n| Box::new(n) as Box<dyn fmt::Display>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        Some(Box::new(
            self.diagnostics.iter().map(|d| d as &dyn Diagnostic),
        ))
    }
}

impl ManifestErrors {
    /// Render the report without colour at a fixed width (for snapshots and pipes).
    pub fn render_plain(&self, width: usize) -> String {
        render_plain(self, width)
    }
}

/// Render any diagnostic without colour at a fixed width.
pub fn render_plain(diag: &dyn Diagnostic, width: usize) -> String {
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_width(width)
            .with_links(false);
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = handler.render_report(&mut out, diag);
    out
}

/// "did you mean" hint: the closest known word, if one is close enough to be a likely typo.
pub fn suggest<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|k| (strsim::jaro_winkler(word, k), k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_find_typos_and_ignore_nonsense() {
        assert_eq!(
            suggest("memroy", ["memory", "disk", "swap"]),
            Some("memory")
        );
        assert_eq!(suggest("fqnd", ["fqdn", "scheme"]), Some("fqdn"));
        assert_eq!(suggest("zzzz", ["memory", "disk"]), None);
    }
}

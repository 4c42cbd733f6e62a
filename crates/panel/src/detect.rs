//! Where the panel is and which dialect it speaks, decided from evidence only.
//!
//! * The configured URL is the panel's root. A URL that points into the API (`.../api/application`,
//!   `.../api/client/...`, a pasted endpoint) is cut back to the root; any other path is kept
//!   (panels can live in a sub-directory) and checked by the first probe.
//! * The route probe reads `GET /nests` (Pterodactyl only) and, if that proves nothing,
//!   `GET /database-hosts` (Pelican only). Routes are matched before authentication and
//!   throttling, so any key works. Only an answer about the route itself is evidence: the route
//!   exists (any 2xx, 401, 403) or the panel says exactly that route does not exist. A 429,
//!   a 5xx or no answer proves nothing, and a route-miss naming a longer path means the URL
//!   has a path the panel does not serve: both end in an error that says so, never in a guess.

use crate::error::PanelError;
use reqwest::Url;
use roost_model::{Dialect, Route};

/// The panel root and its Application API URL (`<root>/api/application`).
pub(crate) fn api_urls(base_url: &str) -> Result<(String, Url), PanelError> {
    let bad = |why: &str| PanelError::Config(format!("base URL {base_url:?}: {why}"));
    let mut url = Url::parse(base_url.trim()).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("scheme must be http or https"));
    }
    url.set_query(None);
    url.set_fragment(None);
    let segments: Vec<String> = url
        .path_segments()
        .ok_or_else(|| bad("not a base"))?
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    // `.../api`, `.../api/application[/...]`, `.../api/client[/...]`: the root is before `api`.
    let root_len = segments
        .iter()
        .enumerate()
        .position(|(i, s)| {
            s == "api"
                && matches!(
                    segments.get(i + 1).map(String::as_str),
                    None | Some("application") | Some("client")
                )
        })
        .unwrap_or(segments.len());
    url.path_segments_mut()
        .map_err(|()| bad("not a base"))?
        .clear()
        .extend(&segments[..root_len]);
    let root = url.as_str().trim_end_matches('/').to_string();
    url.path_segments_mut()
        .map_err(|()| bad("not a base"))?
        .extend(["api", "application"]);
    Ok((root, url))
}

/// What one probe of `GET /<route>` proved.
#[derive(Debug)]
pub(crate) enum Probe {
    /// The route exists (the panel answered it, or refused the key for it).
    Exists,
    /// The panel says this route does not exist.
    Missing,
    /// The panel says the route does not exist below a path the URL has but the panel does
    /// not serve (`admin` in `https://panel.example.com/admin`).
    MissingBelow(String),
    /// No evidence either way (429 after retries, 5xx, no answer, an unexpected body).
    NoAnswer(PanelError),
}

/// Reads the answer to `GET /api/application/<route>`.
pub(crate) fn read_probe(route: &Route, answer: Result<(), PanelError>) -> Probe {
    let e = match answer {
        Ok(()) => return Probe::Exists,
        Err(PanelError::Unauthorized { .. } | PanelError::Forbidden { .. }) => {
            return Probe::Exists;
        }
        Err(e) => e,
    };
    let named = match &e {
        PanelError::NotFound { said, .. } => said
            .detail
            .strip_prefix("The route ")
            .and_then(|d| d.strip_suffix(" could not be found."))
            .map(str::to_string),
        _ => None,
    };
    // `Route` shows as `/nests`.
    let expected = format!("api/application{route}");
    match named {
        Some(n) if n == expected => Probe::Missing,
        Some(n) => match n.strip_suffix(&format!("/{expected}")) {
            Some(prefix) => Probe::MissingBelow(prefix.to_string()),
            None => Probe::NoAnswer(e),
        },
        None => Probe::NoAnswer(e),
    }
}

/// The dialect from the `/nests` probe, or `None` when the `/database-hosts` probe is needed.
pub(crate) fn from_nests(base_url: &str, nests: Probe) -> Result<Option<Dialect>, PanelError> {
    match nests {
        Probe::Exists => Ok(Some(Dialect::Pterodactyl)),
        Probe::Missing => Ok(Some(Dialect::Pelican)),
        Probe::MissingBelow(prefix) => Err(wrong_path(base_url, &prefix)),
        // A transport failure would fail the second probe the same way: say it now.
        Probe::NoAnswer(e @ (PanelError::Transport { .. } | PanelError::Timeout { .. })) => Err(e),
        Probe::NoAnswer(_) => Ok(None),
    }
}

/// The dialect from the `/database-hosts` probe, after `/nests` proved nothing.
pub(crate) fn from_database_hosts(
    base_url: &str,
    nests_error: String,
    hosts: Probe,
) -> Result<Dialect, PanelError> {
    match hosts {
        Probe::Exists => Ok(Dialect::Pelican),
        Probe::Missing => Ok(Dialect::Pterodactyl),
        Probe::MissingBelow(prefix) => Err(wrong_path(base_url, &prefix)),
        Probe::NoAnswer(e) => Err(PanelError::UnknownDialect {
            base_url: base_url.to_string(),
            reason: format!(
                "neither probe got an answer about its route ({nests_error}; then {e}); \
                 nothing was guessed: try again later, or set `dialect` in the panel block"
            ),
        }),
    }
}

fn wrong_path(base_url: &str, prefix: &str) -> PanelError {
    let root = base_url
        .strip_suffix(&format!("/{prefix}"))
        .unwrap_or(base_url);
    PanelError::UnknownDialect {
        base_url: base_url.to_string(),
        reason: format!(
            "the panel there does not serve its API below `/{prefix}`: give the panel's root \
             URL (probably {root}), not the address of a page"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::PanelSaid;

    fn roots(url: &str) -> (String, String) {
        let (root, api) = api_urls(url).unwrap();
        (root, api.to_string())
    }

    #[test]
    fn urls_into_the_api_are_cut_back_to_the_root() {
        let root = (
            "https://p.example.com".to_string(),
            "https://p.example.com/api/application".to_string(),
        );
        for url in [
            "https://p.example.com",
            "https://p.example.com/",
            " https://p.example.com/api/application ",
            "https://p.example.com/api/application/",
            "https://p.example.com/api",
            "https://p.example.com/api/application/servers?page=2",
            "https://p.example.com/api/client/servers/abc",
            "https://p.example.com/#x",
        ] {
            assert_eq!(roots(url), root, "{url}");
        }
        // A sub-directory install keeps its path.
        assert_eq!(
            roots("http://host:8080/panel/api/application"),
            (
                "http://host:8080/panel".to_string(),
                "http://host:8080/panel/api/application".to_string()
            )
        );
        assert_eq!(roots("http://host/apis").0, "http://host/apis");
        assert!(matches!(api_urls("ftp://x"), Err(PanelError::Config(_))));
        assert!(matches!(api_urls("not a url"), Err(PanelError::Config(_))));
    }

    fn miss(detail: &str) -> Result<(), PanelError> {
        Err(PanelError::NotFound {
            method: "GET".into(),
            path: "/nests".into(),
            said: PanelSaid {
                code: "NotFoundHttpException".into(),
                detail: detail.into(),
            },
        })
    }

    #[test]
    fn only_answers_about_the_route_are_evidence() {
        let nests = roost_model::nest_routes::list();
        assert!(matches!(read_probe(&nests, Ok(())), Probe::Exists));
        assert!(matches!(
            read_probe(
                &nests,
                miss("The route api/application/nests could not be found.")
            ),
            Probe::Missing
        ));
        assert!(matches!(
            read_probe(&nests, miss("The route admin/x/api/application/nests could not be found.")),
            Probe::MissingBelow(p) if p == "admin/x"
        ));
        // A missing model, or another route, proves nothing about this one.
        assert!(matches!(
            read_probe(
                &nests,
                miss("The requested resource could not be found on the server.")
            ),
            Probe::NoAnswer(_)
        ));
        assert!(matches!(
            read_probe(
                &nests,
                miss("The route api/application/other could not be found.")
            ),
            Probe::NoAnswer(_)
        ));
        let limited = Err(PanelError::RateLimited {
            method: "GET".into(),
            path: "/nests".into(),
            retry_after: None,
        });
        let Probe::NoAnswer(e) = read_probe(&nests, limited) else {
            panic!("a 429 is no evidence");
        };
        assert_eq!(from_nests("u", Probe::NoAnswer(e)).unwrap(), None);
    }

    #[test]
    fn a_path_the_panel_does_not_serve_is_refused_precisely() {
        let e = from_nests(
            "https://p.example.com/admin",
            Probe::MissingBelow("admin".into()),
        )
        .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("below `/admin`") && msg.contains("probably https://p.example.com"),
            "{msg}"
        );
        let e = from_database_hosts(
            "u",
            "GET /nests: 429".into(),
            Probe::NoAnswer(PanelError::Config("x".into())),
        )
        .unwrap_err();
        assert!(e.to_string().contains("nothing was guessed"), "{e}");
    }
}

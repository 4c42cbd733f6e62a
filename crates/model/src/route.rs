//! The panel's URL layout, below `/api/application`: each kind's module says where its
//! endpoints are (`routes`), the panel client builds URLs from them, and plans show them.

use std::fmt;

/// One endpoint path as segments (`["servers", "12", "build"]`). The panel client
/// percent-encodes each segment; `Display` shows the path as a reviewer reads it
/// (`/servers/12/build`, or `/servers/{server.lobby}/build` before the id exists).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Route {
    pub segments: Vec<String>,
}

impl Route {
    /// A route from its segments; each is shown as its `Display` text.
    pub fn new(segments: &[&dyn fmt::Display]) -> Route {
        Route {
            segments: segments.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.segments {
            write!(f, "/{s}")?;
        }
        Ok(())
    }
}

/// `route!["servers", id, "build"]`: a [`Route`] from anything that displays.
#[macro_export]
macro_rules! route {
    ($($segment:expr),+ $(,)?) => {
        $crate::Route::new(&[$(&$segment as &dyn ::std::fmt::Display),+])
    };
}

#[cfg(test)]
mod tests {
    #[test]
    fn routes_show_as_paths() {
        let id = 12;
        assert_eq!(
            crate::route!["servers", id, "build"].to_string(),
            "/servers/12/build"
        );
        assert_eq!(crate::route!["users"].segments, vec!["users".to_string()]);
    }
}

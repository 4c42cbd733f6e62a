//! Downloads through signed URLs (client/files.md, backups.md): the panel hands out a
//! single-use URL on the node's Wings (or a pre-signed S3 URL), valid 15 minutes, that carries
//! its own token. It is fetched with a plain HTTP client — never with the panel's client key,
//! which must not reach Wings or S3 — streamed into a temporary file beside the destination and
//! renamed into place only when complete, so an interrupted download leaves no partial file
//! under the name asked for. The URL is a credential: errors name its host and path only.

use crate::client_api::ClientApi;
use crate::error::{PanelError, PanelSaid};
use roost_model::Secret;
use std::path::Path;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// Bound on connecting to the node; the transfer itself has no overall bound (a backup may be
/// gigabytes), only one on silence.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
const READ_TIMEOUT: Duration = Duration::from_secs(60);

impl ClientApi {
    /// Opens `url`: the response, once its status says the body follows.
    async fn open_signed(&self, url: &Secret) -> Result<reqwest::Response, PanelError> {
        let shown = without_query(url.expose());
        let transport = |message: String, connect: bool| PanelError::Transport {
            method: "GET".into(),
            path: shown.clone(),
            message,
            connect,
        };
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(READ_TIMEOUT)
            .user_agent(concat!("roost-panel/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| PanelError::Config(format!("HTTP client: {e}")))?;
        let response = http
            .get(url.expose())
            .send()
            .await
            .map_err(|e| transport(scrub(&e.to_string(), url), e.is_connect()))?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            let body = response.text().await.unwrap_or_default();
            return Err(PanelError::Rejected {
                method: "GET".into(),
                path: shown.clone(),
                status,
                said: PanelSaid {
                    code: String::new(),
                    detail: body.chars().take(300).collect(),
                },
            });
        }
        Ok(response)
    }

    /// Streams `url` through SHA-256 without keeping it: (bytes, sha256 hex).
    pub async fn hash_signed(&self, url: &Secret) -> Result<(u64, String), PanelError> {
        let mut response = self.open_signed(url).await?;
        let mut hash = roost_model::Sha256Stream::new();
        let mut read = 0u64;
        loop {
            match response.chunk().await {
                Ok(Some(c)) => {
                    hash.update(&c);
                    read += c.len() as u64;
                }
                Ok(None) => break,
                Err(e) => {
                    return Err(PanelError::Transport {
                        method: "GET".into(),
                        path: without_query(url.expose()),
                        message: scrub(&e.to_string(), url),
                        connect: false,
                    });
                }
            }
        }
        Ok((read, hash.finish()))
    }

    /// Fetches `url` into `dest`; the number of bytes written.
    pub async fn download_signed(&self, url: &Secret, dest: &Path) -> Result<u64, PanelError> {
        let shown = without_query(url.expose());
        let transport = |message: String, connect: bool| PanelError::Transport {
            method: "GET".into(),
            path: shown.clone(),
            message,
            connect,
        };
        let mut response = self.open_signed(url).await?;
        let partial = dest.with_extension(match dest.extension() {
            Some(x) => format!("{}.part", x.to_string_lossy()),
            None => "part".into(),
        });
        let io = |e: std::io::Error, what: &Path| {
            PanelError::Config(format!("cannot write {}: {e}", what.display()))
        };
        let mut file = tokio::fs::File::create(&partial)
            .await
            .map_err(|e| io(e, &partial))?;
        let mut written = 0u64;
        loop {
            let chunk = match response.chunk().await {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(e) => {
                    drop(file);
                    let _ = tokio::fs::remove_file(&partial).await;
                    return Err(transport(scrub(&e.to_string(), url), false));
                }
            };
            file.write_all(&chunk).await.map_err(|e| io(e, &partial))?;
            written += chunk.len() as u64;
        }
        file.flush().await.map_err(|e| io(e, &partial))?;
        drop(file);
        tokio::fs::rename(&partial, dest)
            .await
            .map_err(|e| io(e, dest))?;
        Ok(written)
    }
}

/// The URL without its query, where the token is.
fn without_query(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or_default().to_string()
}

/// An error message with the URL (if reqwest quoted it) cut to its path.
fn scrub(message: &str, url: &Secret) -> String {
    message.replace(url.expose(), &without_query(url.expose()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_never_reaches_a_message() {
        let url = Secret::new("https://node1:8080/download/backup?token=eyJ.secret.sig");
        assert_eq!(
            without_query(url.expose()),
            "https://node1:8080/download/backup"
        );
        let m = scrub(
            &format!("error sending request for url ({})", url.expose()),
            &url,
        );
        assert!(!m.contains("eyJ"), "{m}");
    }
}

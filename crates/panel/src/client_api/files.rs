//! The file manager (client/files.md): every route but `download` and `upload` is forwarded
//! to Wings. Paths are sent with the server's full uuid whenever a parameter has surrounding
//! spaces or is empty, because both panels trim (and null) parameters unless the path names
//! the server by uuid (README §2).

use crate::client_api::ClientApi;
use crate::client_api::exec::ClientReq;
use crate::client_api::ops::ClientOp;
use crate::error::PanelError;
use roost_model::{Dialect, Secret, client_file_routes};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A `file_object` (times from Wings, in the node's timezone).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FileObject {
    pub name: String,
    /// `-rw-r--r--`.
    pub mode: String,
    /// Octal, as a string: `"644"`.
    pub mode_bits: String,
    pub size: u64,
    pub is_file: bool,
    pub is_symlink: bool,
    pub mimetype: String,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub modified_at: Option<String>,
}

/// A `signed_url`: a single-use URL on the node, valid 15 minutes (a pre-signed S3 URL for
/// backups kept on S3). It carries a token, so it is a credential.
#[derive(Debug, Clone, Deserialize)]
pub struct SignedUrl {
    #[serde(deserialize_with = "crate::client_api::wire::de_secret")]
    pub url: Secret,
}

/// A rename of `from` to `to`, both relative to the root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenameEntry {
    pub from: String,
    pub to: String,
}

/// A mode change: `mode` is sent as an octal string (`"755"`), the only form Wings reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChmodEntry {
    pub file: String,
    pub mode: u32,
}

/// Pelican's archive formats (Pterodactyl always writes `.tar.gz`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveFormat {
    Zip,
    TarGz,
    TarXz,
    TarBz2,
}

impl ArchiveFormat {
    fn extension(self) -> &'static str {
        match self {
            ArchiveFormat::Zip => "zip",
            ArchiveFormat::TarGz => "tar.gz",
            ArchiveFormat::TarXz => "tar.xz",
            ArchiveFormat::TarBz2 => "tar.bz2",
        }
    }
}

/// `POST /files/compress`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CompressBody {
    pub root: String,
    pub files: Vec<String>,
    /// Pelican only: the archive's name and format.
    pub name: Option<String>,
    pub format: Option<ArchiveFormat>,
}

/// `POST /files/pull`: Wings downloads `url` into the server (in the background unless
/// `foreground`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PullBody {
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub directory: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    pub use_header: bool,
    pub foreground: bool,
}

/// `""` and `"/"` are both the server's root.
fn root(r: &str) -> &str {
    if r.is_empty() { "/" } else { r }
}

/// Whether the panel would change `value` unless the path names the server by uuid.
fn trimmed_by_panel(value: &str) -> bool {
    value.is_empty() || value.trim() != value
}

impl ClientApi {
    /// The handle to address `server` by for file routes taking `params`: its uuid when a
    /// parameter would otherwise be trimmed or nulled (resolved once and remembered).
    async fn file_handle(&self, server: &str, params: &[&str]) -> Result<String, PanelError> {
        if server.len() != 8 || !params.iter().any(|p| trimmed_by_panel(p)) {
            return Ok(server.to_string());
        }
        let known = self
            .inner
            .uuids
            .lock()
            .ok()
            .and_then(|m| m.get(server).cloned());
        match known {
            Some(uuid) => Ok(uuid),
            None => Ok(self.server(server).await?.server.uuid),
        }
    }

    async fn file_req(
        &self,
        op: ClientOp,
        server: &str,
        action: &str,
        params: &[&str],
    ) -> Result<ClientReq, PanelError> {
        let handle = self.file_handle(server, params).await?;
        Ok(ClientReq::new(op, client_file_routes::action(&handle, action)).on(&handle))
    }

    /// The entries of `directory` (not sorted: Pterodactyl's Wings orders inconsistently).
    pub async fn list_files(
        &self,
        server: &str,
        directory: &str,
    ) -> Result<Vec<FileObject>, PanelError> {
        let req = self
            .file_req(ClientOp::FileList, server, "list", &[directory])
            .await?
            .query("directory", directory);
        self.list(&req).await
    }

    /// A file's content, as Wings sends it (Pelican converts it to UTF-8). Files over the
    /// panel's edit limit (4 MiB by default) are refused: use [`file_download_url`](Self::file_download_url).
    pub async fn file_contents(&self, server: &str, file: &str) -> Result<Vec<u8>, PanelError> {
        let req = self
            .file_req(ClientOp::FileContents, server, "contents", &[file])
            .await?
            .query("file", file);
        Ok(self.send(&req).await?.body)
    }

    /// A single-use URL on the node that downloads `file` (valid 15 minutes; a credential).
    pub async fn file_download_url(&self, server: &str, file: &str) -> Result<Secret, PanelError> {
        let req = self
            .file_req(ClientOp::FileDownload, server, "download", &[file])
            .await?
            .query("file", file);
        let a: SignedUrl = self.item(&req).await?;
        Ok(a.url)
    }

    /// A single-use URL on the node to POST files to (multipart, parts named `files`; add
    /// `&directory=`), valid 15 minutes.
    pub async fn file_upload_url(&self, server: &str) -> Result<Secret, PanelError> {
        let req = self
            .file_req(ClientOp::FileUpload, server, "upload", &[])
            .await?;
        let a: SignedUrl = self.item(&req).await?;
        Ok(a.url)
    }

    /// Creates or replaces `file` with `content` (parents created). Pterodactyl's Wings cannot
    /// write an empty file, so that is refused before sending.
    pub async fn write_file(
        &self,
        server: &str,
        file: &str,
        content: Vec<u8>,
    ) -> Result<(), PanelError> {
        let dialect = self.ensure_dialect().await?;
        if content.is_empty() && dialect == Dialect::Pterodactyl {
            return Err(PanelError::Unsupported {
                operation: "writing an empty file (Pterodactyl's Wings refuses it)",
                dialect,
            });
        }
        let req = self
            .file_req(ClientOp::FileWrite, server, "write", &[file])
            .await?
            .query("file", file)
            .raw(content);
        self.send(&req).await.map(|_| ())
    }

    /// Creates `name` (slashes make nested folders) below `root`.
    pub async fn create_folder(
        &self,
        server: &str,
        root_dir: &str,
        name: &str,
    ) -> Result<(), PanelError> {
        let root_dir = root(root_dir);
        let req = self
            .file_req(
                ClientOp::FileCreateFolder,
                server,
                "create-folder",
                &[root_dir, name],
            )
            .await?
            .json(&json!({ "root": root_dir, "name": name }))?;
        self.send(&req).await.map(|_| ())
    }

    /// Renames (or moves) entries below `root`. A missing source is skipped by Wings; an
    /// existing destination is refused. Never sent twice.
    pub async fn rename_files(
        &self,
        server: &str,
        root_dir: &str,
        files: &[RenameEntry],
    ) -> Result<(), PanelError> {
        let root_dir = root(root_dir);
        let mut params = vec![root_dir];
        params.extend(files.iter().flat_map(|f| [f.from.as_str(), f.to.as_str()]));
        let req = self
            .file_req(ClientOp::FileRename, server, "rename", &params)
            .await?
            .json(&json!({ "root": root_dir, "files": files }))?;
        self.send(&req).await.map(|_| ())
    }

    /// Copies `location` to `<name> copy<ext>` beside it. Never sent twice.
    pub async fn copy_file(&self, server: &str, location: &str) -> Result<(), PanelError> {
        let req = self
            .file_req(ClientOp::FileCopy, server, "copy", &[location])
            .await?
            .json(&json!({ "location": location }))?;
        self.send(&req).await.map(|_| ())
    }

    /// Deletes entries below `root`, recursively.
    pub async fn delete_files(
        &self,
        server: &str,
        root_dir: &str,
        files: &[String],
    ) -> Result<(), PanelError> {
        let root_dir = root(root_dir);
        let mut params = vec![root_dir];
        params.extend(files.iter().map(String::as_str));
        let req = self
            .file_req(ClientOp::FileDelete, server, "delete", &params)
            .await?
            .json(&json!({ "root": root_dir, "files": files }))?;
        self.send(&req).await.map(|_| ())
    }

    /// Archives entries below `root`; returns the archive. Never sent twice.
    pub async fn compress_files(
        &self,
        server: &str,
        body: &CompressBody,
    ) -> Result<FileObject, PanelError> {
        let root_dir = root(&body.root);
        let mut params = vec![root_dir];
        params.extend(body.files.iter().map(String::as_str));
        let mut payload = json!({ "root": root_dir, "files": body.files });
        if let Some(name) = &body.name {
            payload["name"] = json!(name);
        }
        if let Some(f) = body.format {
            payload["extension"] = json!(f.extension());
        }
        let req = self
            .file_req(ClientOp::FileCompress, server, "compress", &params)
            .await?
            .json(&payload)?;
        self.item(&req).await
    }

    /// Unpacks `file` (below `root`) beside it. Never sent twice.
    pub async fn decompress_file(
        &self,
        server: &str,
        root_dir: &str,
        file: &str,
    ) -> Result<(), PanelError> {
        let root_dir = root(root_dir);
        let req = self
            .file_req(
                ClientOp::FileDecompress,
                server,
                "decompress",
                &[root_dir, file],
            )
            .await?
            .json(&json!({ "root": root_dir, "file": file }))?;
        self.send(&req).await.map(|_| ())
    }

    /// Sets modes of entries below `root` (missing ones are skipped by Wings).
    pub async fn chmod_files(
        &self,
        server: &str,
        root_dir: &str,
        files: &[ChmodEntry],
    ) -> Result<(), PanelError> {
        let root_dir = root(root_dir);
        let mut params = vec![root_dir];
        params.extend(files.iter().map(|f| f.file.as_str()));
        let entries: Vec<_> = files
            .iter()
            .map(|f| json!({ "file": f.file, "mode": format!("{:o}", f.mode) }))
            .collect();
        let req = self
            .file_req(ClientOp::FileChmod, server, "chmod", &params)
            .await?
            .json(&json!({ "root": root_dir, "files": entries }))?;
        self.send(&req).await.map(|_| ())
    }

    /// Has Wings download `body.url` into the server. Limited (Pterodactyl 10 per 5 minutes
    /// per user, Pelican 5 per 10 minutes per server; planned). Never sent twice.
    pub async fn pull_file(&self, server: &str, body: &PullBody) -> Result<(), PanelError> {
        let mut params = vec![body.url.as_str()];
        params.extend(body.directory.as_deref());
        params.extend(body.filename.as_deref());
        let req = self
            .file_req(ClientOp::FilePull, server, "pull", &params)
            .await?
            .json(body)?;
        self.send(&req).await.map(|_| ())
    }
}

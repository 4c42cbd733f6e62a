//! Manifest directories: an editable copy, and reading a tree of `*.kdl` files.

use std::collections::BTreeMap;
use std::path::Path;

/// A copy of a manifest directory in a temporary directory, to edit.
pub struct Fleet {
    pub dir: tempfile::TempDir,
}

impl Fleet {
    pub fn copy(from: &Path) -> Fleet {
        let dir = tempfile::tempdir().expect("a temporary directory");
        copy_dir(from, dir.path());
        Fleet { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn read(&self, file: &str) -> String {
        let path = self.dir.path().join(file);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Replace `from` (which must occur exactly once) by `to` in `file`.
    pub fn edit(&self, file: &str, from: &str, to: &str) -> &Self {
        let text = self.read(file);
        assert_eq!(
            text.matches(from).count(),
            1,
            "{file} must hold {from:?} exactly once:\n{text}"
        );
        self.write(file, &text.replacen(from, to, 1));
        self
    }

    /// Append `text` to `file` (created when missing).
    pub fn append(&self, file: &str, text: &str) -> &Self {
        let mut old = std::fs::read_to_string(self.dir.path().join(file)).unwrap_or_default();
        old.push('\n');
        old.push_str(text);
        self.write(file, &old);
        self
    }

    /// Remove the block that starts with `header` (e.g. `server "creative"`) up to its closing
    /// brace at the start of a line.
    pub fn remove_block(&self, file: &str, header: &str) -> &Self {
        let text = self.read(file);
        let start = text
            .find(&format!("\n{header}"))
            .unwrap_or_else(|| panic!("{file} has no `{header}` block"))
            + 1;
        let end = start
            + text[start..]
                .find("\n}")
                .unwrap_or_else(|| panic!("`{header}` is not closed"))
            + 2;
        let mut out = text[..start].to_string();
        out.push_str(&text[end..]);
        self.write(file, &out);
        self
    }

    fn write(&self, file: &str, text: &str) {
        std::fs::write(self.dir.path().join(file), text).expect("write the file");
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the directory");
    for entry in std::fs::read_dir(from).expect("read the directory") {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a file");
        }
    }
}

/// Every file under `from` but the manifests themselves (`file` sources such as
/// `files/survival/server.properties`), copied to the same place under `to`.
pub fn copy_non_kdl(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read the directory") {
        let entry = entry.expect("a directory entry");
        let (path, target) = (entry.path(), to.join(entry.file_name()));
        if path.is_dir() {
            copy_non_kdl(&path, &target);
        } else if path.extension().is_none_or(|e| e != "kdl") {
            std::fs::create_dir_all(to).expect("create the directory");
            std::fs::copy(&path, &target).expect("copy a file");
        }
    }
}

/// Every `*.kdl` file under `dir`, relative path → text.
pub fn read_tree(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for e in std::fs::read_dir(dir).expect("read dir") {
            let e = e.expect("dir entry");
            let path = e.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.extension().is_some_and(|x| x == "kdl") {
                let rel = path
                    .strip_prefix(root)
                    .expect("under root")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read_to_string(&path).expect("read"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

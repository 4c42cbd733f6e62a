//! The state file: loaded at start, saved atomically (write + rename) after every change.

use crate::config::SimError;
use crate::state::SimState;
use roost_model::Dialect;
use std::path::{Path, PathBuf};

pub fn save_state(path: &Path, st: &SimState) -> Result<(), SimError> {
    let err = |source| SimError::WriteState {
        path: path.to_path_buf(),
        source,
    };
    let data = serde_json::to_vec(st).map_err(|e| err(std::io::Error::other(e)))?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, data).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

pub fn load_state(path: &Path, dialect: Dialect) -> Result<Option<SimState>, SimError> {
    if !path.exists() {
        return Ok(None);
    }
    let data = std::fs::read(path).map_err(|source| SimError::ReadState {
        path: path.to_path_buf(),
        source,
    })?;
    let mut st: SimState =
        serde_json::from_slice(&data).map_err(|source| SimError::ParseState {
            path: path.to_path_buf(),
            source,
        })?;
    if st.dialect != dialect {
        return Err(SimError::DialectMismatch {
            path: path.to_path_buf(),
            found: st.dialect,
            expected: dialect,
        });
    }
    st.reindex();
    Ok(Some(st))
}

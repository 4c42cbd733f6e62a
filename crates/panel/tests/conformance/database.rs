//! Server databases against the simulator, in both dialects.

//! roost-manifest

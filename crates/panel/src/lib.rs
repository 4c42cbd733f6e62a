//! roost-panel

//! roost-sim

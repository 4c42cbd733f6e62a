//! roost-graph

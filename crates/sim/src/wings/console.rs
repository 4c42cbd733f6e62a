//! What a server's daemon tells its console clients: every event in order with a sequence
//! number (so each websocket reads from its own cursor, none lost or repeated), and the console
//! lines kept for `send logs` in a ring buffer.

use std::collections::VecDeque;

/// How many console lines Wings replays on `send logs` (`websocket_log_count`).
pub const LOG_LINES: usize = 150;
/// How many events a server keeps for sockets that have not read them yet.
const EVENTS_KEPT: usize = 2_000;

/// One outbound websocket event of a server (client/websocket.md §5).
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Console(String),
    Status(&'static str),
    InstallStarted,
    InstallOutput(String),
    InstallCompleted,
    DaemonMessage(String),
    /// `{"uuid","is_successful","checksum","checksum_type","file_size"}`.
    BackupCompleted(String),
    BackupRestoreCompleted,
}

impl Event {
    /// The event's name and arguments on the wire.
    pub fn frame(&self) -> (&'static str, Vec<String>) {
        match self {
            Event::Console(l) => ("console output", vec![l.clone()]),
            Event::Status(s) => ("status", vec![(*s).to_string()]),
            Event::InstallStarted => ("install started", vec![String::new()]),
            Event::InstallOutput(l) => ("install output", vec![l.clone()]),
            Event::InstallCompleted => ("install completed", vec![String::new()]),
            Event::DaemonMessage(m) => ("daemon message", vec![m.clone()]),
            Event::BackupCompleted(j) => ("backup completed", vec![j.clone()]),
            Event::BackupRestoreCompleted => ("backup restore completed", vec![String::new()]),
        }
    }

    /// The token permission a client needs to receive it (none: everyone).
    pub fn permission(&self) -> Option<&'static str> {
        match self {
            Event::InstallOutput(_) => Some("admin.websocket.install"),
            Event::BackupCompleted(_) => Some("backup.read"),
            _ => None,
        }
    }
}

#[derive(Debug, Default)]
pub struct Console {
    next_seq: u64,
    events: VecDeque<(u64, Event)>,
    lines: VecDeque<String>,
}

impl Console {
    pub fn push(&mut self, e: Event) {
        if let Event::Console(l) = &e {
            if self.lines.len() == LOG_LINES {
                self.lines.pop_front();
            }
            self.lines.push_back(l.clone());
        }
        self.next_seq += 1;
        if self.events.len() == EVENTS_KEPT {
            self.events.pop_front();
        }
        self.events.push_back((self.next_seq, e));
    }

    /// The sequence number of the newest event (a new socket starts reading after it).
    pub fn head(&self) -> u64 {
        self.next_seq
    }

    /// Events after `cursor`, oldest first.
    pub fn since(&self, cursor: u64) -> Vec<(u64, Event)> {
        self.events
            .iter()
            .filter(|(s, _)| *s > cursor)
            .cloned()
            .collect()
    }

    /// The last console lines, oldest first (`send logs`).
    pub fn lines(&self) -> Vec<String> {
        self.lines.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_keeps_the_last_lines_and_cursors_see_each_event_once() {
        let mut c = Console::default();
        for i in 0..200 {
            c.push(Event::Console(format!("line {i}")));
        }
        let lines = c.lines();
        assert_eq!(lines.len(), LOG_LINES);
        assert_eq!(lines[0], "line 50");
        let at = c.head();
        c.push(Event::Status("running"));
        let new = c.since(at);
        assert_eq!(new, vec![(at + 1, Event::Status("running"))]);
        assert!(c.since(c.head()).is_empty());
    }
}

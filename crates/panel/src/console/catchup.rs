//! Catching up after output was missed. Wings sends console output only to a socket that is
//! open and holds a valid token: lines written while the socket was down, or while its token
//! had expired, never arrive. What Wings does keep is the tail of the console
//! (`websocket_log_count`, 150 lines), sent back on `send logs` while the server runs. After a
//! reconnect, or a renewal that followed an expiry, the session asks for that tail and passes
//! on only the lines after the last one it already passed on: nothing lost (unless more than
//! the tail was written in between, which is then reported), nothing twice.

use std::collections::VecDeque;

/// Lines Wings replays on `send logs` (its `websocket_log_count`), and so how many recently
/// passed-on lines are worth remembering to find where a replay continues them.
pub(crate) const REPLAYED_LINES: usize = 150;

/// The console lines most recently passed on to the caller.
#[derive(Debug, Default)]
pub(crate) struct Recent {
    lines: VecDeque<String>,
}

impl Recent {
    pub(crate) fn push(&mut self, line: &str) {
        if self.lines.len() == REPLAYED_LINES {
            self.lines.pop_front();
        }
        self.lines.push_back(line.to_string());
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// What a replay adds to what was already passed on.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Unseen {
    pub lines: Vec<String>,
    /// The replay does not reach back to the last line passed on: more than Wings keeps was
    /// written in between, and that much is lost.
    pub gap: bool,
}

/// The lines of `replay` (what arrived after `send logs`: Wings' tail, then any live output)
/// that come after the last line in `recent`.
///
/// The replay is a window of the server's console; `recent` ends at some line inside it. The
/// end of that overlap is found by the longest run of `recent`'s last lines that appears in
/// the replay, at its latest place. The longest run makes the match unambiguous where lines
/// repeat; not requiring all of `recent` keeps one odd line far back in it (a line the caller
/// saw twice) from making the whole tail look new.
pub(crate) fn unseen(recent: &Recent, replay: &[String]) -> Unseen {
    let seen = &recent.lines;
    if seen.is_empty() || replay.is_empty() {
        return Unseen {
            lines: replay.to_vec(),
            gap: false,
        };
    }
    for run in (1..=seen.len().min(replay.len())).rev() {
        let tail: Vec<&String> = seen.iter().skip(seen.len() - run).collect();
        let end = (run..=replay.len())
            .rev()
            .find(|&end| replay[end - run..end].iter().eq(tail.iter().copied()));
        if let Some(end) = end {
            return Unseen {
                lines: replay[end..].to_vec(),
                gap: false,
            };
        }
    }
    Unseen {
        lines: replay.to_vec(),
        gap: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recent(lines: &[&str]) -> Recent {
        let mut r = Recent::default();
        for l in lines {
            r.push(l);
        }
        r
    }

    fn owned(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn a_replay_continuing_what_was_seen_yields_only_the_new_lines() {
        let r = recent(&["a", "b", "c"]);
        let got = unseen(&r, &owned(&["a", "b", "c", "d", "e"]));
        assert_eq!(got.lines, owned(&["d", "e"]));
        assert!(!got.gap);
    }

    #[test]
    fn a_replay_starting_inside_what_was_seen_is_aligned_on_its_end() {
        let r = recent(&["a", "b", "c", "d"]);
        let got = unseen(&r, &owned(&["c", "d", "e"]));
        assert_eq!(got.lines, owned(&["e"]));
    }

    #[test]
    fn a_replay_reaching_back_before_the_session_began_is_aligned_too() {
        // The session saw only "x", "y"; Wings' tail holds older lines before them.
        let r = recent(&["x", "y"]);
        let got = unseen(&r, &owned(&["old 1", "old 2", "x", "y", "z"]));
        assert_eq!(got.lines, owned(&["z"]));
        assert!(!got.gap);
    }

    #[test]
    fn nothing_new_yields_nothing() {
        let r = recent(&["a", "b"]);
        let got = unseen(&r, &owned(&["a", "b"]));
        assert!(got.lines.is_empty());
        assert!(!got.gap);
    }

    #[test]
    fn live_output_overtaking_the_replay_is_not_passed_on_twice() {
        // "d" arrived live before Wings answered `send logs`, whose tail ends with it.
        let r = recent(&["a", "b"]);
        let got = unseen(&r, &owned(&["d", "a", "b", "c", "d"]));
        assert_eq!(got.lines, owned(&["c", "d"]));
    }

    #[test]
    fn a_replay_not_reaching_back_is_a_gap_and_passed_on_whole() {
        let r = recent(&["a", "b"]);
        let got = unseen(&r, &owned(&["k", "l"]));
        assert_eq!(got.lines, owned(&["k", "l"]));
        assert!(got.gap);
    }

    #[test]
    fn repeated_lines_prefer_the_longest_overlap() {
        let r = recent(&["tick", "tick"]);
        let got = unseen(&r, &owned(&["tick", "tick", "tick"]));
        assert!(got.lines.is_empty(), "{:?}", got.lines);
    }

    #[test]
    fn a_line_seen_twice_does_not_make_the_whole_tail_look_new() {
        let r = recent(&["a", "b", "b", "c"]);
        let got = unseen(&r, &owned(&["x", "a", "b", "c", "d"]));
        assert_eq!(got.lines, owned(&["d"]));
        assert!(!got.gap);
    }

    #[test]
    fn recent_keeps_only_what_wings_can_replay() {
        let mut r = Recent::default();
        for i in 0..(REPLAYED_LINES + 10) {
            r.push(&format!("line {i}"));
        }
        assert_eq!(r.lines.len(), REPLAYED_LINES);
        assert_eq!(r.lines.front().map(String::as_str), Some("line 10"));
    }

    #[test]
    fn an_empty_history_or_replay_is_never_a_gap() {
        assert!(!unseen(&Recent::default(), &owned(&["a"])).gap);
        assert!(!unseen(&recent(&["a"]), &[]).gap);
    }
}

//! A server's power state machine on the sim's clock (WPT/WPL `server/power.go`):
//! offline → starting → running → stopping → offline, `kill` → offline at once, `restart` =
//! stop then start. Transitions happen when the clock passes their due time, whenever anyone
//! looks ([`Power::step`]); each one is published as a `status` event with the console lines
//! the daemon and the game print.

use super::console::{Console, Event};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Offline,
    Starting,
    Running,
    Stopping,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Offline => "offline",
            State::Starting => "starting",
            State::Running => "running",
            State::Stopping => "stopping",
        }
    }
}

/// How long the transitions take (sim settings `wings`).
#[derive(Debug, Clone, Copy)]
pub struct Timings {
    pub start_ms: u64,
    pub stop_ms: u64,
}

#[derive(Debug)]
pub struct Power {
    pub state: State,
    /// When the current transition (starting/stopping) completes (sim ms).
    due_ms: i64,
    /// A restart's stop is under way: start again once offline.
    restart_after_stop: bool,
    /// When the server last became running (sim ms), for `uptime`.
    pub running_since_ms: i64,
}

impl Default for Power {
    fn default() -> Self {
        Power {
            state: State::Offline,
            due_ms: 0,
            restart_after_stop: false,
            running_since_ms: 0,
        }
    }
}

/// Why a power action was refused.
#[derive(Debug, PartialEq)]
pub enum Refused {
    Suspended,
    /// Starting a server that is not offline.
    AlreadyRunning,
    /// Not a power action.
    Unknown,
    /// Stopping or killing a server that is off: nothing to do, no error.
    Ignored,
}

/// Prefix of the daemon's own console lines, bold yellow (`[Pterodactyl Daemon]:`).
pub fn daemon_line(app: &str, text: &str) -> String {
    format!("\u{1b}[1m\u{1b}[33m[{app} Daemon]:\u{1b}[39m {text}\u{1b}[0m")
}

impl Power {
    fn enter(&mut self, state: State, now: i64, c: &mut Console) {
        if self.state == state {
            return;
        }
        self.state = state;
        if state == State::Running {
            self.running_since_ms = now;
        }
        c.push(Event::Status(state.name()));
    }

    fn begin_start(&mut self, now: i64, t: Timings, app: &str, c: &mut Console) {
        self.enter(State::Starting, now, c);
        c.push(Event::Console(daemon_line(
            app,
            "Updating process configuration files...",
        )));
        c.push(Event::Console(daemon_line(
            app,
            "Ensuring file permissions are set correctly, this could take a few seconds...",
        )));
        self.due_ms = now + t.start_ms as i64;
        self.finish_start_if_due(now, c);
    }

    fn finish_start_if_due(&mut self, now: i64, c: &mut Console) {
        if self.state == State::Starting && now >= self.due_ms {
            c.push(Event::Console(
                "[00:00:00 INFO]: Done (0.1s)! For help, type \"help\"".into(),
            ));
            let at = self.due_ms;
            self.enter(State::Running, at, c);
        }
    }

    fn begin_stop(&mut self, now: i64, t: Timings, c: &mut Console) {
        self.enter(State::Stopping, now, c);
        self.due_ms = now + t.stop_ms as i64;
    }

    /// Applies every transition whose time has come.
    pub fn step(&mut self, now: i64, t: Timings, app: &str, c: &mut Console) {
        self.finish_start_if_due(now, c);
        if self.state == State::Stopping && now >= self.due_ms {
            let at = self.due_ms;
            self.enter(State::Offline, at, c);
            if std::mem::take(&mut self.restart_after_stop) {
                self.begin_start(at, t, app, c);
                self.finish_start_if_due(now, c);
            }
        }
    }

    /// Runs `start`, `stop`, `restart` or `kill`.
    pub fn act(
        &mut self,
        action: &str,
        suspended: bool,
        now: i64,
        t: Timings,
        app: &str,
        c: &mut Console,
    ) -> Result<(), Refused> {
        self.step(now, t, app, c);
        if suspended && matches!(action, "start" | "restart") {
            return Err(Refused::Suspended);
        }
        match (action, self.state) {
            ("start", State::Offline) => self.begin_start(now, t, app, c),
            ("stop", State::Starting | State::Running) => self.begin_stop(now, t, c),
            ("restart", State::Offline) => self.begin_start(now, t, app, c),
            ("restart", State::Starting | State::Running) => {
                self.restart_after_stop = true;
                self.begin_stop(now, t, c);
            }
            ("kill", State::Starting | State::Running | State::Stopping) => {
                self.restart_after_stop = false;
                self.enter(State::Offline, now, c);
            }
            ("start", _) => return Err(Refused::AlreadyRunning),
            ("stop" | "kill" | "restart", _) => return Err(Refused::Ignored),
            _ => return Err(Refused::Unknown),
        }
        self.step(now, t, app, c);
        Ok(())
    }

    /// Milliseconds since the server became running (0 when it is not).
    pub fn uptime_ms(&self, now: i64) -> i64 {
        match self.state {
            State::Running | State::Stopping => (now - self.running_since_ms).max(0),
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Timings = Timings {
        start_ms: 1_000,
        stop_ms: 500,
    };

    fn statuses(c: &Console) -> Vec<&'static str> {
        c.since(0)
            .into_iter()
            .filter_map(|(_, e)| match e {
                Event::Status(s) => Some(s),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn each_transition_waits_for_the_clock() {
        let (mut p, mut c) = (Power::default(), Console::default());
        p.act("start", false, 0, T, "Pterodactyl", &mut c).unwrap();
        assert_eq!(p.state, State::Starting);
        p.step(999, T, "Pterodactyl", &mut c);
        assert_eq!(p.state, State::Starting);
        p.step(1_000, T, "Pterodactyl", &mut c);
        assert_eq!(p.state, State::Running);
        assert_eq!(p.uptime_ms(3_000), 2_000);
        p.act("stop", false, 3_000, T, "Pterodactyl", &mut c)
            .unwrap();
        assert_eq!(p.state, State::Stopping);
        p.step(3_500, T, "Pterodactyl", &mut c);
        assert_eq!(p.state, State::Offline);
        assert_eq!(statuses(&c), ["starting", "running", "stopping", "offline"]);
    }

    #[test]
    fn restart_stops_then_starts_and_kill_is_immediate() {
        let (mut p, mut c) = (Power::default(), Console::default());
        p.act("start", false, 0, T, "x", &mut c).unwrap();
        p.act("restart", false, 2_000, T, "x", &mut c).unwrap();
        p.step(2_500, T, "x", &mut c);
        assert_eq!(p.state, State::Starting);
        p.step(3_500, T, "x", &mut c);
        assert_eq!(p.state, State::Running);
        p.act("kill", false, 4_000, T, "x", &mut c).unwrap();
        assert_eq!(p.state, State::Offline);
        assert_eq!(
            p.act("stop", false, 4_000, T, "x", &mut c),
            Err(Refused::Ignored)
        );
        assert_eq!(
            p.act("dance", false, 4_000, T, "x", &mut c),
            Err(Refused::Unknown)
        );
        p.act("start", false, 4_000, T, "x", &mut c).unwrap();
        assert_eq!(
            p.act("start", false, 4_000, T, "x", &mut c),
            Err(Refused::AlreadyRunning)
        );
        assert_eq!(
            p.act("start", true, 4_000, T, "x", &mut c),
            Err(Refused::Suspended)
        );
    }
}

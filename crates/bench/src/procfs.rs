//! CPU time and resident memory of processes, read from `/proc`.

use std::collections::HashMap;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

/// Clock ticks per second, the unit of `utime` and `stime` in `/proc/<pid>/stat`.
fn ticks_per_second() -> u64 {
    static TICKS: OnceLock<u64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|output| String::from_utf8(output.stdout).ok())
            .and_then(|text| text.trim().parse().ok())
            .unwrap_or(100)
    })
}

/// User plus system CPU time of every thread of `pid` so far; `None` once it has exited.
pub fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses; the fields start after the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // After the name: state is field 3 of the man page, utime 14 and stime 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    let ticks = utime + stime;
    Some(Duration::from_nanos(
        ticks * 1_000_000_000 / ticks_per_second(),
    ))
}

/// On-CPU time of the calling thread, to the nanosecond (from the scheduler's statistics).
pub fn this_thread_cpu_time() -> Option<Duration> {
    let schedstat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = schedstat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// Resident set size of `pid`, in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU time of a set of processes at one instant, by pid.
#[derive(Debug, Clone, Default)]
pub struct CpuSnapshot(HashMap<u32, Duration>);

impl CpuSnapshot {
    pub fn take(pids: &[u32]) -> Self {
        let times = pids
            .iter()
            .filter_map(|&pid| Some((pid, cpu_time(pid)?)))
            .collect();
        Self(times)
    }

    /// CPU the processes of `later` used since `self`; a process absent from `self` (it
    /// started in between) counts from zero.
    pub fn used_until(&self, later: &CpuSnapshot) -> Duration {
        later
            .0
            .iter()
            .map(|(pid, &then)| then.saturating_sub(self.0.get(pid).copied().unwrap_or_default()))
            .sum()
    }
}

//! Rows 9a-9d: instructions executed, under callgrind (`valgrind --tool=callgrind`), for the
//! workloads whose goals are within a few percent of the floor. Wall and CPU time on a shared
//! 2-core machine vary by 10-20% from one process to the next, which hides a 5% difference;
//! an instruction count is the same from run to run for the same binary and input. Each side
//! runs twice, with one and with three measured repetitions, and the difference, halved, is
//! the cost of one repetition, without start-up and warm-up. Instructions are not cycles
//! (cache misses and the kernel's time on loopback are not in them), so these rows complement
//! the timed rows, they do not replace them.

use std::process::Command;

/// Instructions of one child process, from callgrind's summary.
fn count(port: u16, name: &str, side: &str, mode: &str, reps: usize, arg: usize) -> Result<u64, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(&exe)
        .args(["child", name, side, "--url", &format!("http://127.0.0.1:{port}"), "--mode", mode])
        .args(["--reps", &reps.to_string(), "--arg", &arg.to_string()])
        .output()
        .map_err(|e| format!("valgrind: {e}"))?;
    let text = String::from_utf8_lossy(&out.stderr);
    let line = text.lines().find(|l| l.contains("refs:")).ok_or_else(|| format!("no count in: {text}"))?;
    let digits: String = line.split("refs:").nth(1).unwrap_or_default().chars().filter(char::is_ascii_digit).collect();
    digits.parse().map_err(|_| format!("cannot read {line:?}"))
}

/// Instructions of one repetition of a workload.
fn per_rep(port: u16, name: &str, side: &str, mode: &str, arg: usize) -> Result<f64, String> {
    let one = count(port, name, side, mode, 1, arg)?;
    let three = count(port, name, side, mode, 3, arg)?;
    Ok(three.saturating_sub(one) as f64 / 2.0)
}

/// The rows.
pub fn rows(port: u16) -> Vec<String> {
    if Command::new("valgrind").arg("--version").output().is_err() {
        return vec!["| 9. instructions | not measured: valgrind is not installed | | | |".into()];
    }
    let cases: [(&str, &str, &str, usize, &str, f64); 3] = [
        ("9a. one sequential GET /agents/{id} (current-thread runtime)", "get", "current", 500, "call", 500.0),
        ("9b. stream 100,000 token events, every event decoded (current)", "sse", "current", 0, "event", 100_000.0),
        ("9c. run_and_wait over 100,000 tokens (current)", "wait", "current", 0, "run", 1.0),
    ];
    let mut out = Vec::new();
    for (title, name, mode, arg, unit, units) in cases {
        match (per_rep(port, name, "floor", mode, arg), per_rep(port, name, "sdk", mode, arg)) {
            (Ok(floor), Ok(sdk)) => out.push(format!(
                "| {title} | {:.0} per {unit} | {:.0} per {unit} | {:.3}x |",
                floor / units,
                sdk / units,
                sdk / floor
            )),
            (Err(e), _) | (_, Err(e)) => out.push(format!("| {title} | not measured: {e} | | |")),
        }
    }
    out
}

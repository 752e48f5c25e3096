//! Rows 7a-7b: the `seclai` command-line tool, as a user pays for it: a fresh process per
//! call. `seclai --version` is start-up alone; `seclai agents get ID` adds a client, one request
//! to the local lean server and printing the answer. curl doing the same request is the floor
//! of a process that sends one HTTP request. (The official CLI, `@seclai/cli`, is not on the npm
//! registry this machine reaches, so it has no row.)

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

/// Builds the tool in the profile of this benchmark (`target/<profile>/seclai`).
fn binary() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let dir = exe.parent().ok_or("no target directory")?.to_path_buf();
    let profile = dir.file_name().and_then(|n| n.to_str()).unwrap_or("release").to_string();
    let profile = if profile == "debug" { "dev".to_string() } else { profile };
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--quiet", "--profile", &profile, "-p", "seclai-cli"])
        .status()
        .map_err(|e| format!("cargo: {e}"))?;
    if !status.success() {
        return Err("cargo build -p seclai-cli failed".into());
    }
    Ok(dir.join("seclai"))
}

/// `seclai-bench measure PROGRAM ARGS...`: runs the program once and prints its wall time and
/// peak RSS, from `wait4`. The measuring is done by this small, freshly started process
/// because Linux carries a parent's memory high-water mark into a child that execs: measured
/// from the suite (which holds more), `ru_maxrss` would show the suite's memory, not the tool's.
/// What this helper holds itself is printed too (`helper_kib`), the floor of the figure.
pub fn measure_child(args: &[String]) {
    let helper_kib = crate::peak_rss_kib();
    let t0 = Instant::now();
    // Reaped by `wait4` below, which also gives its peak memory (std's `wait` does not).
    #[allow(clippy::zombie_processes)]
    let child =
        Command::new(&args[0]).args(&args[1..]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("spawn");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to overwrite.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pid is our own child, not yet waited for; both pointers are to our locals.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let wall = t0.elapsed().as_secs_f64() * 1e3;
    assert!(pid > 0 && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "{args:?} failed");
    println!("{}", serde_json::json!({"wall_ms": wall, "peak_kib": usage.ru_maxrss, "helper_kib": helper_kib}));
}

/// Runs `cmd` through `seclai-bench measure`: its wall time (ms) and peak RSS (KiB), and the
/// helper's own (the floor of the RSS figure).
pub fn run_once(cmd: &mut Command) -> (f64, u64, u64) {
    let mut helper = Command::new(std::env::current_exe().expect("exe"));
    helper.arg("measure").arg(cmd.get_program()).args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            helper.env(k, v);
        }
    }
    let out = helper.output().expect("measure");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("measure's answer");
    let n = |k: &str| v[k].as_f64().unwrap_or(0.0);
    (n("wall_ms"), n("peak_kib") as u64, n("helper_kib") as u64)
}

fn measure(mut make: impl FnMut() -> Command, reps: usize) -> (f64, u64, u64) {
    run_once(&mut make()); // warm the page cache
    let mut walls = Vec::new();
    let (mut rss, mut floor) = (0, 0);
    for _ in 0..reps {
        let (w, r, h) = run_once(&mut make());
        walls.push(w);
        rss = rss.max(r);
        floor = floor.max(h);
    }
    (crate::median(walls), rss, floor)
}

/// The rows.
pub fn rows(port: u16, reps: usize) -> Vec<String> {
    let seclai = match binary() {
        Ok(b) => b,
        Err(e) => return vec![format!("| 7. seclai CLI | not measured: {e} | | | |")],
    };
    let url = format!("http://127.0.0.1:{port}");
    let id = "6f1e2d3c-4b5a-4e8f-9a0b-1c2d3e4f5a6b";
    let reps = reps.max(15);
    let row = |what: &str, side: &str, (wall, rss, helper): (f64, u64, u64), floor: Option<f64>| {
        let ratio = floor.map(|f| format!("{:.2}x", wall / f)).unwrap_or_else(|| "-".into());
        let mib = |k: u64| k as f64 / 1024.0;
        format!("| {what} | {side} | {wall:.1} ms | {ratio} | {:.1} MiB (floor {:.1}) |", mib(rss), mib(helper))
    };
    let version = measure(
        || {
            let mut c = Command::new(&seclai);
            c.arg("--version");
            c
        },
        reps,
    );
    let get = measure(
        || {
            let mut c = Command::new(&seclai);
            c.args(["agents", "get", id, "--compact"]).env("SECLAI_API_URL", &url).env("SECLAI_API_KEY", "sk-bench");
            c
        },
        reps,
    );
    let curl = measure(
        || {
            let mut c = Command::new("curl");
            c.args(["-sf", "-H", "x-api-key: sk-bench", &format!("{url}/agents/{id}")]);
            c
        },
        reps,
    );
    vec![
        row("7a. `seclai --version` (start-up)", "seclai", version, None),
        row("7b. `seclai agents get ID` (one request, printed)", "curl", curl, None),
        row("7b. `seclai agents get ID` (one request, printed)", "seclai", get, Some(curl.0)),
    ]
}

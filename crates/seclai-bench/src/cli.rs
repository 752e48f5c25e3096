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

/// Runs `cmd` and gives its wall time (ms) and peak RSS (KiB), from `wait4`.
fn run_once(cmd: &mut Command) -> (f64, u64) {
    let t0 = Instant::now();
    // Reaped by `wait4` below, which also gives its peak memory (std's `wait` does not).
    #[allow(clippy::zombie_processes)]
    let child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("spawn");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to overwrite.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pid is our own child, not yet waited for; both pointers are to our locals.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let wall = t0.elapsed().as_secs_f64() * 1e3;
    assert!(pid > 0 && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "{cmd:?} failed");
    (wall, usage.ru_maxrss as u64)
}

fn measure(mut make: impl FnMut() -> Command, reps: usize) -> (f64, u64) {
    run_once(&mut make()); // warm the page cache
    let mut walls = Vec::new();
    let mut rss = 0;
    for _ in 0..reps {
        let (w, r) = run_once(&mut make());
        walls.push(w);
        rss = rss.max(r);
    }
    (crate::median(walls), rss)
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
    let row = |what: &str, side: &str, (wall, rss): (f64, u64), floor: Option<f64>| {
        let ratio = floor.map(|f| format!("{:.2}x", wall / f)).unwrap_or_else(|| "-".into());
        format!("| {what} | {side} | {wall:.1} ms | {ratio} | {:.1} MiB |", rss as f64 / 1024.0)
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

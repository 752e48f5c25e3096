//! Rows 8a-8c: what a program pays to start using the SDK, and what the SDK adds to its size.
//! Two minimal programs (`crates/seclai-bench/minimal`, built in the `release` profile, with
//! `seclai`'s default features) do the same thing, one with `seclai` and one with plain
//! reqwest and serde_json: build a client and exit, or build one and list one page of agents.
//! Each run is a fresh process (wall time through `seclai-bench measure`; peak memory as the
//! program itself reports it, `VmHWM`, since `ru_maxrss` would include its parent's).

use std::path::PathBuf;
use std::process::Command;

/// Builds the two programs; their paths.
fn programs() -> Result<(PathBuf, PathBuf), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let target = exe.parent().and_then(|p| p.parent()).ok_or("no target directory")?.to_path_buf();
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--quiet", "--release", "-p", "seclai-bench-minimal"])
        .status()
        .map_err(|e| format!("cargo: {e}"))?;
    if !status.success() {
        return Err("cargo build --release -p seclai-bench-minimal failed".into());
    }
    let dir = target.join("release");
    Ok((dir.join("minimal-sdk"), dir.join("minimal-floor")))
}

/// Peak memory (KiB) of one run, as the program reports it.
fn peak_kib(program: &PathBuf, args: &[&str]) -> u64 {
    let out = Command::new(program).args(args).env("SECLAI_BENCH_HWM", "1").output().expect("run");
    assert!(out.status.success(), "{program:?} {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stderr);
    let line = text.lines().find(|l| l.starts_with("VmHWM:")).unwrap_or_default();
    line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// Median wall time (ms) and highest peak memory (KiB) over `reps` runs.
fn measure(program: &PathBuf, args: &[&str], reps: usize) -> (f64, u64) {
    let mut cmd = Command::new(program);
    cmd.args(args);
    let mut walls = Vec::new();
    let mut peak = 0;
    crate::cli::run_once(&mut cmd); // warm the page cache
    for _ in 0..reps {
        walls.push(crate::cli::run_once(&mut cmd).0);
        peak = peak.max(peak_kib(program, args));
    }
    (crate::median(walls), peak)
}

/// The rows, with `url` the lean server's.
pub fn rows(url: &str, reps: usize) -> Vec<String> {
    let (sdk, floor) = match programs() {
        Ok(p) => p,
        Err(e) => return vec![format!("| 8. start-up | not measured: {e} | | | | |")],
    };
    let reps = reps.max(15);
    let mut out = Vec::new();
    for (what, args) in [
        ("8a. build a client and exit (plain HTTP URL)", vec![url]),
        ("8a. build a client and exit (https URL)", vec!["https://api.seclai.com"]),
        ("8b. build a client, list one page of agents, exit", vec![url, "list"]),
    ] {
        let (fw, fm) = measure(&floor, &args, reps);
        let (sw, sm) = measure(&sdk, &args, reps);
        let mib = |k: u64| k as f64 / 1024.0;
        out.push(format!("| {what} | reqwest + serde_json | {fw:.2} ms | 1.00x | {:.1} MiB | 1.00x |", mib(fm)));
        out.push(format!(
            "| {what} | seclai | {sw:.2} ms | {:.2}x | {:.1} MiB | {:.2}x |",
            sw / fw,
            mib(sm),
            sm as f64 / fm.max(1) as f64
        ));
    }
    let size = |p: &PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let stripped = |p: &PathBuf| {
        let copy = std::env::temp_dir().join(format!("seclai-bench-strip-{}", std::process::id()));
        let ok =
            std::fs::copy(p, &copy).is_ok() && Command::new("strip").arg(&copy).status().is_ok_and(|s| s.success());
        let n = if ok { size(&copy) } else { 0 };
        let _ = std::fs::remove_file(&copy);
        n
    };
    let mb = |b: u64| b as f64 / 1e6;
    let (fs, ss) = (size(&floor), size(&sdk));
    let (fst, sst) = (stripped(&floor), stripped(&sdk));
    out.push(format!(
        "| 8c. release binary of the list program | reqwest + serde_json | {:.2} MB ({:.2} MB stripped) | 1.00x | | |",
        mb(fs),
        mb(fst)
    ));
    out.push(format!(
        "| 8c. release binary of the list program | seclai | {:.2} MB ({:.2} MB stripped) | {:.2}x ({:.2}x stripped) | | |",
        mb(ss),
        mb(sst),
        ss as f64 / fs.max(1) as f64,
        sst as f64 / fst.max(1) as f64
    ));
    out
}

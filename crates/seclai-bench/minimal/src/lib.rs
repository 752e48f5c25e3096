//! What both minimal programs share.

/// With `SECLAI_BENCH_HWM` set, prints this process's peak resident memory (`VmHWM`) to stderr:
/// measured from outside, `ru_maxrss` would include the memory of the process that spawned it.
pub fn report_peak_memory() {
    if std::env::var_os("SECLAI_BENCH_HWM").is_some() {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        if let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:")) {
            eprintln!("{line}");
        }
    }
}

//! `cargo run --profile bench-fast -p seclai-bench -- [all|get|get16|list|bigpage|sse|parse|files|decode|cli|startup|instructions] [--reps N]`
//!
//! Measures `seclai` side by side with a hand-written floor (plain reqwest + serde_json doing the
//! same work) against a lean loopback server running in its own process. Every workload runs in
//! a fresh child process, so its CPU time (`CLOCK_PROCESS_CPUTIME_ID`) and peak memory (`VmHWM`)
//! are the client's own. Reports medians and the ratio SDK / floor as a Markdown table.

mod cli;
mod instructions;
mod server;
mod startup;
mod workloads;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn cpu_time() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes into the timespec we own; the clock id is a constant.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() { 0.0 } else { v[v.len() / 2] }
}

/// A child process: one workload, one side, `reps` measured repetitions.
fn child(args: &[String]) {
    let get = |k: &str| args.iter().position(|a| a == k).and_then(|i| args.get(i + 1)).cloned();
    let (name, side) = (args[0].clone(), args[1].clone());
    let url = get("--url").expect("--url");
    let reps: usize = get("--reps").and_then(|v| v.parse().ok()).unwrap_or(5);
    let arg: usize = get("--arg").and_then(|v| v.parse().ok()).unwrap_or(2000);
    let mode = get("--mode").unwrap_or_default();
    let spawned = mode == "spawn";
    let rt = if mode == "current" {
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
    } else {
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
    };
    let warm = !matches!(name.as_str(), "upload" | "download");
    let work = async move {
        let clients = workloads::Clients::new(&url);
        if warm {
            workloads::run(&name, &side, &clients, arg.min(200)).await.expect("warm-up");
        }
        let mut wall = Vec::new();
        let mut cpu = Vec::new();
        let mut units = 0;
        for _ in 0..reps {
            let (t0, c0) = (Instant::now(), cpu_time());
            units = workloads::run(&name, &side, &clients, arg).await.expect("workload");
            wall.push(t0.elapsed().as_secs_f64() * 1e3);
            cpu.push((cpu_time() - c0).as_secs_f64() * 1e3);
        }
        (wall, cpu, units)
    };
    // `main`: the workload is the future `#[tokio::main]` blocks on; `spawn`: a task;
    // `current`: the future a current-thread runtime blocks on.
    let (wall, cpu, units) =
        if spawned { rt.block_on(async { tokio::spawn(work).await.expect("task") }) } else { rt.block_on(work) };
    println!(
        "{}",
        json!({"wall_ms": median(wall), "cpu_ms": median(cpu), "units": units, "peak_rss_kib": peak_rss_kib()})
    );
}

struct ServerProcess(Child, u16);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_server(tokens: usize) -> ServerProcess {
    let mut c = Command::new(std::env::current_exe().expect("exe"))
        .args(["serve", "--tokens", &tokens.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .expect("server process");
    let mut line = String::new();
    BufReader::new(c.stdout.take().expect("stdout")).read_line(&mut line).expect("port");
    ServerProcess(c, line.trim().parse().expect("a port"))
}

fn measure(port: u16, name: &str, side: &str, mode: &str, reps: usize, arg: usize) -> Value {
    let out = Command::new(std::env::current_exe().expect("exe"))
        .args([
            "child",
            name,
            side,
            "--url",
            &format!("http://127.0.0.1:{port}"),
            "--reps",
            &reps.to_string(),
            "--mode",
            mode,
            "--arg",
            &arg.to_string(),
        ])
        .output()
        .expect("child process");
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.lines().last().unwrap_or("{}")).unwrap_or_else(|_| {
        panic!("{name}/{side} failed: {}", String::from_utf8_lossy(&out.stderr));
    })
}

/// Rounds per row: each runs every side in a fresh process, the order of the sides alternating
/// from round to round, so that a slow moment of the machine does not land on one side only.
const ROUNDS: usize = 5;

/// Measures every side in [`ROUNDS`] rounds; per side, the median of the rounds' wall and CPU
/// times and the highest peak RSS.
fn rounds(
    port: u16,
    name: &str,
    sides: &[&'static str],
    mode: &str,
    reps: usize,
    arg: usize,
) -> Vec<(&'static str, Value)> {
    let mut runs: Vec<Vec<Value>> = vec![Vec::new(); sides.len()];
    for round in 0..ROUNDS {
        let order: Vec<usize> =
            if round % 2 == 0 { (0..sides.len()).collect() } else { (0..sides.len()).rev().collect() };
        for i in order {
            runs[i].push(measure(port, name, sides[i], mode, reps, arg));
        }
    }
    sides
        .iter()
        .zip(runs)
        .map(|(side, runs)| {
            let mid = |k: &str| median(runs.iter().map(|v| v[k].as_f64().unwrap_or(0.0)).collect());
            let rss = runs.iter().map(|v| v["peak_rss_kib"].as_f64().unwrap_or(0.0)).fold(0.0, f64::max);
            let units = runs.first().map(|v| v["units"].clone()).unwrap_or(Value::Null);
            (*side, json!({"wall_ms": mid("wall_ms"), "cpu_ms": mid("cpu_ms"), "units": units, "peak_rss_kib": rss}))
        })
        .collect()
}

fn mib(kib: &Value) -> String {
    format!("{:.1} MiB", kib.as_f64().unwrap_or(0.0) / 1024.0)
}

/// One table row per side, with the ratio to the floor.
fn rows(title: &str, per: &str, results: &[(&str, Value)], rate: impl Fn(&Value) -> String) -> Vec<String> {
    let floor = results.iter().find(|(s, _)| s.starts_with("floor")).map(|(_, v)| v.clone()).unwrap_or(Value::Null);
    results
        .iter()
        .map(|(side, v)| {
            let ratio = |k: &str| {
                let f = floor[k].as_f64().unwrap_or(0.0);
                if f > 0.0 { format!("{:.2}x", v[k].as_f64().unwrap_or(0.0) / f) } else { "-".into() }
            };
            let units = v["units"].as_f64().unwrap_or(1.0).max(1.0);
            let cpu_ms = v["cpu_ms"].as_f64().unwrap_or(0.0);
            let per_unit = if per == "MiB" {
                format!("{:.2} ms/MiB", cpu_ms / (units / 1048576.0))
            } else {
                format!("{:.2} us/{per}", cpu_ms * 1e3 / units)
            };
            format!(
                "| {title} | {side} | {:.1} ms | {:.1} ms | {per_unit} | {} | {} | {} | {} |",
                v["wall_ms"].as_f64().unwrap_or(0.0),
                cpu_ms,
                rate(v),
                ratio("wall_ms"),
                ratio("cpu_ms"),
                mib(&v["peak_rss_kib"]),
            )
        })
        .collect()
}

fn per_second(v: &Value, unit: &str) -> String {
    let s = v["wall_ms"].as_f64().unwrap_or(1.0) / 1e3;
    format!("{:.0} {unit}/s", v["units"].as_f64().unwrap_or(0.0) / s)
}

/// W6: decoding alone, in this process.
fn decode_rows() -> Vec<String> {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../cassettes");
    let load = |p: &str| -> Value {
        let c = seclai::cassette::Cassette::load(&root.join(p)).expect("cassette");
        c.response.body.expect("a JSON body")
    };
    // A run with 300 steps, built from the recorded run's steps.
    let mut run = load("get_agent_run/default.yaml");
    let steps = run["steps"].as_array().cloned().unwrap_or_default();
    let many: Vec<Value> = (0..300).map(|i| steps[i % steps.len().max(1)].clone()).collect();
    run["steps"] = Value::Array(many);
    let definition = load("get_agent_definition/default.yaml");
    type Decoder = fn(&[u8]) -> bool;
    let cases: Vec<(&str, Vec<u8>, Decoder)> = vec![
        ("run with 300 steps", serde_json::to_vec(&run).expect("json"), |b| {
            serde_json::from_slice::<seclai::types::AgentRunResponse>(b).is_ok()
        }),
        ("agent definition", serde_json::to_vec(&definition).expect("json"), |b| {
            serde_json::from_slice::<seclai::types::AgentDefinitionResponse>(b).is_ok()
        }),
    ];
    let mut out = Vec::new();
    for (name, bytes, decode) in cases {
        assert!(decode(&bytes), "{name} decodes");
        let value = |b: &[u8]| serde_json::from_slice::<Value>(b).is_ok();
        let time = |f: &dyn Fn(&[u8]) -> bool| {
            let mut samples = Vec::new();
            for _ in 0..7 {
                let (t0, mut n) = (Instant::now(), 0u32);
                while t0.elapsed() < Duration::from_millis(150) {
                    std::hint::black_box(f(std::hint::black_box(&bytes)));
                    n += 1;
                }
                samples.push(n as f64 / t0.elapsed().as_secs_f64());
            }
            median(samples)
        };
        let typed = time(&decode);
        let untyped = time(&value);
        out.push(format!(
            "| decode: {name} ({:.1} KiB) | seclai types | {typed:.0} decodes/s | {:.0} MB/s | into serde_json::Value: {untyped:.0}/s |",
            bytes.len() as f64 / 1024.0,
            typed * bytes.len() as f64 / 1e6
        ));
    }
    out
}

/// Row 4d as a table of its own.
fn parse_table() -> String {
    format!("| parsing alone | floor | seclai | seclai vs floor |\n|---|---|---|---|\n{}", parse_rows().join("\n"))
}

/// Row 4d: the event-stream parsers alone, in this process, over the 100,000-token stream cut
/// into the chunks the server sends.
fn parse_rows() -> Vec<String> {
    let body = server::sse_body(100_000);
    let chunks: Vec<&[u8]> = body.chunks(server::CHUNK).collect();
    // The two sides alternate sample by sample, so that a slow moment lands on both.
    let time = |a: &dyn Fn() -> u64, b: &dyn Fn() -> u64| {
        let (mut sa, mut sb) = (Vec::new(), Vec::new());
        for _ in 0..21 {
            for (f, samples) in [(a, &mut sa), (b, &mut sb)] {
                let t0 = Instant::now();
                std::hint::black_box(f());
                samples.push(t0.elapsed().as_secs_f64() * 1e3);
            }
        }
        (median(sa), median(sb))
    };
    let floor = |all: bool| {
        let mut p = workloads::FloorParser::default();
        for c in &chunks {
            p.push(c, all).expect("floor parses");
        }
        p.events
    };
    let sdk = |all: bool| workloads::sdk_parse(&chunks, all).expect("sdk parses");
    assert_eq!(floor(true), sdk(true), "both parsers see every event");
    let mut out = Vec::new();
    for (what, all) in [("every event decoded", true), ("only init and done decoded", false)] {
        let (f, s) = time(&|| floor(all), &|| sdk(all));
        out.push(format!(
            "| 4d. parse the 100,000-token stream in memory ({what}) | floor {f:.2} ms | seclai::sse {s:.2} ms | {:.2}x |",
            s / f
        ));
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("serve") => {
            let tokens = args
                .iter()
                .position(|a| a == "--tokens")
                .and_then(|i| args.get(i + 1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(100_000);
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("rt")
                .block_on(server::serve(0, tokens));
        }
        Some("child") => child(&args[1..]),
        Some("measure") => cli::measure_child(&args[1..]),
        _ => suite(&args),
    }
}

fn suite(args: &[String]) {
    let which = args.first().cloned().unwrap_or_else(|| "all".into());
    let reps: usize = args
        .iter()
        .position(|a| a == "--reps")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(15);
    let on = |w: &str| which == "all" || which == w;
    let started = Instant::now();
    if which == "parse" {
        println!("{}", parse_table());
        return;
    }
    let server = start_server(100_000);
    let port = server.1;
    let mut table = vec![
        "| workload | side | median wall | median client CPU | CPU per unit | rate | wall vs floor | CPU vs floor | peak RSS |".to_string(),
        "|---|---|---|---|---|---|---|---|---|".to_string(),
    ];
    let pair =
        |name: &str, arg: usize, sides: &[&'static str], mode: &str, reps: usize| -> Vec<(&'static str, Value)> {
            rounds(port, name, sides, mode, reps, arg)
        };
    if on("get") {
        for mode in ["main", "spawn", "current"] {
            let r = pair("get", 2000, &["floor", "sdk"], mode, reps);
            table.extend(rows(&format!("1. 2,000 sequential GET /agents/{{id}} ({mode})"), "call", &r, |v| {
                per_second(v, "calls")
            }));
        }
    }
    if on("get16") {
        let r = pair("get16", 2000, &["floor", "sdk"], "spawn", reps);
        table.extend(rows("2. 2,000 GET, 16 in flight", "call", &r, |v| per_second(v, "calls")));
    }
    if on("list") {
        let r = pair("list", 0, &["floor", "sdk"], "spawn", reps);
        table.extend(rows("3. list 10,000 agents, 100 per page", "item", &r, |v| per_second(v, "items")));
    }
    if on("bigpage") {
        let plain = server::big_page();
        let packed = server::gzip(&plain);
        let r = pair("bigpage", 20, &["floor-gzip", "floor-identity", "sdk"], "spawn", reps.min(5));
        let wire = |side: &str| if side == "floor-identity" { plain.len() } else { packed.len() };
        let title = format!(
            "3b. 20 x one {:.1} MB list page ({} agents), gzip {:.2} MB on the wire",
            plain.len() as f64 / 1e6,
            server::BIG_PAGE_AGENTS,
            packed.len() as f64 / 1e6
        );
        let with_wire: Vec<(&'static str, Value)> = r
            .into_iter()
            .map(|(side, mut v)| {
                v["wire"] = json!(wire(side));
                (side, v)
            })
            .collect();
        table.extend(rows(&title, "item", &with_wire, |v| {
            format!("{}, {:.2} MB/page on the wire", per_second(v, "items"), v["wire"].as_f64().unwrap_or(0.0) / 1e6)
        }));
    }
    if on("sse") {
        for mode in ["main", "spawn", "current"] {
            let r = pair("sse", 0, &["floor", "sdk", "sdk-tokens"], mode, reps);
            let bytes = server::sse_body(100_000).len() as f64;
            table.extend(rows(&format!("4. stream 100,000 token events ({mode})"), "event", &r, |v| {
                let s = v["wall_ms"].as_f64().unwrap_or(1.0) / 1e3;
                format!("{:.0} events/s, {:.0} MB/s", v["units"].as_f64().unwrap_or(0.0) / s, bytes / s / 1e6)
            }));
        }
        for mode in ["main", "spawn", "current"] {
            let r = pair("wait", 0, &["floor", "sdk"], mode, reps);
            table.extend(rows(&format!("4c. run_and_wait over 100,000 tokens ({mode})"), "run", &r, |v| {
                format!("{:.0} runs/s", 1e3 / v["wall_ms"].as_f64().unwrap_or(1.0))
            }));
        }
    }
    if on("sse") {
        // The same stream, ten times longer: memory must not grow with it.
        let long = start_server(1_000_000);
        let r = rounds(long.1, "sse", &["floor", "sdk"], "spawn", 3, 0);
        let bytes = server::sse_body(1_000_000).len() as f64;
        table.extend(rows("4b. stream 1,000,000 token events (spawn)", "event", &r, |v| {
            let s = v["wall_ms"].as_f64().unwrap_or(1.0) / 1e3;
            format!("{:.0} events/s, {:.0} MB/s", v["units"].as_f64().unwrap_or(0.0) / s, bytes / s / 1e6)
        }));
    }
    if on("files") {
        let path = workloads::upload_path();
        std::fs::File::create(&path).and_then(|f| f.set_len(200 * 1024 * 1024)).expect("upload file");
        let r = pair("upload", 0, &["floor", "sdk"], "spawn", 3.min(reps));
        table.extend(rows("5a. upload a 200 MB file", "MiB", &r, |v| {
            format!(
                "{:.0} MB/s",
                v["units"].as_f64().unwrap_or(0.0) / (v["wall_ms"].as_f64().unwrap_or(1.0) / 1e3) / 1e6
            )
        }));
        let r = pair("download", 0, &["floor", "sdk", "sdk-file"], "spawn", 3.min(reps));
        table.extend(rows("5b. download a 1 GiB export", "MiB", &r, |v| {
            format!(
                "{:.0} MB/s",
                v["units"].as_f64().unwrap_or(0.0) / (v["wall_ms"].as_f64().unwrap_or(1.0) / 1e3) / 1e6
            )
        }));
        let _ = std::fs::remove_file(&path);
    }
    println!("{}", table.join("\n"));
    if on("cli") {
        println!(
            "\n| command line (fresh process per call) | side | median wall | vs curl | peak RSS (floor: the measuring helper's own) |\n|---|---|---|---|---|"
        );
        println!("{}", cli::rows(port, reps).join("\n"));
    }
    if on("sse") {
        println!("\n{}", parse_table());
    }
    if on("startup") {
        println!(
            "\n| start-up and size (fresh process per run) | side | median wall | vs floor | peak RSS (own VmHWM) | vs floor |\n|---|---|---|---|---|---|"
        );
        println!("{}", startup::rows(&format!("http://127.0.0.1:{port}"), reps).join("\n"));
    }
    if on("instructions") {
        println!(
            "\n| instructions (callgrind, one repetition) | floor | seclai | seclai vs floor |\n|---|---|---|---|"
        );
        println!("{}", instructions::rows(port).join("\n"));
    }
    if on("decode") {
        println!("\n| decoding | with | rate | throughput | for comparison |\n|---|---|---|---|---|");
        println!("{}", decode_rows().join("\n"));
    }
    println!(
        "\n{} cores; each row: median of {ROUNDS} rounds (fresh processes, sides alternating) of the median of {} reps (3 for files and the long stream); peak RSS: the highest of the rounds; suite took {:.0} s",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        reps,
        started.elapsed().as_secs_f64()
    );
}

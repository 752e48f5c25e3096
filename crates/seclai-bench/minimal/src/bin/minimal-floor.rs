//! `minimal-floor URL [list]`: the same as `minimal-sdk` with plain reqwest + serde_json (the
//! floor of bench rows 8a-8b).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args.next().ok_or("usage: minimal-floor URL [list]")?;
    let client = reqwest::Client::builder().build()?;
    if args.next().as_deref() == Some("list") {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let body = rt.block_on(async {
            let r = client.get(format!("{url}/agents")).header("x-api-key", "sk-bench").send().await?;
            r.error_for_status()?.bytes().await
        })?;
        let page: serde_json::Value = serde_json::from_slice(&body)?;
        println!("{}", page["data"].as_array().map_or(0, Vec::len));
    }
    seclai_bench_minimal::report_peak_memory();
    Ok(())
}

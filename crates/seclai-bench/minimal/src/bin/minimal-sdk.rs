//! `minimal-sdk URL [list]`: builds a `seclai::Client` for URL and exits, or lists the first
//! page of agents and prints how many there are. The SDK side of bench rows 8a-8b.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args.next().ok_or("usage: minimal-sdk URL [list]")?;
    let client = seclai::Client::builder().api_key("sk-bench").base_url(url).build()?;
    if args.next().as_deref() == Some("list") {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let page = rt.block_on(client.agents().list().send())?;
        println!("{}", page.items.len());
    }
    seclai_bench_minimal::report_peak_memory();
    Ok(())
}

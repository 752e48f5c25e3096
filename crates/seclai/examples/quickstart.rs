//! The Seclai SDK in one flow: agents through auto-pagination, a knowledge base and a source, a
//! file upload and the wait until it is searchable, a run whose answer streams in token by token,
//! and the final run.
//!
//!     cargo run --example quickstart
//!
//! With `SECLAI_API_KEY` set it talks to the Seclai API (and deletes what it created);
//! without, it starts the local Seclai server (`seclai-mock`) and runs the same flow offline.

use std::error::Error;
use std::io::Write;
use std::time::Duration;

use futures::TryStreamExt;
use seclai::runs::RunEvent;
use seclai::types;
use seclai::upload::UploadFile;

const NOTES: &str = "# Release 2.4\n\n- Exports of any source to JSONL, CSV or Parquet.\n- Streaming runs show tokens as they arrive.\n";

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // The real API when a key is configured; the local server otherwise.
    let online = std::env::var("SECLAI_API_KEY").is_ok_and(|k| !k.trim().is_empty());
    let local;
    let client = if online {
        println!("Using the Seclai API (SECLAI_API_KEY is set).");
        seclai::Client::from_env()?
    } else {
        local = seclai_mock::Server::start_with(seclai_mock::Options::default().token_delay(Duration::from_millis(40)))
            .await?;
        println!("No SECLAI_API_KEY: using a local Seclai server at {}.", local.base_url());
        local.client()
    };

    // 1. Every agent, page after page, without writing the paging loop.
    let agents: Vec<types::AgentSummaryResponse> = client.agents().list().page_size(10).items().try_collect().await?;
    println!("\n1. {} agents (fetched 10 per page):", agents.len());
    for a in agents.iter().take(3) {
        println!("   - {} ({})", a.name, a.id);
    }

    // 2. A source to hold documents, and a knowledge base over it.
    let source = client
        .sources()
        .create(types::CreateSourceBody::builder().name("Quickstart notes").source_type("custom_index"))
        .send()
        .await?;
    let kb = client
        .knowledge_bases()
        .create(types::CreateKnowledgeBaseBody::builder().name("Quickstart").source_ids([&source.id]))
        .send()
        .await?;
    println!("\n2. Created source {} and knowledge base {}.", source.id, kb.id);

    // 3. A file upload (from memory here; `UploadFile::path` streams a file from disk).
    let uploaded = client
        .sources()
        .upload(&source.id, UploadFile::bytes(NOTES.as_bytes().to_vec(), "release-notes.md"))
        .title("Release 2.4 notes")
        .metadata(serde_json::json!({"team": "docs"}))
        .on_progress(|sent, total| {
            if sent == total {
                println!("   sent {total} bytes")
            }
        })
        .send()
        .await?;
    println!("3. Uploaded {}: {}.", uploaded.filename, uploaded.status);

    // 3b. Searchable yet? Wait until the upload's content version is indexed.
    if let Some(version) = &uploaded.content_version_id {
        let outcome = client
            .sources()
            .contents()
            .wait_indexed(&source.id, [version])
            .poll_interval(Duration::from_millis(200), Duration::from_secs(2))
            .deadline(Duration::from_secs(300))
            .send()
            .await?;
        println!("   indexed: {} searchable, {} failed.", outcome.completed.len(), outcome.failed.len());
    }

    // 4. A run, streamed token by token.
    if let Some(agent) = agents.first() {
        println!("\n4. Running agent \"{}\":", agent.name);
        let body = types::AgentRunStreamRequest::builder().input("What changed in release 2.4?");
        let mut events = client.agents().runs().stream(&agent.id, body).send().await?;
        print!("   ");
        let mut last = None;
        while let Some(event) = events.try_next().await? {
            match event {
                RunEvent::Token(t) => {
                    print!("{t}");
                    std::io::stdout().flush()?;
                }
                RunEvent::Done(run) => last = Some(run),
                _ => {}
            }
        }
        println!();
        match last {
            Some(run) => println!(
                "5. Run {} ended {} ({} credits).",
                run.run_id,
                run.status,
                run.credits.map_or("no".to_string(), |c| format!("{c:.2}"))
            ),
            None => println!("5. The stream ended without a final run."),
        }
    } else {
        println!("\n4. No agent in this account: create one in the Seclai dashboard to try a run.");
    }

    // Leave the account as it was.
    client.knowledge_bases().delete(&kb.id).send().await?;
    client.sources().delete(&source.id).send().await?;
    println!("\nCleaned up the knowledge base and the source.");
    Ok(())
}

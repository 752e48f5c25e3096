//! Every operation of the spec is reachable from `Client`, and the ones whose `send` is written
//! by hand (uploads, the event stream, downloads) are called here through their public
//! methods against the local server, which must receive each one's request.
//!
//! (Every JSON operation is called through its resource method by the contract test, which
//! replays a cassette of each through `seclai::dynamic::invoke`.)

mod common;

use std::collections::BTreeSet;

use futures::TryStreamExt;
use seclai::dynamic::{OPERATIONS, OperationKind};
use seclai::types;
use seclai::upload::UploadFile;

#[test]
fn every_operation_of_the_spec_is_known_once() {
    let spec = common::spec();
    let mut in_spec = BTreeSet::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            in_spec.insert(op["operationId"].as_str().unwrap().to_string());
        }
    }
    let known: BTreeSet<String> = OPERATIONS.iter().map(|o| o.id.to_string()).collect();
    assert_eq!(known.len(), OPERATIONS.len(), "no operation twice");
    assert_eq!(known, in_spec);
}

/// Calls the hand-written operation `id` as a user would; `None` when there is no call for it.
async fn call(client: &seclai::Client, id: &str) -> Option<seclai::Result<()>> {
    const SOURCE: &str = "d4f6a8c0-2e3b-4f5d-8a7c-9e1b3d5f7a19";
    let file = || UploadFile::bytes(b"# Notes\n".to_vec(), "notes.md");
    Some(match id {
        "upload_file_to_source" => client.sources().upload(SOURCE, file()).title("Notes").send().await.map(drop),
        "upload_file_to_content" => client.contents().upload(common::uid(9), file()).send().await.map(drop),
        "upload_agent_input" => client.agents().upload_input("a1", file()).send().await.map(drop),
        "run_streaming_agent" => {
            let body = types::AgentRunStreamRequest::builder().input("hello");
            match client.agents().runs().stream("a1", body).send().await {
                Ok(events) => events.try_collect::<Vec<_>>().await.map(drop),
                Err(e) => Err(e),
            }
        }
        "download_source_export" => match client.sources().exports().download(SOURCE, common::uid(8)).send().await {
            Ok(d) => d.bytes().await.map(drop),
            Err(e) => Err(e),
        },
        "download_agent_run_attachment" => {
            match client.agents().runs().download_attachment(common::uid(7), "a2V5").download_name("x.txt").send().await
            {
                Ok(d) => d.bytes().await.map(drop),
                Err(e) => Err(e),
            }
        }
        _ => return None,
    })
}

#[tokio::test]
async fn every_hand_written_operation_is_called_through_its_public_method() {
    let server = seclai_mock::Server::start().await.unwrap();
    let client = server.client();
    let handwritten: Vec<_> = OPERATIONS.iter().filter(|o| o.kind != OperationKind::Json).collect();
    assert!(!handwritten.is_empty());
    for op in handwritten {
        let before = server.received().len();
        let outcome =
            call(&client, op.id).await.unwrap_or_else(|| panic!("no public call of `{}` in this test", op.id));
        // Reaching the server is what counts: the answer may be an error of the API.
        if let Err(e) = &outcome {
            assert!(e.status().is_some(), "`{}` did not reach the server: {e}", op.id);
        }
        let received = server.received();
        let sent = received.get(before).unwrap_or_else(|| panic!("`{}` sent nothing", op.id));
        let template: Vec<&str> = op.path.split('/').collect();
        let path: Vec<&str> = sent.path.split('/').collect();
        let fits =
            template.len() == path.len() && template.iter().zip(&path).all(|(t, p)| t.starts_with('{') || t == p);
        assert!(fits && sent.method == op.method, "`{}` sent {} {}", op.id, sent.method, sent.path);
    }
}

//! Adding `seclai` must not break the application's own reqwest: its `reqwest::Client::new()`
//! panics when rustls is compiled in without a crypto provider and none is installed. One test
//! in this file, so nothing in the process installs a provider first.

#[tokio::test]
async fn the_applications_own_reqwest_client_still_builds_and_seclai_works_beside_it() {
    // Before any seclai client exists: nothing has installed a provider.
    let own = downstream_app::own_http_client();
    let tls = reqwest::Client::builder().https_only(true).build();
    assert!(tls.is_ok(), "an HTTPS-only client of the application's own: {tls:?}");

    let server = seclai_mock::Server::start().await.expect("local server");
    // Without credentials the local server answers 401: an answer all the same.
    let answer =
        own.get(format!("{}/agents", server.base_url())).send().await.expect("the application's client talks HTTP");
    assert_eq!(answer.status(), 401);

    let sdk =
        seclai::Client::builder().api_key(server.api_key()).base_url(server.base_url()).build().expect("seclai client");
    sdk.agents().list().send().await.expect("a call through seclai");
}

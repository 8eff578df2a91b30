//! A blocking HTTP call for tests (the emulator's control routes, chromedriver's WebDriver
//! API), through the client the binary already depends on.

use std::time::Duration;

/// `(status, body)` of `METHOD url` with an optional JSON body.
pub fn request(method: &str, url: &str, body: Option<&str>) -> (u16, String) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = reqwest::Client::new()
            .request(method, url)
            .timeout(Duration::from_secs(120))
            .header("content-type", "application/json");
        if let Some(body) = body {
            request = request.body(body.to_owned());
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        let status = response.status().as_u16();
        let text = response
            .text()
            .await
            .unwrap_or_else(|e| panic!("{url}: reading the body: {e}"));
        (status, text)
    })
}

//! The fetcher against a loopback server: bounds, redirects, statuses, compression.

use std::time::{Duration, Instant};

use sift_core::feeds::{FeedError, FeedSettings, FetchOutcome, Fetcher, Reach, Validators};

use crate::server::{fixture, gzip, Response, TestServer};

pub fn quick_settings() -> FeedSettings {
    FeedSettings {
        connect_timeout: Duration::from_millis(500),
        // Generous enough for a loaded CI machine, short enough to keep the suite quick.
        total_timeout: Duration::from_millis(2000),
        max_body_bytes: 64 * 1024,
        max_redirects: 3,
        ..FeedSettings::default()
    }
}

fn fetcher() -> Fetcher {
    Fetcher::new(&quick_settings()).unwrap()
}

async fn fetched(outcome: Result<FetchOutcome, FeedError>) -> sift_core::feeds::Fetched {
    match outcome.unwrap() {
        FetchOutcome::Fetched(f) => f,
        FetchOutcome::NotModified => panic!("expected a body, got 304"),
    }
}

#[tokio::test]
async fn sends_an_honest_user_agent_and_returns_the_body() {
    let server = TestServer::start();
    server.route(
        "/feed.xml",
        Response::ok("application/rss+xml", fixture("feeds/rss091.xml")),
    );
    let body = fetched(
        fetcher()
            .fetch(&server.url("/feed.xml"), &Validators::default())
            .await,
    )
    .await;
    assert_eq!(body.body, fixture("feeds/rss091.xml"));
    assert_eq!(body.content_type.as_deref(), Some("application/rss+xml"));
    let request = &server.requests_to("/feed.xml")[0];
    let agent = request.header("user-agent").unwrap();
    assert!(
        agent.starts_with("Sift/") && agent.contains("https://"),
        "{agent}"
    );
    assert!(request
        .header("accept")
        .unwrap()
        .contains("application/rss+xml"));
}

#[tokio::test]
async fn conditional_get_gives_not_modified() {
    let server = TestServer::start();
    let last_modified = "Wed, 06 Mar 2024 12:00:00 GMT";
    server.route_conditional(
        "/c.xml",
        "application/rss+xml",
        fixture("feeds/rss091.xml"),
        "\"v1\"",
        last_modified,
    );
    let first = fetched(
        fetcher()
            .fetch(&server.url("/c.xml"), &Validators::default())
            .await,
    )
    .await;
    assert_eq!(first.validators.etag.as_deref(), Some("\"v1\""));
    assert_eq!(
        first.validators.last_modified.as_deref(),
        Some(last_modified)
    );

    let again = fetcher()
        .fetch(&server.url("/c.xml"), &first.validators)
        .await
        .unwrap();
    assert_eq!(again, FetchOutcome::NotModified);
    // Last-Modified alone is enough too.
    let by_date = Validators {
        etag: None,
        last_modified: Some(last_modified.into()),
    };
    assert_eq!(
        fetcher()
            .fetch(&server.url("/c.xml"), &by_date)
            .await
            .unwrap(),
        FetchOutcome::NotModified
    );
    let sent = &server.requests_to("/c.xml")[1];
    assert_eq!(sent.header("if-none-match"), Some("\"v1\""));
    assert_eq!(sent.header("if-modified-since"), Some(last_modified));
}

#[tokio::test]
async fn follows_redirects_but_not_loops() {
    let server = TestServer::start();
    server.route(
        "/feed.xml",
        Response::ok("application/rss+xml", fixture("feeds/rss091.xml")),
    );
    server.route("/old", Response::redirect(301, "/older"));
    server.route("/older", Response::redirect(302, &server.url("/feed.xml")));
    server.route("/loop-a", Response::redirect(302, "/loop-b"));
    server.route("/loop-b", Response::redirect(302, "/loop-a"));

    let body = fetched(
        fetcher()
            .fetch(&server.url("/old"), &Validators::default())
            .await,
    )
    .await;
    assert_eq!(body.final_url, server.url("/feed.xml"));

    let err = fetcher()
        .fetch(&server.url("/loop-a"), &Validators::default())
        .await
        .unwrap_err();
    assert!(matches!(err, FeedError::TooManyRedirects { .. }), "{err:?}");
    assert!(err.to_string().contains(&server.url("/loop-a")), "{err}");
}

#[tokio::test]
async fn error_statuses_name_the_url_and_status() {
    let server = TestServer::start();
    server.route("/boom", Response::new(500, "oops"));
    let missing = fetcher()
        .fetch(&server.url("/missing"), &Validators::default())
        .await
        .unwrap_err();
    assert_eq!(
        missing.to_string(),
        format!("{} answered HTTP 404 Not Found", server.url("/missing"))
    );
    let boom = fetcher()
        .fetch(&server.url("/boom"), &Validators::default())
        .await
        .unwrap_err();
    assert!(boom.to_string().contains("500"), "{boom}");
}

#[tokio::test]
async fn slow_server_times_out_quickly() {
    let server = TestServer::start();
    server.route(
        "/slow",
        Response::ok("application/rss+xml", "<rss/>").delay(Duration::from_secs(20)),
    );
    let started = Instant::now();
    let err = fetcher()
        .fetch(&server.url("/slow"), &Validators::default())
        .await
        .unwrap_err();
    assert!(matches!(err, FeedError::Timeout { .. }), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert!(err.to_string().contains("did not answer"), "{err}");
}

#[tokio::test]
async fn refused_connection_is_a_clear_error() {
    // Bind and drop a listener to get a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/feed");
    let err = fetcher()
        .fetch(&url, &Validators::default())
        .await
        .unwrap_err();
    assert!(matches!(err, FeedError::Connect { .. }), "{err:?}");
    assert!(err.to_string().contains(&url), "{err}");
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_or_without_content_length() {
    let server = TestServer::start();
    let big = vec![b'x'; 200 * 1024];
    server.route("/big", Response::ok("application/rss+xml", big.clone()));
    server.route(
        "/big-unannounced",
        Response::ok("application/rss+xml", big).without_length(),
    );
    for path in ["/big", "/big-unannounced"] {
        let err = fetcher()
            .fetch(&server.url(path), &Validators::default())
            .await
            .unwrap_err();
        assert!(
            matches!(err, FeedError::TooLarge { limit: 65536, .. }),
            "{path}: {err:?}"
        );
    }
}

#[tokio::test]
async fn gzip_is_decoded_and_a_gzip_bomb_hits_the_cap() {
    let server = TestServer::start();
    let feed = fixture("feeds/atom10.xml");
    server.route(
        "/gz",
        Response::ok("application/atom+xml", gzip(&feed)).header("Content-Encoding", "gzip"),
    );
    // 32 MiB of zeros compress to ~32 KiB: small on the wire, far over the cap unpacked.
    let bomb = gzip(&vec![0u8; 32 * 1024 * 1024]);
    assert!(bomb.len() < 64 * 1024);
    server.route(
        "/bomb",
        Response::ok("application/atom+xml", bomb).header("Content-Encoding", "gzip"),
    );
    let body = fetched(
        fetcher()
            .fetch(&server.url("/gz"), &Validators::default())
            .await,
    )
    .await;
    assert_eq!(body.body, feed);
    assert!(server.requests_to("/gz")[0]
        .header("accept-encoding")
        .unwrap()
        .contains("gzip"));

    let err = fetcher()
        .fetch(&server.url("/bomb"), &Validators::default())
        .await
        .unwrap_err();
    assert!(matches!(err, FeedError::TooLarge { .. }), "{err:?}");
}

#[tokio::test]
async fn only_http_urls_are_fetched() {
    let err = fetcher()
        .fetch("file:///etc/passwd", &Validators::default())
        .await
        .unwrap_err();
    assert!(matches!(err, FeedError::InvalidUrl { .. }), "{err:?}");
}

/// [`Reach::PublicOnly`] (links from a public feed) never connects to the local network,
/// whether the link names an address or a name that resolves there; [`Reach::Any`] (the
/// user's own feed URL) still may.
#[tokio::test]
async fn public_only_fetches_never_reach_local_addresses() {
    let server = TestServer::start();
    server.route(
        "/secret",
        Response::ok("text/html", b"<p>admin</p>".to_vec()),
    );
    let fetcher = fetcher();
    let by_address = server.url("/secret");
    let by_name = by_address.replace("127.0.0.1", "localhost");
    for url in [&by_address, &by_name] {
        match fetcher
            .fetch_within(url, &Validators::default(), Reach::PublicOnly)
            .await
        {
            Err(e @ FeedError::LocalAddress { .. }) => {
                assert!(e.to_string().contains("local network"), "{e}")
            }
            other => panic!("{url}: {other:?}"),
        }
    }
    assert!(server.requests_to("/secret").is_empty());
    assert!(matches!(
        fetcher
            .fetch_within(&by_address, &Validators::default(), Reach::Any)
            .await,
        Ok(FetchOutcome::Fetched(_))
    ));
}

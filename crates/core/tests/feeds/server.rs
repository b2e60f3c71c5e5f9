//! A tiny HTTP/1.1 server on loopback for tests: routes map a path to a handler; every
//! connection is closed after one response. It runs on its own thread and runtime so that
//! both async tests and tests that spawn the `sift` binary can use it.
//! (Shared with the CLI tests through `#[path]`.)

#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering at all.
    pub delay: Duration,
    /// Send no Content-Length: the body ends when the connection closes.
    pub no_length: bool,
}

impl Response {
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.into(),
            delay: Duration::ZERO,
            no_length: false,
        }
    }

    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self::new(200, body).header("Content-Type", content_type)
    }

    pub fn redirect(status: u16, location: &str) -> Self {
        Self::new(status, Vec::new()).header("Location", location)
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    pub fn without_length(mut self) -> Self {
        self.no_length = true;
        self
    }
}

type Handler = Arc<dyn Fn(&Request) -> Response + Send + Sync>;

#[derive(Clone, Default)]
struct Shared {
    routes: Arc<Mutex<HashMap<String, Handler>>>,
    requests: Arc<Mutex<Vec<Request>>>,
    in_flight: Arc<AtomicUsize>,
    peak_in_flight: Arc<AtomicUsize>,
}

pub struct TestServer {
    pub addr: SocketAddr,
    shared: Shared,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl TestServer {
    pub fn start() -> Self {
        Self::start_on("127.0.0.1", Shared::default())
    }

    /// A second server on another loopback address that shares this one's routes and
    /// counters (a different host, for per-host limits).
    pub fn sibling(&self, ip: &str) -> Self {
        Self::start_on(ip, self.shared.clone())
    }

    fn start_on(ip: &str, shared: Shared) -> Self {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let ip = ip.to_string();
        let serving = shared.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = TcpListener::bind((ip.as_str(), 0)).await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                let accept = async {
                    loop {
                        let Ok((socket, _)) = listener.accept().await else {
                            continue;
                        };
                        let shared = serving.clone();
                        tokio::spawn(async move {
                            let _ = serve(socket, shared).await;
                        });
                    }
                };
                tokio::select! {
                    _ = accept => {}
                    _ = stop_rx => {}
                }
            });
        });
        let addr = addr_rx.recv().unwrap();
        Self {
            addr,
            shared,
            _stop: stop_tx,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Serves `response` at `path` on every request.
    pub fn route(&self, path: &str, response: Response) {
        self.handle(path, move |_| response.clone());
    }

    pub fn handle(
        &self,
        path: &str,
        handler: impl Fn(&Request) -> Response + Send + Sync + 'static,
    ) {
        self.shared
            .routes
            .lock()
            .unwrap()
            .insert(path.to_string(), Arc::new(handler));
    }

    /// Serves `body` with an ETag and Last-Modified, answering 304 when the request
    /// carries either validator unchanged.
    pub fn route_conditional(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<Vec<u8>>,
        etag: &str,
        last_modified: &str,
    ) {
        let body = body.into();
        let (content_type, etag, last_modified) = (
            content_type.to_string(),
            etag.to_string(),
            last_modified.to_string(),
        );
        self.handle(path, move |req| {
            let etag_matches = req.header("if-none-match") == Some(etag.as_str());
            let date_matches = req.header("if-modified-since") == Some(last_modified.as_str());
            if etag_matches || date_matches {
                Response::new(304, Vec::new()).header("ETag", &etag)
            } else {
                Response::ok(&content_type, body.clone())
                    .header("ETag", &etag)
                    .header("Last-Modified", &last_modified)
            }
        });
    }

    pub fn requests(&self) -> Vec<Request> {
        self.shared.requests.lock().unwrap().clone()
    }

    pub fn requests_to(&self, path: &str) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    /// The most requests that were being answered at the same moment.
    pub fn peak_concurrency(&self) -> usize {
        self.shared.peak_in_flight.load(Ordering::SeqCst)
    }
}

async fn serve(mut socket: tokio::net::TcpStream, shared: Shared) -> std::io::Result<()> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos;
        }
        if buffer.len() > 64 * 1024 {
            return Ok(());
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split_whitespace();
    let method = first.next().unwrap_or("").to_string();
    let path = first.next().unwrap_or("/").to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let request = Request {
        method,
        path: path.clone(),
        headers,
    };
    shared.requests.lock().unwrap().push(request.clone());

    let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    shared.peak_in_flight.fetch_max(now, Ordering::SeqCst);
    let handler = shared.routes.lock().unwrap().get(&path).cloned();
    let response = match handler {
        Some(handler) => handler(&request),
        None => Response::new(404, "not found").header("Content-Type", "text/plain"),
    };
    if !response.delay.is_zero() {
        tokio::time::sleep(response.delay).await;
    }
    let mut out = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    if !response.no_length {
        out.push_str(&format!("Content-Length: {}\r\n", response.body.len()));
    }
    out.push_str("Connection: close\r\n\r\n");
    let result = async {
        socket.write_all(out.as_bytes()).await?;
        if request.method != "HEAD" {
            socket.write_all(&response.body).await?;
        }
        socket.shutdown().await
    }
    .await;
    shared.in_flight.fetch_sub(1, Ordering::SeqCst);
    result
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Status",
    }
}

/// Gzip-compresses `bytes` (for Content-Encoding: gzip responses).
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// The repository's `tests/fixtures/` directory.
pub fn fixtures_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .canonicalize()
        .unwrap()
}

pub fn fixture(relative: &str) -> Vec<u8> {
    let path = fixtures_dir().join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

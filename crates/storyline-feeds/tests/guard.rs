//! The address guard against a real HTTP server on loopback, which stands in for an internal
//! service: with the guard on, nothing is sent to it, whether a URL names it directly or a
//! redirect leads there; with the guard off it is fetched like any site.

use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::net::{IpAddr, TcpListener};
use std::time::Duration;

use storyline_feeds::{check_url, FeedError, FetchConfig, Fetched, Fetcher};

/// An HTTP server that answers `/moved?to=URL` with a redirect to URL and anything else with a
/// small page. Connections are accepted only when `serve` is called, so a test can see whether
/// any were made.
struct Server {
    listener: TcpListener,
}

impl Server {
    fn bind(address: &str) -> Server {
        let listener = TcpListener::bind((address, 0)).expect("bind a loopback port");
        listener.set_nonblocking(true).expect("non-blocking");
        Server { listener }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.listener.local_addr().expect("address"))
    }

    /// Whether a client has connected (and is waiting in the backlog).
    fn was_contacted(&self) -> bool {
        match self.listener.accept() {
            Ok(_) => true,
            Err(error) if error.kind() == ErrorKind::WouldBlock => false,
            Err(error) => panic!("accept: {error}"),
        }
    }

    /// Answers requests on a thread until the test ends.
    fn serve(self) -> String {
        let base = self.url("");
        self.listener.set_nonblocking(false).expect("blocking");
        std::thread::spawn(move || {
            for stream in self.listener.incoming().flatten() {
                let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let path = request_line.split_whitespace().nth(1).unwrap_or("/");
                let response = match path.split_once("/moved?to=") {
                    Some((_, target)) => format!(
                        "HTTP/1.1 302 Found\r\nLocation: {target}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    ),
                    None => "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 12\r\n\
                             Connection: close\r\n\r\n<p>hello</p>"
                        .to_string(),
                };
                let _ = (&stream).write_all(response.as_bytes());
            }
        });
        base
    }
}

fn fetcher(allow_private_addresses: bool, allowed_addresses: Vec<IpAddr>) -> Fetcher {
    Fetcher::new(FetchConfig {
        allow_private_addresses,
        allowed_addresses,
        host_interval: Duration::ZERO,
        retries: 0,
        timeout: Duration::from_secs(10),
        ..FetchConfig::default()
    })
}

fn refused(result: Result<Fetched, FeedError>) -> String {
    match result {
        Err(FeedError::Refused(reason)) => reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn guard_refuses_internal_addresses_without_connecting() {
    let internal = Server::bind("127.0.0.1");
    let mut guarded = fetcher(false, Vec::new());

    let reason = refused(guarded.fetch(&internal.url("/feed.xml"), None));
    assert_eq!(reason, "127.0.0.1 is a loopback address");
    let port = internal.listener.local_addr().expect("address").port();
    let reason = refused(guarded.fetch(&format!("http://[::ffff:127.0.0.1]:{port}/"), None));
    assert_eq!(reason, "::ffff:127.0.0.1 is a loopback address");
    let reason = refused(guarded.fetch("http://169.254.169.254/latest/meta-data/", None));
    assert_eq!(reason, "169.254.169.254 is the cloud metadata address (link-local)");
    let reason = refused(guarded.fetch("http://localhost:9/", None));
    assert!(reason.starts_with("localhost resolves to "), "{reason}");
    assert!(!internal.was_contacted(), "the guard connected to the internal server");

    let error = guarded.fetch(&internal.url("/"), None).expect_err("refused");
    assert_eq!(error.to_string(), "refused: 127.0.0.1 is a loopback address");
    assert!(!error.is_transient(), "a refusal does not pass by itself");
    assert_eq!(
        check_url(&internal.url("/feed.xml"), &FetchConfig::default()),
        Err(FeedError::Refused("127.0.0.1 is a loopback address".to_string()))
    );
}

#[test]
fn guard_checks_every_redirect_hop() {
    // One loopback address is allowed (the "site"); the redirect leads to another (the internal
    // service), and to the metadata address.
    let internal = Server::bind("127.0.0.2");
    let site = Server::bind("127.0.0.1").serve();
    let mut guarded = fetcher(false, vec!["127.0.0.1".parse().expect("an address")]);

    assert!(matches!(guarded.fetch(&format!("{site}/page"), None), Ok(Fetched::Body(_))), "the allowed site");
    let reason = refused(guarded.fetch(&format!("{site}/moved?to={}", internal.url("/admin")), None));
    assert_eq!(reason, "127.0.0.2 is a loopback address");
    let reason = refused(guarded.fetch(&format!("{site}/moved?to=http://169.254.169.254/latest/"), None));
    assert_eq!(reason, "169.254.169.254 is the cloud metadata address (link-local)");
    assert!(!internal.was_contacted(), "a redirect reached the internal server");
}

#[test]
fn guard_switched_off_fetches_loopback() {
    let site = Server::bind("127.0.0.1").serve();
    let mut open = fetcher(true, Vec::new());
    let Ok(Fetched::Body(page)) = open.fetch(&format!("{site}/moved?to={site}/page"), None) else {
        panic!("the loopback server should be fetched with the guard off");
    };
    assert_eq!(page.body, b"<p>hello</p>");
    assert_eq!(page.url, format!("{site}/page"));
    let config = FetchConfig { allow_private_addresses: true, ..FetchConfig::default() };
    assert_eq!(check_url(&format!("{site}/feed.xml"), &config), Ok(()));
}

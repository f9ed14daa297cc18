//! A news site on 127.0.0.1 for the feed tests: a feed, its pages, robots.txt.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub fn page(title: &str, body: &str) -> String {
    format!("<html><head><title>{title}</title></head><body><article><p>{body}</p></article></body></html>")
}

/// A news site: robots.txt keeps robots out of /private/, the feed links two public pages and a
/// private one, and /news/b fails once with a 503 before it works. /internal.xml is a feed whose
/// items point at internal addresses.
pub struct Site {
    pub port: u16,
    /// Request lines ("GET /feed.xml") in arrival order.
    requests: Arc<Mutex<Vec<String>>>,
}

impl Site {
    pub fn start() -> Site {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("address").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                serve(stream, port, &log);
            }
        });
        Site { port, requests }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("log").clone()
    }
}

fn serve(mut stream: TcpStream, port: u16, log: &Mutex<Vec<String>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => head.push(line.trim_end().to_string()),
        }
    }
    let Some(request_line) = head.first() else { return };
    let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let header = |name: &str| {
        head.iter().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim().to_string())
        })
    };
    let user_agent = header("user-agent").unwrap_or_default();
    let earlier = {
        let mut log = log.lock().expect("log");
        let earlier = log.iter().filter(|line| line.ends_with(&format!(" {path}"))).count();
        log.push(format!("{} {path}", user_agent.split('/').next().unwrap_or_default()));
        earlier
    };
    let feed = format!(
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Loopback News</title>
<item><title>Deal signed in Tripoli</title><link>http://127.0.0.1:{port}/news/a</link><guid>a</guid>
<pubDate>Mon, 02 Dec 2019 10:00:00 GMT</pubDate></item>
<item><title>Floods in Venice</title><link>/news/b</link><guid>b</guid></item>
<item><title>Members only</title><link>/private/c</link><guid>c</guid></item>
</channel></rss>"#
    );
    let internal_feed = format!(
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Hostile</title>
<item><title>Metadata</title><link>http://169.254.169.254/latest/meta-data/</link></item>
<item><title>Admin</title><link>http://127.0.0.2:{port}/admin</link></item>
</channel></rss>"#
    );
    let (status, content_type, body, extra) = match path.as_str() {
        "/robots.txt" => ("200 OK", "text/plain", "User-agent: *\nDisallow: /private/\n".to_string(), ""),
        "/feed.xml" if header("if-none-match").as_deref() == Some("\"v1\"") => {
            ("304 Not Modified", "text/plain", String::new(), "ETag: \"v1\"\r\n")
        }
        "/feed.xml" => ("200 OK", "application/rss+xml", feed, "ETag: \"v1\"\r\n"),
        "/internal.xml" => ("200 OK", "application/rss+xml", internal_feed, ""),
        "/news/a" => (
            "200 OK",
            "text/html; charset=utf-8",
            page(
                "Turkey and Qatar sign a deal with Libya",
                "Turkey and Qatar signed a tripartite military deal with the Libyan government on Monday, \
                 officials in Tripoli said, covering training and advice for the armed forces.",
            ),
            "",
        ),
        "/news/b" if earlier == 0 => ("503 Service Unavailable", "text/plain", "busy".to_string(), ""),
        "/news/b" => (
            "200 OK",
            "text/html",
            page(
                "Floods in Venice",
                "The highest tide in fifty years flooded Venice on Tuesday, leaving most of the historic \
                 centre under water and damaging the crypt of St Mark's Basilica.",
            ),
            "",
        ),
        "/private/c" => ("200 OK", "text/html", page("Private", "Nobody should have fetched this page."), ""),
        _ => ("404 Not Found", "text/plain", "not found".to_string(), ""),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
}

//! `procbook serve` run by a test (tests/serve.rs, tests/serve_abuse.rs): the real binary on a
//! temporary copy of the fixture, spoken to with hand-written HTTP/1.1 over `TcpStream`, so a
//! test can send exactly the bytes a browser, a half-closed tab or an attacker would.

// Two test crates include this file and each uses a part of it.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::fixture::{fixture_copy, WAIT};
use crate::process::{Running, Stream};

/// A handbook being served.
pub struct Served {
    // Fields drop in order: the process is killed before its folder is removed.
    pub procbook: Running,
    pub tmp: TempDir,
    pub book: PathBuf,
    pub addr: SocketAddr,
}

pub fn serve() -> Served {
    let (tmp, book) = fixture_copy();
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .unwrap()
        .port()
        .to_string();
    let args: [&OsStr; 4] = [
        "serve".as_ref(),
        book.as_ref(),
        "--port".as_ref(),
        port.as_ref(),
    ];
    let mut procbook = Running::start(&args, tmp.path());
    let line = procbook.wait_for_line(Stream::Out, 0, "the server starts", |l| {
        l.starts_with("serving the handbook at ")
    });
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap();
    let addr = url["http://".len()..]
        .trim_end_matches('/')
        .parse()
        .unwrap();
    Served {
        tmp,
        book,
        procbook,
        addr,
    }
}

/// A response, its body de-chunked.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> &str {
        let found = self
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name));
        found.map_or("", |(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A response's status and headers.
pub type Head = (u16, Vec<(String, String)>);

/// Splits raw response bytes into the head and the body so far, once the head is complete.
pub fn split_head(raw: &[u8]) -> Option<(Head, &[u8])> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.lines();
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Some(((status, headers), &raw[end + 4..]))
}

/// The data of the complete chunks of a chunked body.
pub fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = body.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&body[..eol]);
        let Ok(size) = usize::from_str_radix(size.split(';').next().unwrap().trim(), 16) else {
            break;
        };
        let start = eol + 2;
        if size == 0 || body.len() < start + size + 2 {
            break;
        }
        out.extend_from_slice(&body[start..start + size]);
        body = &body[start + size + 2..];
    }
    out
}

/// Sends `request_line` (`GET /path HTTP/1.1`) and reads the whole response.
pub fn request(addr: SocketAddr, request_line: &str) -> Response {
    let mut s = TcpStream::connect_timeout(&addr, WAIT).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    let head = format!("{request_line}\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(head.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("a response within the wait");
    let ((status, headers), body) = split_head(&raw).expect("a complete response");
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_vec()
    };
    Response {
        status,
        headers,
        body,
    }
}

pub fn get(addr: SocketAddr, path: &str) -> Response {
    request(addr, &format!("GET {path} HTTP/1.1"))
}

/// An open `/__procbook/events` stream, as a page's `EventSource` holds it.
pub struct Events {
    socket: TcpStream,
    raw: Vec<u8>,
    /// Events already returned.
    seen: usize,
}

impl Events {
    pub fn open(addr: SocketAddr) -> Events {
        let mut socket = TcpStream::connect_timeout(&addr, WAIT).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        let head = format!(
            "GET /__procbook/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
        );
        socket.write_all(head.as_bytes()).unwrap();
        let mut events = Events {
            socket,
            raw: Vec::new(),
            seen: 0,
        };
        // The stream is subscribed to once its head has been sent.
        let deadline = Instant::now() + WAIT;
        while split_head(&events.raw).is_none() {
            assert!(
                Instant::now() < deadline,
                "no response to the event stream request"
            );
            events.read_some();
        }
        let ((status, headers), _) = split_head(&events.raw).unwrap();
        assert_eq!(status, 200);
        assert!(headers
            .iter()
            .any(|(_, v)| v.starts_with("text/event-stream")));
        events
    }

    pub fn read_some(&mut self) {
        let mut buf = [0; 4096];
        match self.socket.read(&mut buf) {
            Ok(0) => panic!("the server closed the event stream"),
            Ok(n) => self.raw.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => panic!("reading the event stream: {e}"),
        }
    }

    /// The complete events received so far: (event, data), keep-alive comments left out.
    pub fn received(&self) -> Vec<(String, String)> {
        let body = split_head(&self.raw)
            .map(|(_, b)| dechunk(b))
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&body).replace("\r\n", "\n");
        let blocks: Vec<&str> = text.split("\n\n").collect();
        let complete = &blocks[..blocks.len() - 1];
        complete
            .iter()
            .filter_map(|block| {
                let field = |name: &str| {
                    let prefix = format!("{name}:");
                    let line = block.lines().find(|l| l.starts_with(&prefix))?;
                    Some(line[prefix.len()..].trim_start().to_string())
                };
                Some((
                    field("event").unwrap_or_else(|| "message".into()),
                    field("data")?,
                ))
            })
            .collect()
    }

    /// Waits for the next event named `name`, skipping others; returns its data.
    pub fn wait_for(&mut self, name: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let events = self.received();
            if let Some(i) = (self.seen..events.len()).find(|&i| events[i].0 == name) {
                self.seen = i + 1;
                return events[i].1.clone();
            }
            self.seen = events.len();
            assert!(
                Instant::now() < deadline,
                "no `{name}` event within {WAIT:?}"
            );
            self.read_some();
        }
    }
}

impl Served {
    /// The private folder serve builds into (`procbook-serve-*/`, holding `site/`).
    pub fn preview_dir(&self) -> PathBuf {
        std::fs::read_dir(self.tmp.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                let name = p.file_name().unwrap().to_string_lossy();
                name.starts_with("procbook-serve-")
            })
            .expect("serve builds into a folder in TMPDIR")
    }

    /// The server's resident memory in KiB (VmRSS in /proc/<pid>/status).
    pub fn rss_kib(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.procbook.pid())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        let kib = line.split_whitespace().nth(1).unwrap();
        kib.parse().unwrap()
    }
}

/// What the server did with raw request bytes.
pub enum Answer {
    /// A response head arrived (its body as far as it came before the server closed).
    Response(Response),
    /// The server closed the connection (or reset it) without answering.
    Closed,
}

impl Answer {
    pub fn status(&self) -> Option<u16> {
        match self {
            Answer::Response(r) => Some(r.status),
            Answer::Closed => None,
        }
    }

    pub fn text(&self) -> String {
        match self {
            Answer::Response(r) => {
                let head = r.headers.iter().map(|(n, v)| format!("{n}: {v}\n"));
                head.collect::<String>() + &r.text()
            }
            Answer::Closed => String::new(),
        }
    }
}

/// Sends `bytes` as they are (writing stops quietly if the server closes first), then reads
/// until the server closes the connection or [`WAIT`] passes.
pub fn send_raw(addr: SocketAddr, bytes: &[u8]) -> Answer {
    let mut s = TcpStream::connect_timeout(&addr, WAIT).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    s.set_write_timeout(Some(WAIT)).unwrap();
    let _ = s.write_all(bytes);
    read_answer(&mut s)
}

/// Reads what the server sends until it closes the connection, resets it, or [`WAIT`] passes.
pub fn read_answer(s: &mut TcpStream) -> Answer {
    let mut raw = Vec::new();
    let mut buf = [0; 16 * 1024];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                panic!("the server neither answered nor closed within {WAIT:?}")
            }
            Err(_) => break, // reset
        }
    }
    match split_head(&raw) {
        Some(((status, headers), body)) => Answer::Response(Response {
            status,
            headers,
            body: body.to_vec(),
        }),
        None => Answer::Closed,
    }
}

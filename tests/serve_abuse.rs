//! `procbook serve` against hostile and careless clients, all on loopback: paths that try to
//! leave the site in every encoding, a crowd of clients with idle connections among them,
//! absurd request heads and bodies, and connections that never send a request. The server must
//! serve nothing outside its site, refuse what it cannot handle, keep answering normal requests
//! promptly and correctly, and not grow without bound.

#[path = "watch_support/fixture.rs"]
mod fixture;
#[path = "watch_support/http.rs"]
mod http;
#[path = "watch_support/process.rs"]
mod process;

use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use fixture::{write_by_rename, WAIT};
use http::{get, read_answer, send_raw, serve, Answer, Events, Served};

/// Text that exists only in the files planted outside the site.
const SECRET: &str = "PROCBOOK-TEST-SECRET-4b1d";

/// A normal request and its expected answer: the roles page, as first served.
fn check_normal(s: &Served, expected: &[u8], when: &str) -> Duration {
    let start = Instant::now();
    let r = get(s.addr, "/guide/roles.html");
    let took = start.elapsed();
    assert_eq!(r.status, 200, "{when}");
    assert!(r.body == expected, "{when}: the page's bytes differ");
    took
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

#[test]
fn paths_outside_the_site_are_refused_in_every_encoding() {
    let s = serve();
    // A secret beside the site (procbook-serve-*/), in the folder above, and in the handbook.
    let preview = s.preview_dir();
    for dir in [preview.as_path(), s.tmp.path(), s.book.as_path()] {
        fs::write(dir.join("secret.txt"), SECRET).unwrap();
    }
    let absolute = preview.join("secret.txt").to_string_lossy().into_owned();
    let encoded_absolute = absolute.replace('/', "%2f");
    let deep_dots = "../".repeat(2000);
    let long_junk = "a/".repeat(40_000);
    let targets: Vec<String> = [
        // Plain and mixed dots.
        "/../secret.txt",
        "/../../secret.txt",
        "/guide/../../secret.txt",
        "/assets/../../../secret.txt",
        "/./../secret.txt",
        "/..;/secret.txt",
        // Percent-encoded dots and slashes, any case.
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/%2e%2E/%2E%2e/secret.txt",
        "/.%2e/secret.txt",
        "/%2e./secret.txt",
        "/%2e%2e%2fsecret.txt",
        "/%2e%2e%2Fsecret.txt",
        "/..%2fsecret.txt",
        "/..%2f..%2fsecret.txt",
        "/guide/..%2f..%2fsecret.txt",
        // Double-encoded: decoded once, these are names, never `..`.
        "/%252e%252e/secret.txt",
        "/%252e%252e%252fsecret.txt",
        "/..%252fsecret.txt",
        // Backslashes, raw and encoded.
        "/..%5csecret.txt",
        "/..%5C..%5Csecret.txt",
        "/..\\secret.txt",
        "/\\..\\secret.txt",
        "/guide\\..\\..\\secret.txt",
        // Overlong UTF-8 and other non-standard encodings of `.` and `/`.
        "/%c0%ae%c0%ae/secret.txt",
        "/%c0%ae%c0%ae%c0%afsecret.txt",
        "/%e0%80%ae%e0%80%ae/secret.txt",
        "/%c0%2e%c0%2e/secret.txt",
        "/%u002e%u002e/secret.txt",
        "/%uff0e%uff0e/secret.txt",
        // NUL bytes.
        "/%00",
        "/secret.txt%00.html",
        "/..%00/secret.txt",
        "/%00/../secret.txt",
        // Absolute paths and drive letters.
        "//etc/passwd",
        "/etc/passwd",
        "/%2fetc%2fpasswd",
        "/C:\\Windows\\win.ini",
        "/C:/Windows/win.ini",
        "/c:%5cwindows%5cwin.ini",
        "/C%3A%5CWindows%5Cwin.ini",
        "/\\\\server\\share\\secret.txt",
    ]
    .iter()
    .map(|t| t.to_string())
    .chain([
        format!("/{absolute}"),
        format!("/{encoded_absolute}"),
        format!("/{deep_dots}secret.txt"),
        format!("/{long_junk}../../secret.txt"),
    ])
    .collect();
    for target in &targets {
        // As the path of a request, and inside an absolute-form request target.
        let requests = [
            format!(
                "GET {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                s.addr
            ),
            format!(
                "GET http://{}{target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                s.addr, s.addr
            ),
        ];
        for request in requests {
            let answer = send_raw(s.addr, request.as_bytes());
            let shown: String = target.chars().take(80).collect();
            assert!(
                matches!(answer.status(), None | Some(400 | 403 | 404 | 414 | 431)),
                "{shown}: answered {:?}",
                answer.status()
            );
            let text = answer.text();
            assert!(
                !text.contains(SECRET) && !text.contains("root:x:0:0"),
                "{shown} leaked:\n{text}"
            );
        }
    }
    // Request targets that are not paths at all.
    for line in [
        "GET ../secret.txt HTTP/1.1",
        "GET file:///etc/passwd HTTP/1.1",
        "GET * HTTP/1.1",
        "GET C:\\secret.txt HTTP/1.1",
    ] {
        let request = format!("{line}\r\nHost: {}\r\nConnection: close\r\n\r\n", s.addr);
        let answer = send_raw(s.addr, request.as_bytes());
        assert!(
            matches!(answer.status(), None | Some(400 | 403 | 404)),
            "{line}: answered {:?}",
            answer.status()
        );
        assert!(!answer.text().contains(SECRET), "{line} leaked");
    }
    // The site itself is still served, and so are names with encoded characters that are fine.
    assert_eq!(get(s.addr, "/guide/roles.html").status, 200);
    assert_eq!(get(s.addr, "/guide/%72oles.html").status, 200);
}

#[test]
fn a_page_is_served_promptly_among_many_clients_and_idle_connections() {
    let s = serve();
    let expected = get(s.addr, "/guide/roles.html").body;
    let rss_before = s.rss_kib();

    // 50 connections that never send a byte.
    let idle: Vec<TcpStream> = (0..50)
        .map(|_| TcpStream::connect_timeout(&s.addr, WAIT).unwrap())
        .collect();
    // 200 clients fetching pages at once, each a bounded number of times.
    let pages = [
        "/",
        "/guide/roles.html",
        "/projects/sm-001.html",
        "/assets/style.css",
        "/projects.json",
        "/stakeholders.csv",
    ];
    let wrong = Arc::new(AtomicUsize::new(0));
    let served = Arc::new(AtomicUsize::new(0));
    let stop_at = Instant::now() + Duration::from_secs(6);
    let clients: Vec<_> = (0..200)
        .map(|i| {
            let (addr, wrong, served) = (s.addr, Arc::clone(&wrong), Arc::clone(&served));
            thread::spawn(move || {
                for k in 0..20 {
                    if Instant::now() > stop_at {
                        break;
                    }
                    let r = get(addr, pages[(i + k) % pages.len()]);
                    let counter = if r.status == 200 { &served } else { &wrong };
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    // Meanwhile, a normal request: answered correctly within 2 s, every time.
    thread::sleep(Duration::from_millis(200));
    let times: Vec<Duration> = (0..7)
        .map(|_| {
            let took = check_normal(&s, &expected, "under load");
            assert!(took < Duration::from_secs(2), "took {took:?} under load");
            thread::sleep(Duration::from_millis(100));
            took
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    let rss_after = s.rss_kib();
    eprintln!(
        "under 200 clients + 50 idle connections: median {:?}, slowest {:?} ({} pages served to the crowd); RSS {} KiB before, {} KiB after",
        median(times.clone()),
        times.iter().max().unwrap(),
        served.load(Ordering::Relaxed),
        rss_before,
        rss_after
    );
    assert_eq!(
        wrong.load(Ordering::Relaxed),
        0,
        "some pages were not served"
    );
    assert!(served.load(Ordering::Relaxed) >= 200);
    drop(idle);
    check_normal(&s, &expected, "after the load");
}

/// Sends a request head announcing a body, then body bytes for as long as the server takes them
/// (at most 64 MiB or a few seconds), and reads what the server answered.
fn endless_body(addr: SocketAddr, head: &str, chunked: bool) -> Answer {
    let mut c = TcpStream::connect_timeout(&addr, WAIT).unwrap();
    c.set_read_timeout(Some(WAIT)).unwrap();
    c.set_write_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    c.write_all(head.as_bytes()).unwrap();
    let piece = vec![b'x'; 64 * 1024];
    let deadline = Instant::now() + Duration::from_secs(3);
    for _ in 0..1024 {
        let sent = match chunked {
            true => c
                .write_all(format!("{:x}\r\n", piece.len()).as_bytes())
                .and_then(|()| c.write_all(&piece))
                .and_then(|()| c.write_all(b"\r\n")),
            false => c.write_all(&piece),
        };
        if sent.is_err() || Instant::now() > deadline {
            break;
        }
    }
    read_answer(&mut c)
}

#[test]
fn absurd_requests_are_refused_and_the_server_keeps_serving() {
    let s = serve();
    let expected = get(s.addr, "/guide/roles.html").body;
    let rss_before = s.rss_kib();
    let host = format!("Host: {}\r\n", s.addr);
    let big_value = "a".repeat(1 << 20);
    let many_headers = "X-Filler: 1\r\n".repeat(10_000);
    let cases: Vec<(&str, Vec<u8>, &[u16])> = vec![
        (
            "one 1 MiB header",
            format!("GET / HTTP/1.1\r\n{host}X-Big: {big_value}\r\n\r\n").into(),
            &[431, 400],
        ),
        (
            "10,000 headers",
            format!("GET / HTTP/1.1\r\n{host}{many_headers}\r\n").into(),
            &[431, 400],
        ),
        (
            "a 1 MiB request line",
            format!("GET /{big_value} HTTP/1.1\r\n{host}\r\n").into(),
            &[414, 431, 400],
        ),
        (
            "GET with Content-Length: 10000000000",
            format!("GET / HTTP/1.1\r\n{host}Content-Length: 10000000000\r\n\r\n").into(),
            &[413],
        ),
        (
            "POST with Content-Length: 10000000000",
            format!("POST / HTTP/1.1\r\n{host}Content-Length: 10000000000\r\n\r\n").into(),
            &[413, 405],
        ),
        (
            "a negative Content-Length",
            format!("GET / HTTP/1.1\r\n{host}Content-Length: -1\r\n\r\n").into(),
            &[400],
        ),
        (
            "two different Content-Lengths",
            format!("GET / HTTP/1.1\r\n{host}Content-Length: 1\r\nContent-Length: 2\r\n\r\nab")
                .into(),
            &[400],
        ),
        (
            "a TLS handshake",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03".to_vec(),
            &[400],
        ),
        ("binary garbage", vec![0xff; 4096], &[400]),
    ];
    for (what, bytes, allowed) in &cases {
        let answer = send_raw(s.addr, bytes);
        eprintln!("{what}: {:?}", answer.status());
        if let Some(status) = answer.status() {
            assert!(allowed.contains(&status), "{what}: answered {status}");
        }
        check_normal(&s, &expected, &format!("after {what}"));
    }

    // Bodies that never end: refused before they are read, the connection closed.
    for (what, head, chunked) in [
        (
            "a chunked POST that never ends",
            format!("POST / HTTP/1.1\r\n{host}Transfer-Encoding: chunked\r\n\r\n"),
            true,
        ),
        (
            "a chunked GET that never ends",
            format!("GET / HTTP/1.1\r\n{host}Transfer-Encoding: chunked\r\n\r\n"),
            true,
        ),
        (
            "a GET streaming a 10 GB body",
            format!("GET / HTTP/1.1\r\n{host}Content-Length: 10000000000\r\n\r\n"),
            false,
        ),
    ] {
        let answer = endless_body(s.addr, &head, chunked);
        eprintln!("{what}: {:?}", answer.status());
        assert!(
            matches!(answer.status(), None | Some(413 | 405 | 400)),
            "{what}: answered {:?}",
            answer.status()
        );
        check_normal(&s, &expected, &format!("after {what}"));
    }

    // Many of them at once, while a normal client keeps asking.
    let attackers: Vec<_> = (0..20)
        .map(|i| {
            let (addr, host) = (s.addr, host.clone());
            let bytes = match i % 2 {
                0 => format!(
                    "GET / HTTP/1.1\r\n{host}X-Big: {}\r\n\r\n",
                    "b".repeat(1 << 20)
                ),
                _ => format!(
                    "GET / HTTP/1.1\r\n{host}{}\r\n",
                    "X-F: 1\r\n".repeat(10_000)
                ),
            };
            thread::spawn(move || send_raw(addr, bytes.as_bytes()).status())
        })
        .collect();
    check_normal(&s, &expected, "during 20 absurd requests at once");
    for a in attackers {
        let status = a.join().unwrap();
        assert!(matches!(status, None | Some(431 | 400)), "{status:?}");
    }
    let rss_after = s.rss_kib();
    eprintln!("RSS {rss_before} KiB before the absurd requests, {rss_after} KiB after");
    assert!(
        rss_after < rss_before + 64 * 1024,
        "the server grew from {rss_before} KiB to {rss_after} KiB"
    );
    check_normal(&s, &expected, "at the end");
}

/// Whether the server has closed `c`, waiting at most until `deadline`.
fn closed_by(c: &mut TcpStream, deadline: Instant) -> bool {
    let mut buf = [0; 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        c.set_read_timeout(Some(left)).unwrap();
        match c.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return false
            }
            Err(_) => return true,
        }
    }
}

#[test]
fn idle_connections_are_closed_but_open_pages_keep_their_event_stream() {
    let mut s = serve();
    let mut events = Events::open(s.addr);
    let start = Instant::now();
    let mut silent = TcpStream::connect_timeout(&s.addr, WAIT).unwrap();
    let mut partial = TcpStream::connect_timeout(&s.addr, WAIT).unwrap();
    partial.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    // A keep-alive connection that made one request and then went quiet.
    let mut kept = TcpStream::connect_timeout(&s.addr, WAIT).unwrap();
    kept.write_all(format!("HEAD / HTTP/1.1\r\nHost: {}\r\n\r\n", s.addr).as_bytes())
        .unwrap();
    let mut head = [0; 512];
    kept.set_read_timeout(Some(WAIT)).unwrap();
    assert!(kept.read(&mut head).unwrap() > 0, "no answer to HEAD");

    // The server's deadline for a request head is 10 s; allow for a slow machine.
    let deadline = start + Duration::from_secs(20);
    for (what, c) in [
        ("a connection that never sent a byte", &mut silent),
        ("a connection that sent half a request", &mut partial),
        ("an idle keep-alive connection", &mut kept),
    ] {
        assert!(closed_by(c, deadline), "{what} is still open after 20 s");
    }
    let waited = start.elapsed();
    eprintln!("idle connections closed after {waited:?}");
    assert!(
        waited >= Duration::from_secs(5),
        "closed too soon: {waited:?}"
    );

    // The page's event stream, older than the deadline, still delivers a reload.
    let page = s.book.join("content/roles.md");
    let text = fs::read_to_string(&page).unwrap();
    write_by_rename(&page, &format!("{text}\nStill listening.\n"));
    assert_eq!(events.wait_for("reload"), "reload");
    s.procbook.wait_until("the edit is served", |_| {
        get(s.addr, "/guide/roles.html")
            .text()
            .contains("Still listening.")
    });
}

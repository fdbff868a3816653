//! `procbook serve`, tested as a browser meets it: the real binary on a temporary copy of the
//! fixture, spoken to with hand-written HTTP/1.1 requests over `TcpStream` (so the tests can
//! send exactly the bytes an attacker or a half-closed tab would), and the live-reload event
//! stream read as it arrives.

#[path = "watch_support/fixture.rs"]
mod fixture;
#[path = "watch_support/http.rs"]
mod http;
#[path = "watch_support/process.rs"]
mod process;

use std::fs;
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

use fixture::{fixture_copy, write_by_rename, WAIT};
use http::{get, serve, Events};

const BOOK_TOML_TEXT: &str = "[procurements.assignees]";

#[test]
fn pages_are_served_with_their_types_and_the_live_reload_script() {
    let s = serve();
    let home = get(s.addr, "/");
    assert_eq!(home.status, 200);
    assert!(home.header("content-type").starts_with("text/html"));
    assert!(home
        .text()
        .contains("<script src=\"/__procbook/live.js\"></script>\n</body>"));
    for (path, kind) in [
        ("/index.html", "text/html"),
        ("/guide/roles.html", "text/html"),
        ("/assets/style.css", "text/css"),
        ("/assets/app.js", "text/javascript"),
        ("/projects.json", "application/json"),
        ("/stakeholders.csv", "text/csv"),
        ("/resources.xml", "application/atom+xml"),
        ("/__procbook/live.js", "text/javascript"),
    ] {
        let r = get(s.addr, path);
        assert_eq!(r.status, 200, "{path}");
        assert!(
            r.header("content-type").starts_with(kind),
            "{path}: {}",
            r.header("content-type")
        );
    }
    assert!(get(s.addr, "/__procbook/live.js")
        .text()
        .contains("EventSource(\"/__procbook/events\")"));
    let folder = get(s.addr, "/guide");
    assert_eq!((folder.status, folder.header("location")), (301, "/guide/"));
}

#[test]
fn a_missing_page_gets_the_404_page() {
    let s = serve();
    let missing = get(s.addr, "/projects/no-such-project.html");
    assert_eq!(missing.status, 404);
    assert!(missing.header("content-type").starts_with("text/html"));
    assert!(missing.text().contains("Page not found"));
    assert_eq!(missing.body, get(s.addr, "/404.html").body);
}

#[test]
fn paths_outside_the_site_are_refused() {
    let s = serve();
    // Put a copy of book.toml everywhere a request could escape to: the preview folder's
    // parent (procbook-serve-*/) and the test's folder; the handbook's own is beside them.
    let preview = s.preview_dir();
    let secret = fs::read(s.book.join("book.toml")).unwrap();
    fs::write(preview.join("book.toml"), &secret).unwrap();
    fs::write(s.tmp.path().join("book.toml"), &secret).unwrap();
    for path in [
        "/../book.toml",
        "/%2e%2e/book.toml",
        "/%2E%2E%2Fbook.toml",
        "/..%5cbook.toml",
        "/..%2f..%2fbook.toml",
        "/%2e%2e/%2e%2e/book/book.toml",
        "/guide/../../book.toml",
        "/assets/%2e%2e/%2e%2e/%2e%2e/book/book.toml",
        "/.%2e/book.toml",
        "/..\\book.toml",
        "//etc/passwd",
        "/C:/Windows",
        "/c:%5cwindows%5cwin.ini",
        "/%00/book.toml",
    ] {
        let r = get(s.addr, path);
        assert!(matches!(r.status, 403 | 404), "{path}: {}", r.status);
        let body = r.text();
        assert!(
            !body.contains(BOOK_TOML_TEXT) && !body.contains("root:"),
            "{path} leaked:\n{body}"
        );
    }
}

#[test]
fn only_loopback_is_bound_by_default() {
    let s = serve();
    assert!(TcpStream::connect_timeout(&s.addr, WAIT).is_ok());
    let port = s.addr.port();
    let mut elsewhere: Vec<SocketAddr> = vec![
        (Ipv4Addr::new(127, 0, 0, 2), port).into(),
        (std::net::Ipv6Addr::LOCALHOST, port).into(),
    ];
    // This machine's address on its network, when it has one.
    let outward = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))
        .and_then(|u| u.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).map(|_| u))
        .and_then(|u| u.local_addr())
        .ok();
    if let Some(local) = outward.filter(|a| !a.ip().is_loopback() && !a.ip().is_unspecified()) {
        elsewhere.push((local.ip(), port).into());
    }
    for addr in elsewhere {
        let connected = TcpStream::connect_timeout(&addr, Duration::from_secs(2));
        assert!(connected.is_err(), "the server answers on {addr}");
    }
}

#[test]
fn open_pages_are_told_to_reload_or_shown_the_error() {
    let mut s = serve();
    let mut events = Events::open(s.addr);

    let page = s.book.join("content/roles.md");
    let text = fs::read_to_string(&page).unwrap();
    write_by_rename(&page, &format!("{text}\nEdited while served.\n"));
    assert_eq!(events.wait_for("reload"), "reload");
    s.procbook.wait_until("the edit is served", |_| {
        get(s.addr, "/guide/roles.html")
            .text()
            .contains("Edited while served.")
    });

    let good_page = get(s.addr, "/projects/sm-002.html");
    assert_eq!(good_page.status, 200);
    let csv = s.book.join("data/procurements.csv");
    let rows = fs::read_to_string(&csv).unwrap();
    write_by_rename(
        &csv,
        &rows.replace("City Clerk,Off-the-shelf", "City Clerk,Leased"),
    );
    let data = events.wait_for("failed");
    let message: String = serde_json::from_str(&data).expect("the data is a JSON string");
    assert!(message.contains("data/procurements.csv"), "{message}");
    assert!(message.contains("line 3"), "{message}");
    assert!(
        message.contains("\"Leased\" is not an allowed value"),
        "{message}"
    );
    // The last good build is still served, and a page opened now is shown the error too.
    let during = get(s.addr, "/projects/sm-002.html");
    assert_eq!((during.status, during.body), (200, good_page.body));
    let mut late = Events::open(s.addr);
    assert_eq!(late.wait_for("failed"), data);

    write_by_rename(
        &csv,
        &rows.replace("Meeting minutes summariser", "Minutes drafter"),
    );
    events.wait_for("reload");
    late.wait_for("reload");
    s.procbook.wait_until("the fix is served", |_| {
        get(s.addr, "/projects/sm-002.html")
            .text()
            .contains("Minutes drafter")
    });
}

#[test]
fn abrupt_clients_and_many_tabs_do_not_stop_the_server() {
    let s = serve();
    for i in 0..50 {
        let mut c = TcpStream::connect_timeout(&s.addr, WAIT).unwrap();
        let half: &[u8] = match i % 3 {
            0 => b"GET /index.html HTTP/1.1\r\nHo",
            1 => b"GET /__procbook/events HTTP/1.1\r\nHost: x\r\n\r\n",
            _ => b"",
        };
        let _ = c.write_all(half);
        drop(c);
    }
    // Clients that stay connected without finishing their request.
    let idle: Vec<TcpStream> = (0..50)
        .map(|_| {
            let mut c = TcpStream::connect_timeout(&s.addr, WAIT).unwrap();
            let _ = c.write_all(b"GET / HTTP/1.1\r\n");
            c
        })
        .collect();
    let r = get(s.addr, "/guide/roles.html");
    assert_eq!(r.status, 200);

    // Many open tabs are all told to reload.
    let mut tabs: Vec<Events> = (0..30).map(|_| Events::open(s.addr)).collect();
    let page = s.book.join("content/roles.md");
    let text = fs::read_to_string(&page).unwrap();
    write_by_rename(&page, &format!("{text}\nFor every tab.\n"));
    for tab in &mut tabs {
        tab.wait_for("reload");
    }
    drop(tabs);
    drop(idle);
    assert_eq!(get(s.addr, "/").status, 200);
}

#[test]
fn a_build_never_contains_the_live_reload_script() {
    let (tmp, book) = fixture_copy();
    let out = tmp.path().join("out");
    assert_cmd::Command::new(assert_cmd::cargo::cargo_bin("procbook"))
        .arg("build")
        .arg(&book)
        .arg("--output")
        .arg(&out)
        .env("NO_COLOR", "1")
        .assert()
        .success();
    let site = fixture::tree(&out);
    assert!(site.contains_key("index.html"));
    for (path, bytes) in &site {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.contains("__procbook") && !text.contains("live.js"),
            "{path} has the live-reload script"
        );
    }
}

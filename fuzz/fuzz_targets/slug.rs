//! Any text → a slug: only `a-z`, `0-9` and `-`, at most `slug::MAX_LEN` bytes, no `-` at either
//! end or twice in a row, never a name Windows reserves, and slugging a slug changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use procbook::slug::{anchor, slugify, MAX_LEN};

const WINDOWS_RESERVED: &[&str] = &[
    "con", "prn", "aux", "nul", "com0", "com1", "com2", "com3", "com4", "com5", "com6", "com7",
    "com8", "com9", "lpt0", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
    "conin$", "conout$",
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let s = slugify(&text);
    assert!(
        s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
        "{s:?}"
    );
    assert!(s.len() <= MAX_LEN, "{} bytes: {s:?}", s.len());
    assert!(
        !s.starts_with('-') && !s.ends_with('-') && !s.contains("--"),
        "{s:?}"
    );
    assert!(!WINDOWS_RESERVED.contains(&s.as_str()), "{s:?}");
    assert_eq!(slugify(&s), s, "slugify is not idempotent on {text:?}");
    // Case never matters for ASCII letters.
    assert_eq!(
        slugify(&text.to_ascii_uppercase()),
        s,
        "case changed the slug of {text:?}"
    );
    // Text that already is a slug (of a letter or digit) comes back unchanged.
    if !text.is_empty()
        && text.len() <= MAX_LEN
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !text.starts_with('-')
        && !text.ends_with('-')
        && !text.contains("--")
        && !WINDOWS_RESERVED.contains(&&*text)
    {
        assert_eq!(s, text, "a slug was changed");
    }

    let a = anchor(&text);
    assert!(
        !a.starts_with('-') && !a.ends_with('-') && !a.contains("--"),
        "{a:?}"
    );
    assert!(
        !a.chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '#'),
        "{a:?}"
    );
});

//! Safe file names from ids and titles.
//!
//! A slug is made only of `a-z`, `0-9` and `-`: it cannot contain a path separator, `..`, a
//! control character or anything a file system treats specially, so nothing built from one can
//! escape the output folder. Case is folded, so two ids that differ only in case give the same
//! slug (callers report that as a collision rather than letting one page overwrite another).

/// The longest slug, in bytes; longer ones are cut (at a `-` where possible).
pub const MAX_LEN: usize = 80;

/// Names Windows refuses as file names, whatever the extension (Microsoft's list has COM0 and
/// LPT0 too).
const WINDOWS_RESERVED: &[&str] = &[
    "con", "prn", "aux", "nul", "com0", "com1", "com2", "com3", "com4", "com5", "com6", "com7",
    "com8", "com9", "lpt0", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// `"EC–2025/014 Café"` → `"ec-2025-014-cafe"`. Empty when the text has no letter or digit.
pub fn slugify(text: &str) -> String {
    // Transliterate first (é → e, ß → ss, 東京 → dong jing) so names stay readable.
    let ascii = deunicode::deunicode_with_tofu(text, "-");
    let mut out = String::with_capacity(ascii.len());
    let mut dash = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            dash = true;
        }
    }
    if out.len() > MAX_LEN {
        let cut = out[..MAX_LEN]
            .rfind('-')
            .filter(|&i| i > MAX_LEN / 2)
            .unwrap_or(MAX_LEN);
        out.truncate(cut);
    }
    if WINDOWS_RESERVED.contains(&out.as_str()) {
        out.push_str("-page");
    }
    out
}

/// Whether Windows refuses `name` (one part of a path) as a file name: a device name such as
/// `CON` or `com1`, with or without an extension.
pub fn is_windows_reserved(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name);
    WINDOWS_RESERVED.contains(&stem.to_ascii_lowercase().as_str())
}

/// A heading id in the style of GitHub and Zola: lowercase, runs of anything but letters and
/// digits become one `-`. Unlike [`slugify`] it keeps non-ASCII letters, since ids never become
/// file names.
pub fn anchor(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.extend(c.to_lowercase());
        } else {
            dash = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_plain_and_lowercase() {
        assert_eq!(slugify("EC-2025-014"), "ec-2025-014");
        assert_eq!(slugify("EC\u{2013}2025/014"), "ec-2025-014");
        assert_eq!(slugify("  a  b  "), "a-b");
        assert_eq!(slugify("Café"), "cafe");
        assert_eq!(slugify("Cafe\u{301}"), "cafe");
        assert_eq!(slugify("../../etc/passwd"), "etc-passwd");
        assert_eq!(slugify("C:\\x"), "c-x");
        assert_eq!(slugify("a\0b\x1bc"), "a-b-c");
        assert_eq!(slugify("???"), "");
    }

    #[test]
    fn reserved_windows_names_are_avoided() {
        assert_eq!(slugify("CON"), "con-page");
        assert_eq!(slugify("nul"), "nul-page");
        assert_eq!(slugify("console"), "console");
        assert!(is_windows_reserved("CON.html"));
        assert!(is_windows_reserved("lpt1"));
        assert!(!is_windows_reserved("con-page.html"));
        assert!(!is_windows_reserved("console.html"));
    }

    #[test]
    fn long_ids_are_cut() {
        let s = slugify(&"word ".repeat(100));
        assert!(s.len() <= MAX_LEN);
        assert!(!s.ends_with('-'));
    }

    #[test]
    fn anchors_keep_letters() {
        assert_eq!(anchor("Needs assessment"), "needs-assessment");
        assert_eq!(
            anchor("Who signs off? (and when)"),
            "who-signs-off-and-when"
        );
        assert_eq!(anchor("Één"), "één");
    }
}

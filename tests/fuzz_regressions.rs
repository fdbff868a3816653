//! Inputs the fuzz targets (fuzz/) found to break procbook, each with the behaviour it now has.
//! One test per finding; the input is the fuzzer's, minimized.

use procbook::slug::slugify;

/// slug: "com0:" became the slug "com0", a name Windows reserves (as it does COM1–COM9).
#[test]
fn com0_and_lpt0_are_not_used_as_page_names() {
    assert_eq!(slugify("com0:"), "com0-page");
    assert_eq!(slugify("LPT0"), "lpt0-page");
    assert_eq!(slugify("com10"), "com10");
}

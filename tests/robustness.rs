//! `procbook build` against hostile names and failing disks, run through the binary as an office
//! would run it: ids and guidance file names that try to leave the output folder, clash, or are
//! names Windows refuses; a build killed at a random moment; a read-only or full disk; a
//! guidance file that vanishes while builds run. The invariants checked everywhere: nothing is
//! written outside the output folder, no page overwrites another, and the output folder holds
//! either the previous complete site or the new complete site — never a mix, never nothing.
//!
//! The disk tests mount small tmpfs file systems, which needs root and a working `mount`; where
//! mounting fails they print why and pass without checking (they run in CI, which is root).
//! `scripts/kill-test.sh` is the long version of the kill test, on a 2,000-row handbook.

#[path = "robustness/faults.rs"]
mod faults;
#[path = "robustness/kill.rs"]
mod kill;
#[path = "robustness/paths.rs"]
mod paths;
#[path = "robustness/support.rs"]
mod support;

//! Watch mode's incremental rebuilds, timed without the file watcher or its debounce: load a
//! handbook, then edit one input and apply the change, again and again.
//!
//!     cargo bench --bench rebuild -- DIR [csv|guide PAGE] [EDITS]
//!
//! `csv` appends one procurement row to the CSV (as bench/run.sh does), `guide PAGE` appends a
//! paragraph to the guidance file PAGE (a path inside DIR). The inputs are restored afterwards.
//! Prints the median, minimum and maximum of the rebuilds. The output folder is DIR/site unless
//! book.toml says otherwise: use a copy of a generated handbook.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use procbook::site::BuildMode;

// As in the binary (src/main.rs): the allocator is part of what is measured.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use procbook::watch::{ChangeKind, Session};

fn main() {
    if let Err(e) = run() {
        eprintln!("rebuild bench: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let usage = "usage: rebuild DIR [csv|guide PAGE] [EDITS]";
    let root = PathBuf::from(args.first().ok_or(usage)?);
    let (kind, page, rest) = match args.get(1).map(String::as_str) {
        Some("guide") => ("guide", args.get(2).cloned(), 3),
        Some("csv") | None => ("csv", None, 2),
        Some(other) => return Err(format!("unknown edit `{other}`; {usage}")),
    };
    let edits: usize = match args.get(rest) {
        Some(n) => n
            .parse()
            .map_err(|_| format!("EDITS must be a number, not `{n}`"))?,
        None => 10,
    };
    let (mut session, first) = Session::start(&root, BuildMode::Publish, None)
        .map_err(|d| format!("the handbook does not load:\n{d:?}"))?;
    eprintln!(
        "first build: {} files in {:?}",
        first.written.len(),
        first.elapsed
    );
    let (file, change) = match (kind, page) {
        ("guide", Some(page)) => {
            let file = session.root().join(page);
            (file.clone(), ChangeKind::Guidance(file))
        }
        ("guide", None) => return Err(usage.into()),
        _ => (
            session.sources().procurements_file(),
            ChangeKind::Procurements,
        ),
    };
    let original =
        std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let columns = original.lines().next().unwrap_or("").matches(',').count();
    let mut times = Vec::with_capacity(edits);
    let mut page_times = Vec::with_capacity(edits);
    let mut cpu = Duration::ZERO;
    let mut result = Ok(());
    for i in 0..edits {
        let edited = if kind == "csv" {
            let mut text = original.clone();
            if !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(&format!("EC-X{i},Latency probe {i}"));
            text.push_str(&",".repeat(columns.saturating_sub(1)));
            text.push('\n');
            text
        } else {
            format!("{original}\n\nEdit number {i}.\n")
        };
        if let Err(e) = std::fs::write(&file, edited) {
            result = Err(e.to_string());
            break;
        }
        let start = Instant::now();
        let cpu_before = cpu_time();
        // As the watcher does: pages first (then the reload is sent), downloads after.
        let pages = session.apply_pages_first(&BTreeSet::from([change.clone()]));
        let pages_done = start.elapsed();
        let pages = pages.and_then(|rebuilt| session.finish().map(|_| rebuilt));
        match pages {
            Ok(rebuilt) if i == 0 => eprintln!(
                "each rebuild renders {} outputs and rewrites {} files",
                rebuilt.rendered,
                rebuilt.written.len()
            ),
            Ok(_) => {}
            Err(d) => {
                result = Err(format!("the rebuild failed:\n{d:?}"));
                break;
            }
        }
        times.push(start.elapsed());
        page_times.push(pages_done);
        cpu += cpu_time().saturating_sub(cpu_before);
    }
    std::fs::write(&file, &original).map_err(|e| e.to_string())?;
    result?;
    report(&file, "pages written", &mut page_times, None);
    report(&file, "all files written", &mut times, Some(cpu));
    Ok(())
}

/// CPU time of the whole process (all threads), from /proc: steadier than wall time on a busy
/// machine. Zero where /proc is not there.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: u64 = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse::<u64>().ok())
        .sum();
    // The kernel's USER_HZ is 100 on every Linux this runs on.
    Duration::from_millis(ticks * 10)
}

fn report(file: &Path, what: &str, times: &mut [Duration], cpu: Option<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    if let (Some(first), Some(last)) = (times.first(), times.last()) {
        println!(
            "{}: {} rebuilds, {what}: median {:.1} ms, min {:.1} ms, max {:.1} ms{}",
            file.display(),
            times.len(),
            ms(times[times.len() / 2]),
            ms(*first),
            ms(*last),
            cpu.map_or(String::new(), |cpu| format!(
                ", CPU {:.0} ms each",
                ms(cpu) / times.len() as f64
            ))
        );
    }
}

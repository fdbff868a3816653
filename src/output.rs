//! Writing a site to disk so that the published folder only ever changes when a whole build
//! succeeded.
//!
//! A build renders into a fresh folder beside the output folder, then swaps it in. If anything
//! fails — a template error, a full disk, a removed file — the temporary folder is removed and
//! the previous site stays as it was. The output folder carries a marker file; procbook refuses
//! to replace a folder it did not make, so a mistyped `output-dir` cannot delete the office's
//! files.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

/// The file that marks a folder as written by procbook.
pub const MARKER: &str = ".procbook";
const MARKER_TEXT: &str =
    "This folder is written by `procbook build` and replaced by every build.\n";

/// Why a site could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{path}: {}", plain_reason(source))]
    Io { path: PathBuf, source: io::Error },
    #[error("the output folder {0} exists and was not made by procbook, so it is not replaced")]
    NotOurs(PathBuf),
    #[error("the output folder {0} would contain the handbook's own files")]
    Unsafe(PathBuf),
    /// A page could not be rendered: the template file and what went wrong.
    #[error("{message}")]
    Render { template: PathBuf, message: String },
}

impl WriteError {
    pub fn help(&self) -> Option<&'static str> {
        match self {
            WriteError::NotOurs(_) => Some("remove or rename that folder, or set another `output-dir` under [build] in book.toml"),
            WriteError::Unsafe(_) => Some("set `output-dir` under [build] in book.toml to a folder of its own, such as \"site\""),
            WriteError::Io { .. } => Some("the previous site was left as it was"),
            WriteError::Render { .. } => None,
        }
    }
}

/// An I/O error in words an office can act on, keeping the system's code for searching.
fn plain_reason(e: &io::Error) -> String {
    let what = match e.kind() {
        io::ErrorKind::StorageFull => "no space left on the disk",
        io::ErrorKind::QuotaExceeded => "the disk quota is used up",
        io::ErrorKind::ReadOnlyFilesystem => "the disk is read-only",
        io::ErrorKind::PermissionDenied => "permission denied",
        io::ErrorKind::ResourceBusy => {
            "the folder is in use and cannot be replaced (a mount point cannot be: build into a folder inside it)"
        }
        _ => return e.to_string(),
    };
    match e.raw_os_error() {
        Some(code) => format!("{what} (os error {code})"),
        None => what.to_string(),
    }
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What a publish wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    pub files: usize,
    pub bytes: u64,
    /// Files whose bytes differ from the previous site's (0: nothing was written).
    pub rewritten: usize,
    /// A hash of each file's bytes, by path inside the site (watch mode compares with them).
    pub hashes: HashMap<String, u64>,
}

/// The hash watch mode uses to tell whether a file's bytes changed.
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

/// A piece of an output's bytes. Pieces are shared: a procurement's row on a role page is a
/// part of that page in every rebuild of a watch session, so its hash is computed once, when
/// first needed, and kept with it.
#[derive(Debug, Default)]
pub struct Bytes {
    bytes: Vec<u8>,
    hash: std::sync::OnceLock<u64>,
}

/// A shared piece of an output's bytes.
pub type Part = Arc<Bytes>;

/// `bytes` as a part.
pub fn part(bytes: Vec<u8>) -> Part {
    Arc::new(Bytes {
        bytes,
        hash: std::sync::OnceLock::new(),
    })
}

impl Bytes {
    /// [`hash_bytes`] of the bytes.
    pub fn hash(&self) -> u64 {
        *self.hash.get_or_init(|| hash_bytes(&self.bytes))
    }
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

impl PartialEq for Bytes {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for Bytes {}

/// Where an output's bytes go, part by part, as they are made: into a [`Content`] in memory,
/// or straight into the file being published (so that a large export is never held whole).
/// Writing never fails here: a sink keeps its first error and reports it when it is finished.
pub trait Sink {
    fn parts(&mut self, parts: &[Part]);

    fn bytes(&mut self, bytes: Vec<u8>) {
        self.parts(&[part(bytes)]);
    }
}

/// The bytes of one output file, possibly in several parts: large exports are assembled from
/// parts made in parallel and written part by part, never joined into one more copy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Content(Vec<Part>);

impl Content {
    pub fn len(&self) -> usize {
        self.0.iter().map(|p| p.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A hash of the bytes, made part by part (see [`PartHasher`]).
    pub fn hash(&self) -> u64 {
        let mut h = PartHasher::default();
        for part in &self.0 {
            h.add(part);
        }
        h.finish()
    }

    /// Writes the bytes to `path`, many parts per system call.
    pub fn write_to(&self, path: &Path) -> io::Result<()> {
        write_parts(&mut fs::File::create(path)?, &self.0)
    }

    /// The bytes in one buffer.
    pub fn to_vec(&self) -> Vec<u8> {
        self.0.iter().flat_map(|p| p.iter().copied()).collect()
    }
}

impl Sink for Content {
    fn parts(&mut self, parts: &[Part]) {
        self.0.extend(parts.iter().cloned());
    }
}

/// A hash of bytes that come in parts, made from a hash of each part: an output made the same
/// way twice gets the same hash, whether it was held in a [`Content`] or streamed to its file,
/// and watch mode compares only such. (The same bytes split differently may hash differently;
/// that costs at most one needless rewrite.) Each part's hash is kept with the part, so a
/// rebuild hashes only the parts it made anew: one CSV row at 10,000 rows brings a few new
/// parts among 300,000 kept ones. One part alone hashes as its bytes do ([`hash_bytes`]).
#[derive(Default)]
struct PartHasher {
    parts: usize,
    hash: u64,
}

impl PartHasher {
    fn add(&mut self, part: &Bytes) {
        if part.is_empty() {
            return;
        }
        let hash = part.hash();
        self.hash = match self.parts {
            0 => hash,
            1 => mix(mix(SEED ^ self.hash) ^ hash ^ part.len() as u64),
            _ => mix(self.hash ^ hash ^ part.len() as u64),
        };
        self.parts += 1;
    }

    fn finish(&self) -> u64 {
        match self.parts {
            0 => hash_bytes(b""),
            _ => self.hash,
        }
    }
}

const SEED: u64 = 0x9E37_79B9_7F4A_7C15;

/// A bijective 64-bit mixer (the finaliser of SplitMix64): folding part hashes through it
/// keeps their order in the result.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(SEED);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Publishes one output's parts into the new site's folder as they come. While they match the
/// previous site's file, nothing is written; if they all do, the old file is linked in instead.
/// At the first difference the file is written: the matching beginning copied from the old
/// file, then the rest of the parts. So an unchanged large export costs one read and no write,
/// and no file is ever read whole into memory.
struct FileSink {
    target: PathBuf,
    /// The previous site's file of the same name, if there is one (linked in when unchanged).
    old: Option<PathBuf>,
    state: Compare,
    hasher: PartHasher,
    len: u64,
    error: Option<io::Error>,
}

enum Compare {
    /// The parts so far are the first `same` bytes of the old file.
    Same {
        reader: io::BufReader<fs::File>,
        same: u64,
    },
    Writing(fs::File),
    /// Writing failed (the error is kept) or the output is finished.
    Failed,
}

impl FileSink {
    fn new(target: PathBuf, old: Option<PathBuf>) -> Self {
        let old_file = old.as_ref().and_then(|old| fs::File::open(old).ok());
        let mut sink = FileSink {
            target,
            old,
            state: Compare::Failed,
            hasher: PartHasher::default(),
            len: 0,
            error: None,
        };
        sink.state = match old_file {
            Some(file) => Compare::Same {
                reader: io::BufReader::with_capacity(1 << 16, file),
                same: 0,
            },
            None => sink.create(None, &[]),
        };
        sink
    }

    /// Starts writing the file: the first `same` bytes of the old file (copied from the handle
    /// compared so far, which stays valid even if the old file is removed meanwhile), then
    /// `parts`.
    fn create(&mut self, old: Option<(fs::File, u64)>, parts: &[Part]) -> Compare {
        let started = fs::File::create(&self.target).and_then(|mut file| {
            if let Some((mut old, same)) = old.filter(|(_, same)| *same > 0) {
                io::Seek::seek(&mut old, io::SeekFrom::Start(0))?;
                let copied = io::copy(&mut io::Read::take(old, same), &mut file)?;
                if copied != same {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
            }
            write_parts(&mut file, parts)?;
            Ok(file)
        });
        match started {
            Ok(file) => Compare::Writing(file),
            Err(e) => {
                self.error = Some(e);
                Compare::Failed
            }
        }
    }

    /// The number of bytes and the hash of what was published, and whether the file differs
    /// from the previous site's.
    fn finish(mut self) -> io::Result<(u64, u64, bool)> {
        let rewritten = match std::mem::replace(&mut self.state, Compare::Failed) {
            Compare::Same { mut reader, same } => {
                let at_end = io::BufRead::fill_buf(&mut reader).is_ok_and(|b| b.is_empty());
                let target = &self.target;
                let linked = |old: &PathBuf| fs::hard_link(old, target).is_ok();
                if at_end && self.old.as_ref().is_some_and(linked) {
                    false
                } else {
                    // The old file is longer (the new one is its beginning), or it could not
                    // be linked: the file is written.
                    self.state = self.create(Some((reader.into_inner(), same)), &[]);
                    !at_end
                }
            }
            Compare::Writing(_) | Compare::Failed => true,
        };
        match self.error {
            Some(e) => Err(e),
            None => Ok((self.len, self.hasher.finish(), rewritten)),
        }
    }
}

impl Sink for FileSink {
    fn parts(&mut self, parts: &[Part]) {
        for part in parts {
            self.hasher.add(part);
            self.len += part.len() as u64;
        }
        match &mut self.state {
            Compare::Same { reader, same } => {
                let mut matched = 0;
                while matched < parts.len() && starts_with(reader, &parts[matched]) {
                    *same += parts[matched].len() as u64;
                    matched += 1;
                }
                if matched < parts.len() {
                    if let Compare::Same { reader, same } =
                        std::mem::replace(&mut self.state, Compare::Failed)
                    {
                        self.state =
                            self.create(Some((reader.into_inner(), same)), &parts[matched..]);
                    }
                }
            }
            Compare::Writing(file) => {
                if let Err(e) = write_parts(file, parts) {
                    self.error = Some(e);
                    self.state = Compare::Failed;
                }
            }
            Compare::Failed => {}
        }
    }
}

/// Whether the next bytes of `reader` are `part` (consuming them when they are).
fn starts_with(reader: &mut impl io::BufRead, mut part: &[u8]) -> bool {
    while !part.is_empty() {
        let Ok(buf) = reader.fill_buf() else {
            return false;
        };
        if buf.is_empty() {
            return false;
        }
        let n = buf.len().min(part.len());
        if buf[..n] != part[..n] {
            return false;
        }
        reader.consume(n);
        part = &part[n..];
    }
    true
}

/// Writes `parts` in order with vectored writes: a large export of tens of thousands of parts
/// takes a few dozen system calls rather than one per part.
fn write_parts(out: &mut impl io::Write, parts: &[Part]) -> io::Result<()> {
    // Linux's limit on the parts of one writev call.
    const BATCH: usize = 1024;
    for batch in parts.chunks(BATCH) {
        let mut slices: Vec<io::IoSlice<'_>> = batch
            .iter()
            .filter(|p| !p.is_empty())
            .map(|p| io::IoSlice::new(p))
            .collect();
        let mut rest = &mut slices[..];
        while !rest.is_empty() {
            match out.write_vectored(rest) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => io::IoSlice::advance_slices(&mut rest, n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

impl From<Vec<u8>> for Content {
    fn from(bytes: Vec<u8>) -> Self {
        Content(vec![part(bytes)])
    }
}

impl From<Vec<Vec<u8>>> for Content {
    fn from(parts: Vec<Vec<u8>>) -> Self {
        Content(parts.into_iter().map(part).collect())
    }
}

/// Parts shared with other outputs or kept between rebuilds are not copied.
impl From<Vec<Part>> for Content {
    fn from(parts: Vec<Part>) -> Self {
        Content(parts)
    }
}

/// Replaces one file of a published site atomically: readers see the old bytes or the new ones,
/// never a half-written file.
pub fn write_file(out: &Path, path: &str, bytes: &Content) -> Result<(), WriteError> {
    let target = out.join(path);
    if let Some(dir) = target.parent() {
        fs::create_dir_all(dir).map_err(io_error(dir))?;
    }
    let name = target
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let tmp = target.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    bytes.write_to(&tmp).map_err(io_error(&tmp))?;
    fs::rename(&tmp, &target).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        WriteError::Io {
            path: target.clone(),
            source: e,
        }
    })
}

/// Checks that `out` may be (re)written: not the handbook folder or one of its inputs, and,
/// when it exists, made by procbook.
pub fn check_target(root: &Path, out: &Path, inputs: &[PathBuf]) -> Result<(), WriteError> {
    let abs = |p: &Path| {
        std::path::absolute(p)
            .map(|p| normalize(&p))
            .unwrap_or_else(|_| p.to_path_buf())
    };
    let out_abs = abs(out);
    let root_abs = abs(root);
    let unsafe_target = root_abs.starts_with(&out_abs)
        || inputs.iter().any(|i| {
            let i = abs(i);
            i.starts_with(&out_abs) || out_abs.starts_with(&i)
        });
    if unsafe_target {
        return Err(WriteError::Unsafe(out.to_path_buf()));
    }
    if out.exists() {
        let empty = fs::read_dir(out).map_err(io_error(out))?.next().is_none();
        if !empty && !out.join(MARKER).is_file() {
            return Err(WriteError::NotOurs(out.to_path_buf()));
        }
    }
    Ok(())
}

/// `a/./b/../c` → `a/c`, without touching the disk.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Renders every file into a temporary folder beside `out` and swaps it in. `files` are paths
/// relative to the site root (with `/`); `render` makes the bytes of one of them, into the
/// sink it is given.
pub fn publish<T: Sync>(
    out: &Path,
    files: &[(String, T)],
    render: impl Fn(&T, &mut dyn Sink) -> Result<(), WriteError> + Sync,
) -> Result<Written, WriteError> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = out
        .file_name()
        .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned());
    fs::create_dir_all(parent).map_err(io_error(parent))?;
    remove_stale(parent, &name);
    let tmp = parent.join(temp_name(&name, TMP, std::process::id()));
    if tmp.exists() {
        remove_temp(&tmp).map_err(io_error(&tmp))?;
    }
    let previous = out.join(MARKER).is_file().then_some(out);
    let result = write_all(&tmp, files, render, previous).and_then(|written| {
        let stale = previous.is_some_and(|p| count_files(p) != written.files + 1);
        if written.rewritten == 0 && previous.is_some() && !stale {
            // Nothing changed: keep the published folder as it is, untouched.
            remove_temp(&tmp).map_err(io_error(&tmp))?;
        } else {
            swap(&tmp, out, parent, &name)?;
        }
        Ok(written)
    });
    if result.is_err() {
        let _ = remove_temp(&tmp);
    }
    result
}

/// The temporary folders a publish makes beside the output folder `name`:
/// `.{name}.tmp-{pid}` holds the new site while it is written (and the old one while it is
/// removed), `.{name}.old-{pid}` the old site while it is swapped out where folders cannot be
/// exchanged in one step.
const TMP: &str = "tmp";
const OLD: &str = "old";

fn temp_name(name: &str, kind: &str, pid: u32) -> String {
    format!(".{name}.{kind}-{pid}")
}

/// The process id in `file`, when it is one of the temporary folder names of output `name`.
fn temp_pid(file: &str, name: &str) -> Option<u32> {
    let rest = file
        .strip_prefix('.')?
        .strip_prefix(name)?
        .strip_prefix('.')?;
    let pid = rest
        .strip_prefix(TMP)
        .or_else(|| rest.strip_prefix(OLD))?
        .strip_prefix('-')?;
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

/// Removes the temporary folders that builds of the same output folder left behind when they
/// were killed. Only a folder named like ours, whose process is gone, is touched, and then only
/// when it carries the marker (written first into every temporary folder) or is empty.
/// Problems are ignored: a leftover folder is untidy, not harmful.
fn remove_stale(parent: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(pid) = file.to_str().and_then(|f| temp_pid(f, name)) else {
            continue;
        };
        // `file_type` does not follow symbolic links: a link is never followed or removed.
        if pid == std::process::id()
            || is_running(pid)
            || !entry.file_type().is_ok_and(|t| t.is_dir())
        {
            continue;
        }
        let dir = entry.path();
        if fs::symlink_metadata(dir.join(MARKER)).is_ok_and(|m| m.is_file()) {
            let _ = remove_temp(&dir);
        } else {
            let _ = fs::remove_dir(&dir);
        }
    }
}

/// Removes a temporary folder with its marker last, so that a build killed half-way through
/// removing it leaves a folder the next build still recognises as its own.
fn remove_temp(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name() == MARKER {
            continue;
        }
        if entry.file_type()?.is_dir() {
            fs::remove_dir_all(entry.path())?;
        } else {
            fs::remove_file(entry.path())?;
        }
    }
    match fs::remove_file(dir.join(MARKER)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    fs::remove_dir(dir)
}

/// Whether process `pid` may still be running (when that cannot be told: yes).
#[cfg(unix)]
fn is_running(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return true;
    };
    rustix::process::test_kill_process(pid) != Err(rustix::io::Errno::SRCH)
}

#[cfg(not(unix))]
fn is_running(_pid: u32) -> bool {
    true
}

/// Renders every file into `tmp`. A file whose bytes equal the previous site's is hard-linked
/// from it rather than written, so it keeps its modification time (and costs no write).
fn write_all<T: Sync>(
    tmp: &Path,
    files: &[(String, T)],
    render: impl Fn(&T, &mut dyn Sink) -> Result<(), WriteError> + Sync,
    previous: Option<&Path>,
) -> Result<Written, WriteError> {
    fs::create_dir_all(tmp).map_err(io_error(tmp))?;
    // The marker first: a build killed half-way leaves a folder that the next one recognises.
    let marker = tmp.join(MARKER);
    fs::write(&marker, MARKER_TEXT).map_err(io_error(&marker))?;
    let mut dirs: Vec<&str> = files
        .iter()
        .filter_map(|(p, _)| p.rfind('/').map(|i| &p[..i]))
        .collect();
    dirs.sort_unstable();
    dirs.dedup();
    for d in dirs {
        let dir = tmp.join(d);
        fs::create_dir_all(&dir).map_err(io_error(&dir))?;
    }
    let sizes = files
        .par_iter()
        .map(|(path, item)| {
            let target = tmp.join(path);
            let mut sink = FileSink::new(target.clone(), previous.map(|p| p.join(path)));
            render(item, &mut sink)?;
            let (len, hash, rewritten) = sink.finish().map_err(io_error(&target))?;
            Ok((path.clone(), len, hash, rewritten))
        })
        .collect::<Result<Vec<(String, u64, u64, bool)>, WriteError>>()?;
    Ok(Written {
        files: sizes.len(),
        bytes: sizes.iter().map(|s| s.1).sum(),
        rewritten: sizes.iter().filter(|s| s.3).count(),
        hashes: sizes.into_iter().map(|(p, _, h, _)| (p, h)).collect(),
    })
}

/// The number of files under `dir`.
fn count_files(dir: &Path) -> usize {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .count()
}

/// Puts `tmp` where `out` is. Where the system can, the two folders are exchanged in one step,
/// so the output folder holds the old site or the new one at every moment, even if procbook
/// is killed; elsewhere the old site is moved aside first and removed last.
fn swap(tmp: &Path, out: &Path, parent: &Path, name: &str) -> Result<(), WriteError> {
    if !out.exists() {
        return fs::rename(tmp, out).map_err(io_error(out));
    }
    if exchange(tmp, out).is_ok() {
        // `tmp` now holds the previous site.
        let _ = remove_temp(tmp);
        return Ok(());
    }
    let old = parent.join(temp_name(name, OLD, std::process::id()));
    if old.exists() {
        remove_temp(&old).map_err(io_error(&old))?;
    }
    fs::rename(out, &old).map_err(io_error(out))?;
    if let Err(e) = fs::rename(tmp, out) {
        // Put the previous site back before reporting.
        let _ = fs::rename(&old, out);
        return Err(WriteError::Io {
            path: out.to_path_buf(),
            source: e,
        });
    }
    let _ = remove_temp(&old);
    Ok(())
}

/// Exchanges two folders atomically (`renameat2` with `RENAME_EXCHANGE` on Linux).
#[cfg(any(target_os = "linux", target_os = "android", target_os = "macos"))]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(io::Error::from)
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "macos")))]
fn exchange(_a: &Path, _b: &Path) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file that takes at most 7 bytes per call, as a slow or full device may.
    struct Trickle(Vec<u8>);

    impl io::Write for Trickle {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = buf.len().min(7);
            self.0.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn parts_are_written_whole_and_in_order_even_by_partial_writes() {
        let parts: Vec<Part> = (0..3000)
            .map(|i| part(format!("{i},").into_bytes()))
            .chain([part(Vec::new())])
            .collect();
        let mut out = Trickle(Vec::new());
        write_parts(&mut out, &parts).unwrap();
        assert_eq!(out.0, Content::from(parts).to_vec());
    }

    fn files(names: &[&str]) -> Vec<(String, String)> {
        names
            .iter()
            .map(|n| (n.to_string(), format!("<p>{n}</p>")))
            .collect()
    }

    #[test]
    fn a_failed_build_leaves_the_previous_site_alone() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        publish(&out, &files(&["index.html", "a/b.html"]), |s, sink| {
            sink.bytes(s.clone().into_bytes());
            Ok(())
        })
        .unwrap();
        let before = fs::read(out.join("a/b.html")).unwrap();
        let err = publish(&out, &files(&["index.html", "a/c.html"]), |s, sink| {
            if s.contains("c.html") {
                Err(WriteError::Render {
                    template: "t.html".into(),
                    message: "boom".into(),
                })
            } else {
                sink.bytes(b"new".to_vec());
                Ok(())
            }
        });
        assert!(err.is_err());
        assert_eq!(fs::read(out.join("a/b.html")).unwrap(), before);
        assert_eq!(
            fs::read_to_string(out.join("index.html")).unwrap(),
            "<p>index.html</p>"
        );
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("site")]);
    }

    #[test]
    #[cfg(unix)]
    fn an_unchanged_rebuild_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        publish(&out, &files(&["index.html", "a/b.html"]), |s, sink| {
            sink.bytes(s.clone().into_bytes());
            Ok(())
        })
        .unwrap();
        let inode =
            |p: &str| std::os::unix::fs::MetadataExt::ino(&fs::metadata(out.join(p)).unwrap());
        let before = (inode("index.html"), inode("a/b.html"));
        let w = publish(&out, &files(&["index.html", "a/b.html"]), |s, sink| {
            sink.bytes(s.clone().into_bytes());
            Ok(())
        })
        .unwrap();
        assert_eq!(w.rewritten, 0);
        assert_eq!((inode("index.html"), inode("a/b.html")), before);
        // One changed file: only it is new; the other keeps its inode.
        let w = publish(&out, &files(&["index.html", "a/b.html"]), |s, sink| {
            sink.bytes(if s.contains("b.html") {
                b"new".to_vec()
            } else {
                s.clone().into_bytes()
            });
            Ok(())
        })
        .unwrap();
        assert_eq!(w.rewritten, 1);
        assert_eq!(inode("index.html"), before.0);
        assert_eq!(fs::read(out.join("a/b.html")).unwrap(), b"new");
    }

    #[test]
    fn content_in_parts_hashes_by_its_bytes_and_compares_like_one_buffer() {
        let dir = tempfile::tempdir().unwrap();
        let parts = Content::from(vec![b"ab".to_vec(), b"".to_vec(), b"cd".to_vec()]);
        let same = Content::from(vec![b"ab".to_vec(), b"cd".to_vec()]);
        assert_eq!(parts.hash(), same.hash());
        assert_eq!(Content::from(b"abcd".to_vec()).hash(), hash_bytes(b"abcd"));
        for other in [
            vec![b"ab".to_vec(), b"ce".to_vec()],
            vec![b"cd".to_vec(), b"ab".to_vec()],
            vec![b"abc".to_vec(), b"d".to_vec(), b"".to_vec(), b"x".to_vec()],
        ] {
            assert_ne!(parts.hash(), Content::from(other).hash());
        }
        let path = dir.path().join("f");
        parts.write_to(&path).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"abcd");
    }

    #[test]
    fn a_streamed_file_is_written_from_its_first_difference_and_linked_when_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old");
        fs::write(&old, b"abcdef").unwrap();
        let cases: [&[&[u8]]; 8] = [
            &[b"ab", b"cd", b"ef"],
            &[b"abcdef"],
            &[b"ab", b"", b"cdef"],
            &[b"ab", b"cX", b"ef"],
            &[b"ab", b"cd"],
            &[b"ab", b"cd", b"ef", b"g"],
            &[b"X", b"bcdef"],
            &[],
        ];
        for (n, parts) in cases.iter().enumerate() {
            let parts: Vec<Part> = parts.iter().map(|p| part(p.to_vec())).collect();
            let content = Content::from(parts.clone());
            let target = dir.path().join(format!("new{n}"));
            let mut sink = FileSink::new(target.clone(), Some(old.clone()));
            // Parts may come one at a time or several together.
            for chunk in parts.chunks(2) {
                sink.parts(chunk);
            }
            let (len, hash, rewritten) = sink.finish().unwrap();
            assert_eq!(fs::read(&target).unwrap(), content.to_vec(), "case {n}");
            assert_eq!(
                (len, hash),
                (content.len() as u64, content.hash()),
                "case {n}"
            );
            assert_eq!(rewritten, content.to_vec() != b"abcdef", "case {n}");
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                let linked =
                    fs::metadata(&target).unwrap().ino() == fs::metadata(&old).unwrap().ino();
                assert_eq!(linked, !rewritten, "case {n}");
            }
        }
        // The old file removed while it is compared: the beginning still comes from it. (Unix
        // only: Windows does not remove a file that is open.)
        #[cfg(unix)]
        {
            let gone = dir.path().join("gone");
            fs::write(&gone, b"abcdef").unwrap();
            let target = dir.path().join("after-removal");
            let mut sink = FileSink::new(target.clone(), Some(gone.clone()));
            sink.bytes(b"abc".to_vec());
            fs::remove_file(&gone).unwrap();
            sink.bytes(b"XYZ".to_vec());
            assert!(sink.finish().unwrap().2);
            assert_eq!(fs::read(&target).unwrap(), b"abcXYZ");
            // Unchanged, but gone before it could be linked: written from the open file.
            fs::write(&gone, b"abc").unwrap();
            let target = dir.path().join("unlinkable");
            let mut sink = FileSink::new(target.clone(), Some(gone.clone()));
            sink.bytes(b"abc".to_vec());
            fs::remove_file(&gone).unwrap();
            assert!(!sink.finish().unwrap().2, "same bytes as before");
            assert_eq!(fs::read(&target).unwrap(), b"abc");
        }
        // No old file, or one that cannot be read: the parts are written.
        let target = dir.path().join("fresh");
        let mut sink = FileSink::new(target.clone(), Some(dir.path().join("missing")));
        sink.bytes(b"xyz".to_vec());
        assert!(sink.finish().unwrap().2);
        assert_eq!(fs::read(&target).unwrap(), b"xyz");
        // A file that cannot be made: the error comes when the sink is finished.
        let mut sink = FileSink::new(dir.path().join("no/such/folder/f"), None);
        sink.bytes(b"xyz".to_vec());
        assert!(sink.finish().is_err());
    }

    #[test]
    fn removed_pages_do_not_linger() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        publish(&out, &files(&["index.html", "old.html"]), |s, sink| {
            sink.bytes(s.clone().into_bytes());
            Ok(())
        })
        .unwrap();
        publish(&out, &files(&["index.html"]), |s, sink| {
            sink.bytes(s.clone().into_bytes());
            Ok(())
        })
        .unwrap();
        assert!(!out.join("old.html").exists());
    }

    #[test]
    fn temporary_folder_names_are_recognised_exactly() {
        assert_eq!(temp_pid(".site.tmp-123", "site"), Some(123));
        assert_eq!(temp_pid(".site.old-9", "site"), Some(9));
        for other in [
            ".site.tmp-",
            ".site.tmp-12a",
            ".site.tmp-+1",
            ".sites.tmp-1",
            ".site.new-1",
            "site.tmp-1",
            ".site.tmp-99999999999",
        ] {
            assert_eq!(temp_pid(other, "site"), None, "{other}");
        }
    }

    #[test]
    #[cfg(unix)]
    fn only_stale_temporary_folders_of_dead_builds_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        // A process that has ended (and been waited for) has a free pid.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let make = |name: &str, marker: bool, other: bool| {
            let d = dir.path().join(name);
            fs::create_dir_all(&d).unwrap();
            if marker {
                fs::write(d.join(MARKER), MARKER_TEXT).unwrap();
            }
            if other {
                fs::write(d.join("index.html"), "x").unwrap();
            }
        };
        make(&format!(".site.tmp-{dead}"), true, true);
        make(&format!(".site.old-{dead}"), true, true);
        make(
            &format!(".site.tmp-{}", dead.wrapping_add(1_000_000)),
            false,
            false,
        );
        make(&format!(".site.tmp-{dead}0"), false, true); // no marker: not ours
        make(".site.tmp-1", true, true); // pid 1 is running
        make(&format!(".other.tmp-{dead}"), true, true); // another output folder's
        remove_stale(dir.path(), "site");
        let mut left: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let mut expected = vec![
            format!(".other.tmp-{dead}"),
            ".site.tmp-1".to_string(),
            format!(".site.tmp-{dead}0"),
        ];
        expected.sort();
        assert_eq!(left, expected);
    }

    #[test]
    fn refuses_folders_it_did_not_make() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        fs::create_dir_all(&data).unwrap();
        fs::write(data.join("procurements.csv"), "id\n").unwrap();
        assert!(matches!(
            check_target(dir.path(), &data, &[]),
            Err(WriteError::NotOurs(_))
        ));
        assert!(matches!(
            check_target(dir.path(), dir.path(), &[]),
            Err(WriteError::Unsafe(_))
        ));
        assert!(matches!(
            check_target(
                dir.path(),
                &dir.path().join("data/site"),
                std::slice::from_ref(&data)
            ),
            Err(WriteError::Unsafe(_))
        ));
        assert!(check_target(dir.path(), &dir.path().join("site"), &[data]).is_ok());
    }
}

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

use rayon::prelude::*;

/// The file that marks a folder as written by procbook.
pub const MARKER: &str = ".procbook";
const MARKER_TEXT: &str =
    "This folder is written by `procbook build` and replaced by every build.\n";

/// Why a site could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{path}: {source}")]
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

/// The bytes of one output file, possibly in several parts: large exports are assembled from
/// parts made in parallel and written part by part, never joined into one more copy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Content(Vec<std::sync::Arc<Vec<u8>>>);

impl Content {
    pub fn len(&self) -> usize {
        self.0.iter().map(|p| p.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A hash of the bytes (the same however they are split into parts). XXH3: watch mode
    /// hashes every output it renders, tens of megabytes for a CSV edit at 10,000 rows.
    pub fn hash(&self) -> u64 {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        for part in &self.0 {
            h.update(part);
        }
        h.digest()
    }

    /// Whether the file at `path` holds exactly these bytes.
    pub fn same_as_file(&self, path: &Path) -> bool {
        let Ok(old) = fs::read(path) else {
            return false;
        };
        if old.len() != self.len() {
            return false;
        }
        let mut at = 0;
        self.0.iter().all(|part| {
            let same = old[at..at + part.len()] == part[..];
            at += part.len();
            same
        })
    }

    /// Writes the bytes to `path`, part by part.
    pub fn write_to(&self, path: &Path) -> io::Result<()> {
        use std::io::Write;
        let mut file = fs::File::create(path)?;
        for part in &self.0 {
            file.write_all(part)?;
        }
        Ok(())
    }

    /// The bytes in one buffer.
    pub fn to_vec(&self) -> Vec<u8> {
        self.0.iter().flat_map(|p| p.iter().copied()).collect()
    }
}

impl From<Vec<u8>> for Content {
    fn from(bytes: Vec<u8>) -> Self {
        Content(vec![std::sync::Arc::new(bytes)])
    }
}

impl From<Vec<Vec<u8>>> for Content {
    fn from(parts: Vec<Vec<u8>>) -> Self {
        Content(parts.into_iter().map(std::sync::Arc::new).collect())
    }
}

/// Parts shared with other outputs or kept between rebuilds are not copied.
impl From<Vec<std::sync::Arc<Vec<u8>>>> for Content {
    fn from(parts: Vec<std::sync::Arc<Vec<u8>>>) -> Self {
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
/// relative to the site root (with `/`); `render` makes the bytes of one of them.
pub fn publish<T: Sync>(
    out: &Path,
    files: &[(String, T)],
    render: impl Fn(&T) -> Result<Content, WriteError> + Sync,
) -> Result<Written, WriteError> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = out
        .file_name()
        .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned());
    fs::create_dir_all(parent).map_err(io_error(parent))?;
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(io_error(&tmp))?;
    }
    let previous = out.join(MARKER).is_file().then_some(out);
    let result = write_all(&tmp, files, render, previous).and_then(|written| {
        let stale = previous.is_some_and(|p| count_files(p) != written.files + 1);
        if written.rewritten == 0 && previous.is_some() && !stale {
            // Nothing changed: keep the published folder as it is, untouched.
            fs::remove_dir_all(&tmp).map_err(io_error(&tmp))?;
        } else {
            swap(&tmp, out, parent, &name)?;
        }
        Ok(written)
    });
    if result.is_err() {
        let _ = fs::remove_dir_all(&tmp);
    }
    result
}

/// Renders every file into `tmp`. A file whose bytes equal the previous site's is hard-linked
/// from it rather than written, so it keeps its modification time (and costs no write).
fn write_all<T: Sync>(
    tmp: &Path,
    files: &[(String, T)],
    render: impl Fn(&T) -> Result<Content, WriteError> + Sync,
    previous: Option<&Path>,
) -> Result<Written, WriteError> {
    fs::create_dir_all(tmp).map_err(io_error(tmp))?;
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
            let data = render(item)?;
            let target = tmp.join(path);
            let unchanged = previous.is_some_and(|p| {
                let old = p.join(path);
                data.same_as_file(&old) && fs::hard_link(&old, &target).is_ok()
            });
            if !unchanged {
                data.write_to(&target).map_err(io_error(&target))?;
            }
            Ok((path.clone(), data.len() as u64, data.hash(), !unchanged))
        })
        .collect::<Result<Vec<(String, u64, u64, bool)>, WriteError>>()?;
    let marker = tmp.join(MARKER);
    fs::write(&marker, MARKER_TEXT).map_err(io_error(&marker))?;
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

/// Puts `tmp` where `out` is. The old site is moved aside first and removed last, so at every
/// moment one complete site exists on disk.
fn swap(tmp: &Path, out: &Path, parent: &Path, name: &str) -> Result<(), WriteError> {
    if !out.exists() {
        return fs::rename(tmp, out).map_err(io_error(out));
    }
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    if old.exists() {
        fs::remove_dir_all(&old).map_err(io_error(&old))?;
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
    let _ = fs::remove_dir_all(&old);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        publish(&out, &files(&["index.html", "a/b.html"]), |s| {
            Ok(s.clone().into_bytes().into())
        })
        .unwrap();
        let before = fs::read(out.join("a/b.html")).unwrap();
        let err = publish(&out, &files(&["index.html", "a/c.html"]), |s| {
            if s.contains("c.html") {
                Err(WriteError::Render {
                    template: "t.html".into(),
                    message: "boom".into(),
                })
            } else {
                Ok(b"new".to_vec().into())
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
        publish(&out, &files(&["index.html", "a/b.html"]), |s| {
            Ok(s.clone().into_bytes().into())
        })
        .unwrap();
        let inode =
            |p: &str| std::os::unix::fs::MetadataExt::ino(&fs::metadata(out.join(p)).unwrap());
        let before = (inode("index.html"), inode("a/b.html"));
        let w = publish(&out, &files(&["index.html", "a/b.html"]), |s| {
            Ok(s.clone().into_bytes().into())
        })
        .unwrap();
        assert_eq!(w.rewritten, 0);
        assert_eq!((inode("index.html"), inode("a/b.html")), before);
        // One changed file: only it is new; the other keeps its inode.
        let w = publish(&out, &files(&["index.html", "a/b.html"]), |s| {
            Ok(if s.contains("b.html") {
                b"new".to_vec().into()
            } else {
                s.clone().into_bytes().into()
            })
        })
        .unwrap();
        assert_eq!(w.rewritten, 1);
        assert_eq!(inode("index.html"), before.0);
        assert_eq!(fs::read(out.join("a/b.html")).unwrap(), b"new");
    }

    #[test]
    fn content_in_parts_hashes_and_compares_like_one_buffer() {
        let dir = tempfile::tempdir().unwrap();
        let parts = Content::from(vec![b"ab".to_vec(), b"".to_vec(), b"cd".to_vec()]);
        let whole = Content::from(b"abcd".to_vec());
        assert_eq!(parts.hash(), whole.hash());
        assert_ne!(parts.hash(), Content::from(b"abce".to_vec()).hash());
        let path = dir.path().join("f");
        parts.write_to(&path).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"abcd");
        assert!(whole.same_as_file(&path));
        assert!(!Content::from(b"abc".to_vec()).same_as_file(&path));
    }

    #[test]
    fn removed_pages_do_not_linger() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        publish(&out, &files(&["index.html", "old.html"]), |s| {
            Ok(s.clone().into_bytes().into())
        })
        .unwrap();
        publish(&out, &files(&["index.html"]), |s| {
            Ok(s.clone().into_bytes().into())
        })
        .unwrap();
        assert!(!out.join("old.html").exists());
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

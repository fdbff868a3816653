//! `init`: a new handbook from the shipped example, and a copy of the default theme to edit.
//! The example is embedded in the binary, so `procbook init` works from anywhere.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::theme::{DEFAULT_ASSETS, DEFAULT_TEMPLATES};

macro_rules! example {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $path)))),*]
    };
}

/// The example handbook at the repository root, file by file.
pub const EXAMPLE: &[(&str, &[u8])] = example!(
    "book.toml",
    "content/_index.md",
    "content/pathways.md",
    "content/phases.md",
    "content/public-participation.md",
    "content/risk-and-impact.md",
    "content/roles/end-user-advocate.md",
    "content/roles/it-data-expert.md",
    "content/roles/legal-officer.md",
    "content/roles/other-roles.md",
    "content/roles/procurement-officer.md",
    "content/roles/project-lead.md",
    "content/roles/public.md",
    "content/who-to-involve.md",
    "content/without-in-house-expertise.md",
    "data/procurements.csv",
    "data/resources.csv",
    "data/roles.toml",
);

/// Why `init` did nothing.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("{0} already exists; init does not overwrite files")]
    Exists(PathBuf),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

/// What `init` wrote.
#[derive(Debug, Default)]
pub struct Created {
    pub handbook: bool,
    pub theme: bool,
    pub files: Vec<PathBuf>,
}

/// Writes the example handbook into `dir` unless it already has a book.toml, and with `theme`
/// the default theme into `dir/themes/default`. Nothing is written if any target file exists.
pub fn init(dir: &Path, theme: bool) -> Result<Created, InitError> {
    let mut files: Vec<(PathBuf, &[u8])> = Vec::new();
    let handbook = !dir.join("book.toml").exists();
    if handbook {
        files.extend(EXAMPLE.iter().map(|(p, b)| (dir.join(p), *b)));
    } else if !theme {
        return Err(InitError::Exists(dir.join("book.toml")));
    }
    if theme {
        let base = dir.join("themes/default");
        files.extend(
            DEFAULT_TEMPLATES
                .iter()
                .map(|(n, b)| (base.join("templates").join(n), *b)),
        );
        files.extend(
            DEFAULT_ASSETS
                .iter()
                .map(|(n, b)| (base.join("static").join(n), *b)),
        );
    }
    if let Some((existing, _)) = files.iter().find(|(p, _)| p.exists()) {
        return Err(InitError::Exists(existing.clone()));
    }
    for (path, bytes) in &files {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|source| InitError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        fs::write(path, bytes).map_err(|source| InitError::Io {
            path: path.clone(),
            source,
        })?;
    }
    Ok(Created {
        handbook,
        theme,
        files: files.into_iter().map(|(p, _)| p).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_example_is_the_repository_example() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut on_disk: Vec<String> = vec!["book.toml".into()];
        for dir in ["content", "data"] {
            for e in walkdir::WalkDir::new(root.join(dir)).sort_by_file_name() {
                let e = e.unwrap();
                if e.file_type().is_file() {
                    on_disk.push(
                        e.path()
                            .strip_prefix(root)
                            .unwrap()
                            .to_string_lossy()
                            .replace('\\', "/"),
                    );
                }
            }
        }
        on_disk.sort();
        let embedded: Vec<String> = EXAMPLE.iter().map(|(p, _)| p.to_string()).collect();
        assert_eq!(
            embedded, on_disk,
            "update EXAMPLE in src/init.rs when the example handbook's files change"
        );
    }

    #[test]
    fn init_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let created = init(dir.path(), false).unwrap();
        assert!(created.handbook && !created.theme);
        assert!(dir.path().join("data/roles.toml").is_file());
        assert!(matches!(init(dir.path(), false), Err(InitError::Exists(_))));
        let created = init(dir.path(), true).unwrap();
        assert!(!created.handbook && created.theme);
        assert!(dir
            .path()
            .join("themes/default/templates/project.html")
            .is_file());
        assert!(matches!(init(dir.path(), true), Err(InitError::Exists(_))));
    }
}

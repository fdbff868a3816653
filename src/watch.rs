//! Watch mode: classify file changes, reload only the inputs they touch, re-render only the
//! outputs that can differ, and rewrite only files whose bytes changed.
//!
//! The [`Session`] keeps the last good handbook and a hash of every file it wrote. A change goes
//! through the same [`Sources::assemble`] as a clean load and the same [`Site::render`] as a clean
//! build, so after any sequence of edits the output equals a clean build of the same inputs (the
//! property tested in tests/watch.rs). What a change can touch is decided from the data, not the
//! file name alone: comparing the old and new site-wide pieces (navigation, guidance links,
//! schema) and each procurement's row and plan.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::build::render_failed;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::handbook::{Handbook, LoadOptions, Sources};
use crate::output;
use crate::site::{BuildMode, Output, RowCache, Site};
use crate::theme::Theme;

/// What a changed path is to the handbook.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChangeKind {
    /// book.toml: everything is reloaded, the output folder may move.
    Config,
    /// A file (or folder) in the content folder.
    Guidance(PathBuf),
    Procurements,
    Rules,
    Resources,
    Theme,
}

/// What a changed path is, or `None` when no build depends on it (the output folder, editors'
/// swap and backup files, anything else).
pub fn classify(
    sources: &Sources,
    theme_dir: &Path,
    output_dir: &Path,
    path: &Path,
) -> Option<ChangeKind> {
    let name = path.file_name()?.to_string_lossy();
    let scratch = name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name.starts_with(".#")
        || name.starts_with(".~lock")
        || name.starts_with("~$")
        || name == "4913";
    if scratch || path.starts_with(output_dir) {
        return None;
    }
    if path == sources.root().join(crate::config::BOOK_TOML) {
        Some(ChangeKind::Config)
    } else if path == sources.procurements_file() {
        Some(ChangeKind::Procurements)
    } else if path == sources.rules_file() {
        Some(ChangeKind::Rules)
    } else if path == sources.resources_file() {
        Some(ChangeKind::Resources)
    } else if path.starts_with(theme_dir) {
        Some(ChangeKind::Theme)
    } else if path.starts_with(sources.content_dir()) && !name.starts_with('.') {
        // A page, or a folder created, removed or renamed (then `path` has no extension).
        let page = crate::guidance::is_page(path) || path.extension().is_none();
        page.then(|| ChangeKind::Guidance(path.to_path_buf()))
    } else {
        None
    }
}

/// What one rebuild did.
#[derive(Debug, Clone, Default)]
pub struct Rebuilt {
    /// Outputs rendered again.
    pub rendered: usize,
    /// Files whose bytes changed and were rewritten.
    pub written: Vec<String>,
    /// Files removed because their page no longer exists.
    pub removed: Vec<String>,
    pub elapsed: Duration,
    /// Problems that did not stop the build. Gaps in who is assigned are not among them: the
    /// home page lists those, and `procbook check` reports them.
    pub warnings: Diagnostics,
}

/// A handbook being watched: its inputs, the last good build, and what is on disk.
pub struct Session {
    sources: Sources,
    theme: Arc<Theme>,
    mode: BuildMode,
    output_override: Option<PathBuf>,
    output_dir: PathBuf,
    handbook: Handbook,
    /// Hash of the bytes of every file written, by path inside the output folder.
    written: HashMap<String, u64>,
    /// Changes of rebuilds that failed: applied again with the next ones, so that nothing a
    /// failed rebuild skipped (a new theme, resources, book.toml) is lost once it succeeds.
    pending: BTreeSet<ChangeKind>,
    /// Each procurement's part of the pages that gather them all, kept between rebuilds.
    rows: RowCache,
    /// `Site::fingerprint` of the last good build.
    fingerprint: u64,
    /// Downloads rendered by the last rebuild and not written yet (see [`Session::apply_pages_first`]).
    deferred: Vec<(String, crate::output::Content, u64)>,
}

/// The files no open page shows: the exports people download. At 10,000 procurements they are
/// over 100 MB, most of what a CSV edit writes, so the live preview writes them after the pages.
const DOWNLOADS: [&str; 2] = ["projects.json", "stakeholders.csv"];

impl Session {
    /// Loads the handbook in `root` and builds it in full.
    pub fn start(
        root: &Path,
        mode: BuildMode,
        output_override: Option<PathBuf>,
    ) -> Result<(Session, Rebuilt), Diagnostics> {
        let start = Instant::now();
        let mut sources = Sources::load(root).map_err(|d| Diagnostics::from(*d))?;
        let loaded = sources.assemble(LoadOptions::default());
        let Some(handbook) = loaded.handbook else {
            return Err(loaded.diagnostics);
        };
        let theme = Arc::new(Theme::load(root, &handbook.config.config.build.theme)?);
        let output_dir = output_override
            .clone()
            .unwrap_or_else(|| handbook.config.output_dir());
        let mut session = Session {
            sources,
            theme,
            mode,
            output_override,
            output_dir,
            handbook,
            written: HashMap::new(),
            pending: BTreeSet::new(),
            rows: RowCache::default(),
            fingerprint: 0,
            deferred: Vec::new(),
        };
        let files = session.publish_all()?;
        let warnings = loaded.diagnostics;
        Ok((
            session,
            Rebuilt {
                rendered: files.len(),
                written: files,
                removed: Vec::new(),
                elapsed: start.elapsed(),
                warnings,
            },
        ))
    }

    pub fn output_dir(&self) -> &Path {
        &self.output_dir
    }

    pub fn root(&self) -> &Path {
        self.sources.root()
    }

    /// The folder of the theme in use (which may not exist: then only the built-in one is used).
    pub fn theme_dir(&self) -> PathBuf {
        self.root()
            .join("themes")
            .join(&self.handbook.config.config.build.theme)
    }

    pub fn sources(&self) -> &Sources {
        &self.sources
    }

    /// What changed `path` is, if anything.
    pub fn classify(&self, path: &Path) -> Option<ChangeKind> {
        classify(&self.sources, &self.theme_dir(), &self.output_dir, path)
    }

    /// Writes every output into a fresh folder and swaps it in (the first build, a new config).
    fn publish_all(&mut self) -> Result<Vec<String>, Diagnostics> {
        let site = Site::new(&self.handbook, &self.theme, self.mode.clone())
            .map_err(render_failed)?
            .with_cache(&self.rows);
        let files: Vec<(String, Output)> = site
            .outputs()
            .into_iter()
            .map(|o| (site.path(o), o))
            .collect();
        let written = crate::build::write_site(&site, &self.output_dir, &files, &|_, _| {})?;
        self.written = written.hashes;
        self.fingerprint = site.fingerprint();
        Ok(files.into_iter().map(|(p, _)| p).collect())
    }

    /// Applies a batch of changes. On error the previous site is left as it was and the session
    /// keeps its last good state, so fixing the file recovers.
    pub fn apply(&mut self, changes: &BTreeSet<ChangeKind>) -> Result<Rebuilt, Diagnostics> {
        let mut rebuilt = self.apply_pages_first(changes)?;
        rebuilt.written.extend(self.finish()?);
        rebuilt.written.sort();
        Ok(rebuilt)
    }

    /// Like [`Session::apply`], but the downloads (projects.json, stakeholders.csv) are only
    /// rendered: [`Session::finish`] writes them. The live preview reloads the open pages in
    /// between, so a CSV edit shows without waiting for 100 MB of exports to be written.
    pub fn apply_pages_first(
        &mut self,
        changes: &BTreeSet<ChangeKind>,
    ) -> Result<Rebuilt, Diagnostics> {
        // Downloads of a rebuild whose `finish` was not called go first.
        self.finish()?;
        let mut all = std::mem::take(&mut self.pending);
        all.extend(changes.iter().cloned());
        let result = self.apply_all(&all);
        if result.is_err() {
            self.pending = all;
        }
        result
    }

    /// Writes the downloads the last rebuild left, if any; their paths. If a write fails, they
    /// are tried again at the next call (the previous files stay as they were meanwhile).
    pub fn finish(&mut self) -> Result<Vec<String>, Diagnostics> {
        if self.deferred.is_empty() {
            return Ok(Vec::new());
        }
        let out = self.output_dir.clone();
        self.deferred
            .par_iter()
            .map(|(path, bytes, _)| output::write_file(&out, path, bytes))
            .collect::<Result<Vec<()>, _>>()
            .map_err(|e| Diagnostics::from(Diagnostic::error("write", out, e.to_string())))?;
        let mut paths = Vec::with_capacity(self.deferred.len());
        for (path, _, hash) in std::mem::take(&mut self.deferred) {
            self.written.insert(path.clone(), hash);
            paths.push(path);
        }
        Ok(paths)
    }

    fn apply_all(&mut self, changes: &BTreeSet<ChangeKind>) -> Result<Rebuilt, Diagnostics> {
        let start = Instant::now();
        if changes.is_empty() {
            return Ok(Rebuilt::default());
        }
        let mut theme_changed = false;
        if changes.contains(&ChangeKind::Config) {
            let sources = Sources::load(self.root()).map_err(|d| Diagnostics::from(*d))?;
            let output_dir = self
                .output_override
                .clone()
                .unwrap_or_else(|| sources.config.output_dir());
            if output_dir != self.output_dir {
                let (session, mut rebuilt) =
                    Session::start(self.root(), self.mode.clone(), self.output_override.clone())?;
                *self = session;
                rebuilt.elapsed = start.elapsed();
                return Ok(rebuilt);
            }
            // Same output folder: everything is re-read and re-rendered, but only files whose
            // bytes changed are rewritten.
            self.sources = sources;
            theme_changed = true;
        }
        for change in changes {
            match change {
                ChangeKind::Config => {}
                ChangeKind::Guidance(path)
                    if path.is_dir() || (!path.exists() && path.extension().is_none()) =>
                {
                    self.sources.reload_guidance()
                }
                ChangeKind::Guidance(path) => self.sources.reload_page(path),
                ChangeKind::Procurements => self.sources.reload_table(),
                ChangeKind::Rules => self.sources.reload_rules(),
                ChangeKind::Resources => self.sources.reload_resources(),
                ChangeKind::Theme => theme_changed = true,
            }
        }
        let loaded = self.sources.assemble(LoadOptions::default());
        let Some(handbook) = loaded.handbook else {
            return Err(loaded.diagnostics);
        };
        let theme = if theme_changed {
            Arc::new(Theme::load(
                self.root(),
                &handbook.config.config.build.theme,
            )?)
        } else {
            Arc::clone(&self.theme)
        };
        let everything = theme_changed
            || changes.contains(&ChangeKind::Rules)
            || changes.contains(&ChangeKind::Resources);
        let (rendered, written, removed, fingerprint) = {
            let new = Site::new(&handbook, &theme, self.mode.clone()).map_err(render_failed)?;
            let fingerprint = new.fingerprint();
            // New pages, procurements or roles may bring names that clash: checked as `build` does.
            if everything
                || fingerprint != self.fingerprint
                || !Arc::ptr_eq(&self.handbook.procurements, &handbook.procurements)
            {
                let files: Vec<(String, Output)> = new
                    .outputs()
                    .into_iter()
                    .map(|o| (new.path(o), o))
                    .collect();
                let clashes = crate::build::check_paths(&new, &files);
                if clashes.has_errors() {
                    return Err(clashes);
                }
            }
            let outputs = if everything || fingerprint != self.fingerprint {
                // Site-wide pieces changed: no procurement's fragments can be reused.
                self.rows.clear();
                new.outputs()
            } else {
                let outputs = touched(&self.handbook, &handbook);
                self.rows.forget(outputs.iter().filter_map(|o| match o {
                    Output::Project(i) => Some(handbook.procurements.rows[*i].id.as_str()),
                    _ => None,
                }));
                outputs
            };
            let new = new.with_cache(&self.rows);
            let (written, removed, deferred) =
                write_changed(&mut self.written, &self.output_dir, &new, &outputs)?;
            self.deferred = deferred;
            (outputs.len(), written, removed, fingerprint)
        };
        self.fingerprint = fingerprint;
        // Freeing the previous handbook (every procurement and plan) takes a few milliseconds
        // at 10,000 rows: it is done beside the rest, not before the reload goes out.
        let previous = std::mem::replace(&mut self.handbook, handbook);
        rayon::spawn(move || drop(previous));
        self.theme = theme;
        let warnings = loaded.diagnostics;
        Ok(Rebuilt {
            rendered,
            written,
            removed,
            elapsed: start.elapsed(),
            warnings,
        })
    }
}

/// The downloads among changed files: rendered, not written yet.
type Deferred = Vec<(String, crate::output::Content, u64)>;

/// Renders `outputs`, rewrites the files whose bytes changed (each atomically) but the
/// [`DOWNLOADS`], which it returns, and removes files of pages that no longer exist. `written`
/// holds the hash of every file on disk.
fn write_changed(
    written_files: &mut HashMap<String, u64>,
    output_dir: &Path,
    site: &Site<'_>,
    outputs: &[Output],
) -> Result<(Vec<String>, Vec<String>, Deferred), Diagnostics> {
    let rendered: Vec<Result<(String, crate::output::Content, u64), String>> = outputs
        .par_iter()
        .map(|&o| {
            let path = site.path(o);
            site.render(o)
                .map(|bytes| {
                    let hash = bytes.hash();
                    (path, bytes, hash)
                })
                .map_err(|e| e.to_string())
        })
        .collect();
    let mut changed = Vec::new();
    let mut problems = Diagnostics::default();
    for r in rendered {
        match r {
            Ok((path, bytes, hash)) => {
                if written_files.get(&path) != Some(&hash) {
                    changed.push((path, bytes, hash));
                }
            }
            Err(e) => problems.push(Diagnostic::error("template", "themes", e)),
        }
    }
    if problems.has_errors() {
        return Err(problems);
    }
    let (deferred, changed): (Deferred, _) = changed
        .into_iter()
        .partition(|(path, _, _)| DOWNLOADS.contains(&path.as_str()));
    let current: BTreeSet<String> = site.outputs().into_iter().map(|o| site.path(o)).collect();
    let stale: Vec<String> = written_files
        .keys()
        .filter(|p| !current.contains(*p))
        .cloned()
        .collect();
    let out = output_dir.to_path_buf();
    changed
        .par_iter()
        .map(|(path, bytes, _)| output::write_file(&out, path, bytes))
        .collect::<Result<Vec<()>, _>>()
        .map_err(|e| Diagnostics::from(Diagnostic::error("write", out.clone(), e.to_string())))?;
    for path in &stale {
        let _ = std::fs::remove_file(out.join(path));
        written_files.remove(path);
        // Folders left empty go too: a clean build has none.
        let mut dir = Path::new(path).parent();
        while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
            if std::fs::remove_dir(out.join(d)).is_err() {
                break;
            }
            dir = d.parent();
        }
    }
    let mut written = Vec::with_capacity(changed.len());
    for (path, _, hash) in changed {
        written_files.insert(path.clone(), hash);
        written.push(path);
    }
    written.sort();
    Ok((written, stale, deferred))
}

/// The outputs a change can have touched when the site-wide pieces are the same: changed
/// guidance pages, changed procurements, and the pages that gather them.
fn touched(a: &Handbook, b: &Handbook) -> Vec<Output> {
    let mut outputs = Vec::new();
    let guidance_changed = a.guidance.pages != b.guidance.pages;
    if guidance_changed {
        for (i, page) in b.guidance.pages.iter().enumerate() {
            if a.guidance.page(&page.source) == Some(page) {
                continue;
            }
            // The intro is shown on the home page even as a draft (as a clean build does).
            if page.is_intro() {
                outputs.push(Output::Index);
            } else if !page.draft {
                outputs.push(Output::Guide(i));
            }
        }
        outputs.push(Output::SearchIndex);
    }
    if !Arc::ptr_eq(&a.procurements, &b.procurements) {
        let before: HashMap<&str, usize> = a
            .procurements
            .rows
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.as_str(), i))
            .collect();
        let changed: Vec<Output> = (0..b.procurements.rows.len())
            .into_par_iter()
            .filter(|&i| {
                let p = &b.procurements.rows[i];
                !before.get(p.id.as_str()).is_some_and(|&j| {
                    let q = &a.procurements.rows[j];
                    q.values == p.values && q.slug == p.slug && a.plans[j] == b.plans[i]
                })
            })
            .map(Output::Project)
            .collect();
        outputs.extend(changed);
        outputs.extend([
            Output::Index,
            Output::RolesIndex,
            Output::ProjectsJson,
            Output::StakeholdersCsv,
            Output::SearchProcurements,
        ]);
        outputs.extend((0..b.rules.roles.len()).map(Output::Role));
    }
    outputs.sort();
    outputs.dedup();
    outputs
}

use crate::output::hash_bytes;

/// Hashes anything serialisable (the site-wide pieces of a [`Site`]).
pub(crate) fn fingerprint<T: serde::Serialize>(value: &T) -> u64 {
    hash_bytes(&serde_json::to_vec(value).unwrap_or_default())
}

/// How file changes are noticed.
#[derive(Debug, Clone, Copy)]
pub struct WatchOptions {
    /// Changes closer together than this are one rebuild.
    pub debounce: Duration,
    /// Poll the files every interval instead of using the system's change events (network
    /// drives, containers and WSL, where events go missing).
    pub poll: Option<Duration>,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            debounce: Duration::from_millis(30),
            poll: None,
        }
    }
}

/// Watches the inputs of a handbook and reports batches of changed paths.
pub struct Watcher {
    watcher: Box<dyn notify::Watcher + Send>,
    events: std::sync::mpsc::Receiver<notify::Result<notify::Event>>,
    armed: BTreeSet<PathBuf>,
    debounce: Duration,
}

impl Watcher {
    pub fn new(options: WatchOptions) -> notify::Result<Watcher> {
        let (tx, events) = std::sync::mpsc::channel();
        let watcher: Box<dyn notify::Watcher + Send> = match options.poll {
            Some(interval) => {
                let config = notify::Config::default()
                    .with_poll_interval(interval)
                    .with_compare_contents(true);
                Box::new(notify::PollWatcher::new(tx, config)?)
            }
            None => Box::new(notify::recommended_watcher(tx)?),
        };
        Ok(Watcher {
            watcher,
            events,
            armed: BTreeSet::new(),
            debounce: options.debounce,
        })
    }

    /// Watches the folders the handbook's inputs live in (not the whole tree: the output folder,
    /// `target/` and `.git/` stay unwatched). Folders that appear later are picked up here too,
    /// so call it after every batch.
    pub fn arm(&mut self, sources: &Sources, theme_dir: &Path) {
        use notify::RecursiveMode::{NonRecursive, Recursive};
        let root = sources.root().to_path_buf();
        let mut wanted = vec![
            (root.clone(), NonRecursive),
            (sources.content_dir(), Recursive),
            (theme_dir.to_path_buf(), Recursive),
        ];
        for file in [
            sources.procurements_file(),
            sources.rules_file(),
            sources.resources_file(),
        ] {
            if let Some(dir) = file.parent() {
                wanted.push((dir.to_path_buf(), NonRecursive));
            }
        }
        // A folder that was removed loses its watch; forget it so it is re-armed when it is back.
        self.armed.retain(|p| p.exists());
        for (path, mode) in wanted {
            if path.is_dir()
                && !self.armed.contains(&path)
                && self.watcher.watch(&path, mode).is_ok()
            {
                self.armed.insert(path);
            }
        }
    }

    /// Waits for changes and returns the paths of one batch: everything that arrives until the
    /// files have been quiet for the debounce time, or at the latest [`LONGEST_BATCH`] (ten
    /// debounce times, if longer) after the first change. `None` when `timeout` passes first; an
    /// error when the system's watcher has stopped (rather than waiting for ever).
    ///
    /// A file or folder only opened or read is no change: it neither starts a batch nor keeps
    /// one open. Sync clients, indexers and backup tools read the watched folders all the time
    /// (inotify reports every open), and a batch that waited for them to stop would never end:
    /// the save in it would not be rebuilt. The longest batch bounds a stream of other changes.
    pub fn next_batch(&mut self, timeout: Duration) -> notify::Result<Option<BTreeSet<PathBuf>>> {
        use std::sync::mpsc::RecvTimeoutError;
        let mut paths = BTreeSet::new();
        let give_up = Instant::now() + timeout;
        loop {
            let Some(wait) = left(give_up) else {
                return Ok(None);
            };
            match self.events.recv_timeout(wait) {
                Ok(event) => {
                    if collect(event, &mut paths) {
                        break;
                    }
                }
                Err(RecvTimeoutError::Timeout) => return Ok(None),
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(notify::Error::generic("the file watcher stopped"))
                }
            }
        }
        let close = Instant::now() + LONGEST_BATCH.max(self.debounce * 10);
        let mut quiet = Instant::now() + self.debounce;
        while let Some(wait) = left(quiet.min(close)) {
            let Ok(event) = self.events.recv_timeout(wait) else {
                break;
            };
            if collect(event, &mut paths) {
                quiet = Instant::now() + self.debounce;
            }
        }
        // A watched folder named by an event was removed, moved or made again: its watch may be
        // gone even if a folder of that name exists now, so the next `arm` watches it afresh.
        self.armed.retain(|p| !paths.contains(p));
        Ok(Some(paths))
    }
}

/// How long changes that keep coming are gathered into one batch at most.
const LONGEST_BATCH: Duration = Duration::from_secs(1);

/// The time left until `deadline`, `None` once it has passed.
fn left(deadline: Instant) -> Option<Duration> {
    deadline
        .checked_duration_since(Instant::now())
        .filter(|d| !d.is_zero())
}

/// Adds the paths of `event` to the batch; whether it is a change (not an error, not a read).
/// When the system dropped events (its queue overflowed), the batch gets [`RESCAN`].
fn collect(event: notify::Result<notify::Event>, paths: &mut BTreeSet<PathBuf>) -> bool {
    match event {
        Ok(event) if event.need_rescan() => {
            paths.insert(PathBuf::from(RESCAN));
            true
        }
        Ok(event) if !matches!(event.kind, notify::EventKind::Access(_)) => {
            paths.extend(event.paths);
            true
        }
        _ => false,
    }
}

/// The path standing in a batch for "changes may have been missed": everything is read again.
pub const RESCAN: &str = "";

impl Session {
    /// The changes a batch of paths means for this handbook.
    pub fn changes(&self, paths: &BTreeSet<PathBuf>) -> BTreeSet<ChangeKind> {
        if paths.contains(Path::new(RESCAN)) {
            return BTreeSet::from([ChangeKind::Config]);
        }
        paths.iter().filter_map(|p| self.classify(p)).collect()
    }
}

/// What happened in a watch loop, for the caller to report.
pub enum WatchEvent<'a> {
    /// A build (the first one, or a rebuild) succeeded.
    Built {
        rebuilt: &'a Rebuilt,
        output_dir: &'a Path,
        first: bool,
    },
    /// A build failed; the previous site was left as it was.
    Failed(&'a Diagnostics),
}

/// Builds the handbook in `root`, then rebuilds on every change, forever. If the first build
/// fails, it is retried on every change until it succeeds.
pub fn run(
    root: &Path,
    mode: BuildMode,
    output: Option<PathBuf>,
    options: WatchOptions,
    mut on_event: impl FnMut(WatchEvent<'_>),
) -> notify::Result<()> {
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let mut watcher = Watcher::new(options)?;
    // Watched before the first build, so that a file saved while it runs is not missed.
    watcher.arm_defaults(&root);
    let mut session = loop {
        match Session::start(&root, mode.clone(), output.clone()) {
            Ok((session, rebuilt)) => {
                on_event(WatchEvent::Built {
                    rebuilt: &rebuilt,
                    output_dir: session.output_dir(),
                    first: true,
                });
                break session;
            }
            Err(d) => {
                on_event(WatchEvent::Failed(&d));
                watcher.arm_defaults(&root);
                while watcher.next_batch(Duration::from_secs(3600))?.is_none() {}
            }
        }
    };
    loop {
        watcher.arm(session.sources(), &session.theme_dir());
        let Some(paths) = watcher.next_batch(Duration::from_secs(3600))? else {
            continue;
        };
        // Folders made again are watched before they are read, so that a file saved into one
        // meanwhile is either read now or seen in the next batch.
        watcher.arm(session.sources(), &session.theme_dir());
        let changes = session.changes(&paths);
        if changes.is_empty() {
            continue;
        }
        match session.apply_pages_first(&changes) {
            Ok(mut rebuilt) => {
                // The downloads follow the pages (and the reload); they are named with them.
                rebuilt
                    .written
                    .extend(session.deferred.iter().map(|(p, _, _)| p.clone()));
                rebuilt.written.sort();
                on_event(WatchEvent::Built {
                    rebuilt: &rebuilt,
                    output_dir: session.output_dir(),
                    first: false,
                });
                if let Err(d) = session.finish() {
                    on_event(WatchEvent::Failed(&d));
                }
            }
            Err(d) => on_event(WatchEvent::Failed(&d)),
        }
    }
}

impl Watcher {
    /// Watches the usual places of a handbook whose book.toml could not be read yet.
    pub fn arm_defaults(&mut self, root: &Path) {
        use notify::RecursiveMode::{NonRecursive, Recursive};
        for (path, mode) in [
            (root.to_path_buf(), NonRecursive),
            (root.join("content"), Recursive),
            (root.join("data"), Recursive),
            (root.join("themes"), Recursive),
        ] {
            if path.is_dir()
                && !self.armed.contains(&path)
                && self.watcher.watch(&path, mode).is_ok()
            {
                self.armed.insert(path);
            }
        }
    }
}

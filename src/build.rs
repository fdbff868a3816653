//! `build`: the whole pipeline from a handbook folder to a published site — load, plan, render,
//! write — with every problem as a located diagnostic.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::handbook::{self, Handbook, LoadOptions};
use crate::output::{self, Written};
use crate::site::{BuildMode, Output, Site};
use crate::slug;
use crate::theme::Theme;

/// What a successful build did.
#[derive(Debug)]
pub struct Built {
    pub output_dir: PathBuf,
    pub pages: usize,
    pub written: Written,
    pub elapsed: Duration,
    /// Problems that did not stop the build (broken guidance links, a Windows-1252 CSV…).
    pub warnings: Diagnostics,
}

/// Reports how many files of how many are written, as a build goes.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// Builds the handbook in `root` into its output folder (or `output_dir` when given).
pub fn build(
    root: &Path,
    mode: BuildMode,
    output_dir: Option<&Path>,
) -> Result<Built, Diagnostics> {
    build_with_progress(root, mode, output_dir, &|_, _| {})
}

/// Like [`build`], reporting progress (for a progress bar on long builds).
pub fn build_with_progress(
    root: &Path,
    mode: BuildMode,
    output_dir: Option<&Path>,
    progress: Progress<'_>,
) -> Result<Built, Diagnostics> {
    let start = Instant::now();
    // The theme's templates are compiled while the inputs are read.
    let (loaded, theme) = handbook::load_beside(root, LoadOptions::default(), |config| {
        Theme::load(root, &config.config.build.theme)
    });
    // There is a theme whenever there is a handbook: both need book.toml.
    let (Some(h), Some(theme)) = (loaded.handbook, theme) else {
        return Err(loaded.diagnostics);
    };
    let mut warnings = loaded.diagnostics;
    let theme = theme?;
    let out = output_dir.map_or_else(|| h.config.output_dir(), Path::to_path_buf);
    let (pages, written) = write(&h, &theme, mode, &out, progress).map_err(|d| {
        let mut all = warnings.clone();
        all.extend(d);
        all
    })?;
    warnings.extend(handbook::gap_diagnostics(&h, false));
    Ok(Built {
        output_dir: out,
        pages,
        written,
        elapsed: start.elapsed(),
        warnings,
    })
}

/// Renders and publishes the site of a loaded handbook; returns the number of HTML pages.
pub fn write(
    h: &Handbook,
    theme: &Theme,
    mode: BuildMode,
    out: &Path,
    progress: Progress<'_>,
) -> Result<(usize, Written), Diagnostics> {
    let site = Site::new(h, theme, mode).map_err(render_failed)?;
    let files: Vec<(String, Output)> = site
        .outputs()
        .into_iter()
        .map(|o| (site.path(o), o))
        .collect();
    let pages = files.iter().filter(|(p, _)| p.ends_with(".html")).count();
    let written = write_site(&site, out, &files, progress)?;
    Ok((pages, written))
}

/// Publishes `files` of `site` into `out` (checked first: never the handbook's own files).
pub fn write_site(
    site: &Site<'_>,
    out: &Path,
    files: &[(String, Output)],
    progress: Progress<'_>,
) -> Result<Written, Diagnostics> {
    let config = &site.handbook.config;
    let inputs: Vec<PathBuf> = [
        config.path(&config.config.build.content_dir),
        config.path(&config.config.procurements.file),
        config.path(&config.config.rules.file),
        config.path(&config.config.resources.file),
        config.root.join("themes"),
    ]
    .into();
    let as_diagnostic = |e: output::WriteError| {
        let d = match &e {
            output::WriteError::Render { template, message } => {
                let d = Diagnostic::error("template", template.clone(), message.clone());
                // A theme's own copy of a template may predate what procbook now gives it.
                if !template.starts_with(crate::theme::BUILT_IN)
                    && message.contains("not found in context")
                {
                    return Diagnostics::from(d.with_help(
                        "this template is your theme's own copy, and it uses a variable procbook does not give it (the built-in templates change between versions): compare it with the current one, which `procbook init --theme NEW-FOLDER` writes into NEW-FOLDER/themes/default",
                    ));
                }
                d
            }
            _ => Diagnostic::error(
                "write",
                crate::diagnostics::display_path(&config.root, out),
                e.to_string(),
            ),
        };
        Diagnostics::from(match e.help() {
            Some(help) => d.with_help(help),
            None => d,
        })
    };
    output::check_target(&config.root, out, &inputs).map_err(as_diagnostic)?;
    let clashes = check_paths(site, files);
    if clashes.has_errors() {
        return Err(clashes);
    }
    let done = std::sync::atomic::AtomicUsize::new(0);
    output::publish(out, files, |&o, sink| {
        let written = site.write(o, sink).map_err(|e| output::WriteError::Render {
            template: site.theme.template_file(&config.root, &e.template),
            message: format!("cannot render {}: {}", site.path(o), e.message),
        });
        progress(
            done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1,
            files.len(),
        );
        written
    })
    .map_err(as_diagnostic)
}

/// Checks the site's file names before anything is written: two outputs at one path (ignoring
/// case, as Windows and macOS do) would overwrite each other, and a name Windows refuses would
/// make the site impossible to copy there. Slugs already avoid both; this also catches names
/// that are not slugs, such as a role id `index` or a theme file `con.css`.
pub(crate) fn check_paths(site: &Site<'_>, files: &[(String, Output)]) -> Diagnostics {
    let mut problems = Diagnostics::default();
    let mut seen: HashMap<String, Output> = HashMap::with_capacity(files.len());
    for (path, o) in files {
        if let Some(first) = seen.insert(path.to_lowercase(), *o) {
            let (what, file, line) = origin(site, *o);
            let (first_what, first_file, first_line) = origin(site, first);
            let d = Diagnostic::error(
                "output-collision",
                file.clone().or(first_file).unwrap_or_default(),
                format!("{first_what} and {what} would both be published as {path}"),
            )
            .with_help("rename one of them (Windows and macOS do not tell capital letters from small ones in file names)");
            problems.push(match line.or(first_line) {
                Some(l) => d.at_line(l),
                None => d,
            });
        }
        if let Some(part) = path.split('/').find(|p| slug::is_windows_reserved(p)) {
            let (what, file, line) = origin(site, *o);
            let d = Diagnostic::error(
                "output-name",
                file.unwrap_or_default(),
                format!("{what} would be published as {path}, but Windows cannot use \"{part}\" as a file name"),
            )
            .with_help("names such as CON, PRN, AUX, NUL, COM1 and LPT1 are reserved by Windows; rename it");
            problems.push(match line {
                Some(l) => d.at_line(l),
                None => d,
            });
        }
    }
    problems
}

/// What an output shows, in the office's words, and the file (and line) it comes from; procbook's
/// own pages come from no file.
fn origin(site: &Site<'_>, o: Output) -> (String, Option<PathBuf>, Option<usize>) {
    let h = site.handbook;
    let config = &h.config;
    let shown = |p: &Path| {
        Some(crate::diagnostics::display_path(
            &config.root,
            &config.path(p),
        ))
    };
    match o {
        Output::Project(i) => {
            let row = &h.procurements.rows[i];
            (
                format!("the procurement \"{}\" (line {})", row.id, row.line),
                shown(&config.config.procurements.file),
                Some(row.line),
            )
        }
        Output::Guide(i) => {
            let page = &h.guidance.pages[i];
            (
                format!("the guidance page {}", page.file.display()),
                Some(page.file.clone()),
                None,
            )
        }
        Output::Role(i) => (
            format!("the role \"{}\"", h.rules.roles[i].id),
            shown(&config.config.rules.file),
            None,
        ),
        Output::Asset(i) => (
            format!("the theme file {}", site.theme.assets[i].0),
            shown(Path::new("themes")),
            None,
        ),
        other => (format!("procbook's page {}", site.path(other)), None, None),
    }
}

/// A template that fails before any page is rendered (a partial), as a diagnostic.
pub fn render_failed(e: crate::theme::RenderError) -> Diagnostics {
    Diagnostics::from(Diagnostic::error(
        "template",
        format!("(theme)/templates/{}", e.template),
        e.message,
    ))
}

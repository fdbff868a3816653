//! The load stage of the pipeline: book.toml, the rules, the procurements, guidance and
//! resources read and checked against each other into one [`Handbook`], with every problem found
//! on the way; plus the gap report (lead or sign-off roles with nobody assigned).
//!
//! Nothing here writes files. The order matters and is the only place it is spelled out: the
//! rules' vocabulary (phases) is needed to read the CSV's stage field, and the CSV's schema to
//! compile the rules' and guidance's conditions.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::{self, LoadedConfig, BOOK_TOML};
use crate::diagnostics::{display_path, list, Diagnostic, Diagnostics};
use crate::guidance::{self, Guidance, Page};
use crate::procurements::{self, Procurements};
use crate::resources::{self, Resource};
use crate::rules::{self, Condition, ConditionContext, RuleSet, StakeholderPlan};
use crate::table::{self, Table};

/// Everything a handbook is made of, loaded and cross-checked.
#[derive(Debug, Clone)]
pub struct Handbook {
    pub config: LoadedConfig,
    pub procurements: Arc<Procurements>,
    pub rules: RuleSet,
    pub guidance: Guidance,
    /// The compiled `when` of each guidance page, by index into `guidance.pages`.
    pub guidance_when: Vec<Option<Condition>>,
    pub resources: Vec<Resource>,
    /// One plan per procurement, by index into `procurements.rows`.
    pub plans: Arc<Vec<StakeholderPlan>>,
}

/// How strict loading is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Broken guidance links are errors (`check`) rather than warnings (`build`).
    pub links_are_errors: bool,
}

/// A load's outcome: the handbook when nothing stopped it, and every problem found.
#[derive(Debug)]
pub struct Loaded {
    pub handbook: Option<Handbook>,
    pub diagnostics: Diagnostics,
}

impl Handbook {
    pub fn root(&self) -> &Path {
        &self.config.root
    }

    /// The procurement index of an id (or of anything that slugs to the same page name).
    pub fn find(&self, id: &str) -> Option<usize> {
        let p = self.procurements.by_id(id)?;
        self.procurements
            .rows
            .iter()
            .position(|r| std::ptr::eq(r, p))
    }

    /// The assignee of `role` on procurement `index`, when the CSV names one.
    pub fn assignee(&self, index: usize, role: usize) -> Option<&str> {
        let field = self
            .procurements
            .schema
            .assignee_field(&self.rules.roles[role].id)?;
        self.procurements.rows[index].text(Some(field))
    }
}

/// Loads the handbook in `root`.
pub fn load(root: &Path, options: LoadOptions) -> Loaded {
    load_beside(root, options, |_| ()).0
}

/// Loads the handbook in `root` and, on another core meanwhile, runs `beside` with its settings
/// (a build loads its theme so). `beside` does not run when book.toml cannot be read.
pub fn load_beside<T: Send>(
    root: &Path,
    options: LoadOptions,
    beside: impl FnOnce(&LoadedConfig) -> T + Send,
) -> (Loaded, Option<T>) {
    let config = match config::load(root) {
        Ok(config) => config,
        Err(d) => {
            let loaded = Loaded {
                handbook: None,
                diagnostics: Diagnostics::from(*d),
            };
            return (loaded, None);
        }
    };
    let (loaded, other) = rayon::join(
        || Sources::read(config.clone()).assemble(options),
        || beside(&config),
    );
    (loaded, Some(other))
}

/// The procurements with the problems found mapping them, or the problems that stopped it.
type Mapped = Result<(Arc<Procurements>, Vec<Diagnostic>), Vec<Diagnostic>>;

/// Every input file of a handbook, read and parsed on its own, with its problems. A clean load
/// reads them all; watch mode re-reads only the ones that changed. Either way [`Sources::assemble`]
/// makes the [`Handbook`], so an incremental load equals a clean one by construction.
#[derive(Debug, Clone)]
pub struct Sources {
    pub config: LoadedConfig,
    rules_text: Result<String, Diagnostic>,
    /// The CSV as read, until it is mapped onto the fields (which consumes it, so a large file is
    /// not held twice).
    table: Option<Table>,
    table_problems: Vec<Diagnostic>,
    /// The procurements mapped from the table with the rules' phases, with their problems, or
    /// the problems that stopped the mapping; redone when the CSV or the rules change.
    procurements: Option<Mapped>,
    /// Guidance pages by path inside the content folder.
    pages: BTreeMap<String, Result<Page, Vec<Diagnostic>>>,
    content_problems: Vec<Diagnostic>,
    resources: (Vec<Resource>, Vec<Diagnostic>),
    /// The plans of the last assembly, with the procurements and rules text they came from:
    /// reused while both are unchanged (a guidance edit need not evaluate every row again).
    plans: Option<(Arc<Procurements>, String, Arc<Vec<StakeholderPlan>>)>,
}

impl Sources {
    /// Reads every input of the handbook in `root`.
    pub fn load(root: &Path) -> Result<Sources, Box<Diagnostic>> {
        Ok(Sources::read(config::load(root)?))
    }

    /// Reads every input named by `config`: the CSV, by far the largest, while the guidance is.
    pub fn read(config: LoadedConfig) -> Sources {
        let mut sources = Sources {
            config,
            rules_text: Err(Diagnostic::error("io", "", "")),
            table: None,
            table_problems: Vec::new(),
            procurements: None,
            pages: BTreeMap::new(),
            content_problems: Vec::new(),
            resources: (Vec::new(), Vec::new()),
            plans: None,
        };
        let ((table, rules_text), (guidance, resources)) = rayon::join(
            || (sources.read_table(), sources.read_rules()),
            || (sources.read_guidance(), sources.read_resources()),
        );
        (sources.table, sources.table_problems) = table;
        sources.rules_text = rules_text;
        (sources.pages, sources.content_problems) = guidance;
        sources.resources = resources;
        sources
    }

    pub fn root(&self) -> &Path {
        &self.config.root
    }

    fn settings(&self) -> &crate::config::Config {
        &self.config.config
    }

    pub fn content_dir(&self) -> PathBuf {
        self.config.path(&self.settings().build.content_dir)
    }

    pub fn procurements_file(&self) -> PathBuf {
        self.config.path(&self.settings().procurements.file)
    }

    pub fn rules_file(&self) -> PathBuf {
        self.config.path(&self.settings().rules.file)
    }

    pub fn resources_file(&self) -> PathBuf {
        self.config.path(&self.settings().resources.file)
    }

    /// Re-reads the rules file (and re-maps the procurements, whose stage field depends on it).
    pub fn reload_rules(&mut self) {
        // The stage field depends on the phases: the CSV is mapped again, so read again.
        self.reload_table();
        self.rules_text = self.read_rules();
    }

    /// The rules file's text, or why it cannot be read (kept as it is in `rules_text`).
    #[allow(clippy::result_large_err)]
    fn read_rules(&self) -> Result<String, Diagnostic> {
        let path = self.rules_file();
        std::fs::read_to_string(&path).map_err(|e| {
            let shown = display_path(self.root(), &path);
            Diagnostic::error("io", shown, format!("cannot read {}: {e}", path.display()))
        })
    }

    /// Re-reads the procurements CSV.
    pub fn reload_table(&mut self) {
        (self.table, self.table_problems) = self.read_table();
        self.procurements = None;
    }

    fn read_table(&self) -> (Option<Table>, Vec<Diagnostic>) {
        let settings = &self.config.config.procurements;
        let path = self.procurements_file();
        let shown = display_path(self.root(), &path);
        let mut d = Diagnostics::default();
        let table = table::read(&path, &shown, settings.delimiter, settings.encoding, &mut d);
        (table, d.into_vec())
    }

    /// Re-reads every guidance page.
    pub fn reload_guidance(&mut self) {
        (self.pages, self.content_problems) = self.read_guidance();
    }

    /// Pages by path inside the content folder, and the problems of the folder itself.
    #[allow(clippy::type_complexity)]
    fn read_guidance(
        &self,
    ) -> (
        BTreeMap<String, Result<Page, Vec<Diagnostic>>>,
        Vec<Diagnostic>,
    ) {
        let dir = self.content_dir();
        let mut d = Diagnostics::default();
        let files = guidance::files(self.root(), &dir, &mut d);
        let raw_html = self.settings().build.raw_html;
        let root = self.root();
        let pages = files
            .par_iter()
            .map(|path| {
                (
                    guidance::source_name(&dir, path),
                    guidance::load_page(root, &dir, path, raw_html),
                )
            })
            .collect();
        (pages, d.into_vec())
    }

    /// Re-reads one guidance file, or forgets it when it is gone. `path` is inside the content folder.
    pub fn reload_page(&mut self, path: &Path) {
        let dir = self.content_dir();
        let name = guidance::source_name(&dir, path);
        if path.is_file() {
            let page = guidance::load_page(self.root(), &dir, path, self.settings().build.raw_html);
            self.pages.insert(name, page);
        } else {
            self.pages.remove(&name);
        }
    }

    /// Re-reads the resources file.
    pub fn reload_resources(&mut self) {
        self.resources = self.read_resources();
    }

    fn read_resources(&self) -> (Vec<Resource>, Vec<Diagnostic>) {
        let mut d = Diagnostics::default();
        let list = resources::load(self.root(), &self.resources_file(), &mut d);
        (list, d.into_vec())
    }

    /// Cross-checks the inputs and evaluates the rules: the handbook, or why there is none.
    pub fn assemble(&mut self, options: LoadOptions) -> Loaded {
        let mut diagnostics = Diagnostics::default();
        let handbook = self.assemble_into(options, &mut diagnostics);
        Loaded {
            handbook: if diagnostics.has_errors() {
                None
            } else {
                handbook
            },
            diagnostics,
        }
    }

    fn assemble_into(
        &mut self,
        options: LoadOptions,
        diagnostics: &mut Diagnostics,
    ) -> Option<Handbook> {
        let root = self.root().to_path_buf();
        let rule_file = match &self.rules_text {
            Ok(text) => rules::parse_str(
                text.clone(),
                display_path(&root, &self.rules_file()),
                diagnostics,
            ),
            Err(d) => {
                diagnostics.push(d.clone());
                None
            }
        };
        diagnostics.extend(self.table_problems.iter().cloned());
        if self.procurements.is_none() {
            if let Some(table) = self.table.take() {
                let phases = rule_file
                    .as_ref()
                    .map(|r| r.phase_names())
                    .unwrap_or_default();
                let shown = display_path(&root, &self.procurements_file());
                let mut d = Diagnostics::default();
                self.procurements = Some(
                    match procurements::from_owned_table(
                        &self.config,
                        table,
                        shown,
                        &phases,
                        &mut d,
                    ) {
                        Some(p) => Ok((Arc::new(p), d.into_vec())),
                        None => Err(d.into_vec()),
                    },
                );
            }
        }
        match &self.procurements {
            Some(Ok((_, problems))) | Some(Err(problems)) => {
                diagnostics.extend(problems.iter().cloned())
            }
            None => {}
        }
        diagnostics.extend(self.content_problems.iter().cloned());
        let mut pages = Vec::with_capacity(self.pages.len());
        let mut unreadable = std::collections::HashSet::new();
        for (name, page) in &self.pages {
            match page {
                Ok(p) => pages.push(p.clone()),
                Err(ds) => {
                    diagnostics.extend(ds.iter().cloned());
                    unreadable.insert(name.clone());
                }
            }
        }
        let guidance = Guidance::new(pages).with_unreadable(unreadable);
        guidance.check_collisions(diagnostics);
        diagnostics.extend(self.resources.1.iter().cloned());
        let procurements = match &self.procurements {
            Some(Ok((p, _))) => Arc::clone(p),
            _ => return None,
        };
        let rules = rule_file?.compile(&procurements.schema, diagnostics);

        check_assignees(&self.config, &rules, diagnostics);
        check_guidance_refs(&rules, &guidance, options.links_are_errors, diagnostics);
        guidance.check_links(options.links_are_errors, diagnostics);
        let guidance_when = compile_guidance(&guidance, &procurements, &rules, diagnostics);
        let rules_text = self.rules_text.as_ref().map_or("", String::as_str);
        let plans = match &self.plans {
            Some((p, text, plans)) if Arc::ptr_eq(p, &procurements) && text == rules_text => {
                Arc::clone(plans)
            }
            _ => {
                let plans: Arc<Vec<StakeholderPlan>> = Arc::new(
                    procurements
                        .rows
                        .par_iter()
                        .map(|p| rules.evaluate(p))
                        .collect(),
                );
                self.plans = Some((
                    Arc::clone(&procurements),
                    rules_text.to_string(),
                    Arc::clone(&plans),
                ));
                plans
            }
        };
        Some(Handbook {
            config: self.config.clone(),
            procurements,
            rules,
            guidance,
            guidance_when,
            resources: self.resources.0.clone(),
            plans,
        })
    }
}

fn check_assignees(config: &LoadedConfig, rules: &RuleSet, diagnostics: &mut Diagnostics) {
    for role in config.config.procurements.assignees.keys() {
        if rules.role(role.as_ref()).is_none() {
            diagnostics.push(
                Diagnostic::error(
                    "unknown-role",
                    BOOK_TOML,
                    format!(
                        "[procurements.assignees] names the role \"{}\", which {} does not define",
                        role.as_ref(),
                        rules.file.display()
                    ),
                )
                .at(config.position(role.span()))
                .suggest(role.as_ref(), rules.roles.iter().map(|r| r.id.as_str()))
                .with_help(format!(
                    "the roles are: {}",
                    list(rules.roles.iter().map(|r| &r.id))
                )),
            );
        }
    }
}

/// `guidance = "page.md#anchor"` of roles and rules must point to a real page and heading.
fn check_guidance_refs(
    rules: &RuleSet,
    guidance: &Guidance,
    as_error: bool,
    diagnostics: &mut Diagnostics,
) {
    let refs = rules
        .roles
        .iter()
        .filter_map(|r| r.guidance.as_ref())
        .chain(rules.rules.iter().filter_map(|r| r.guidance.as_ref()));
    for r in refs {
        if let Some(d) = guidance.check_link("", &r.target, &rules.file, r.at, as_error) {
            diagnostics.push(d);
        }
    }
}

/// Front matter `roles`, `phases` and `when` checked against the rules and the fields.
fn compile_guidance(
    guidance: &Guidance,
    procurements: &Procurements,
    rules: &RuleSet,
    diagnostics: &mut Diagnostics,
) -> Vec<Option<Condition>> {
    let context = ConditionContext {
        schema: &procurements.schema,
        thresholds: &rules.thresholds,
    };
    guidance
        .pages
        .iter()
        .map(|page| {
            for tag in &page.roles {
                if rules.role(&tag.id).is_none() {
                    diagnostics.push(
                        Diagnostic::error(
                            "unknown-role",
                            page.file.clone(),
                            format!(
                                "the front matter names the role \"{}\", which {} does not define",
                                tag.id,
                                rules.file.display()
                            ),
                        )
                        .at(tag.at)
                        .suggest(&tag.id, rules.roles.iter().map(|r| r.id.as_str()))
                        .with_help(format!(
                            "the roles are: {}",
                            list(rules.roles.iter().map(|r| &r.id))
                        )),
                    );
                }
            }
            for tag in &page.phases {
                if rules.phase(&tag.id).is_none() {
                    diagnostics.push(
                        Diagnostic::error(
                            "unknown-phase",
                            page.file.clone(),
                            format!(
                                "the front matter names the phase \"{}\", which {} does not define",
                                tag.id,
                                rules.file.display()
                            ),
                        )
                        .at(tag.at)
                        .suggest(&tag.id, rules.phases.iter().map(|p| p.id.as_str()))
                        .with_help(format!(
                            "the phases are: {}",
                            list(rules.phases.iter().map(|p| &p.id))
                        )),
                    );
                }
            }
            let (when, at) = page.when.as_ref()?;
            let locate = |_: &str| *at;
            rules::compile_condition(when, &context, &locate, &page.file, "`when`", diagnostics)
        })
        .collect()
}

/// One procurement's roles that lead or sign off somewhere but have nobody assigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub procurement: usize,
    pub roles: Vec<usize>,
}

/// Lead or sign-off roles with nobody assigned, for roles that have an assignee column. Roles
/// without one are reported once each, as [`untracked_roles`].
pub fn gaps(h: &Handbook) -> Vec<Gap> {
    (0..h.plans.len())
        .filter_map(|i| {
            let roles = gap_roles(h, i);
            (!roles.is_empty()).then_some(Gap {
                procurement: i,
                roles,
            })
        })
        .collect()
}

/// The roles of procurement `i` that lead or sign off somewhere, have an assignee column, and
/// nobody in it.
pub fn gap_roles(h: &Handbook, i: usize) -> Vec<usize> {
    let lead = h.rules.levels.len().saturating_sub(1);
    let plan = &h.plans[i];
    (0..h.rules.roles.len())
        .filter(|&r| {
            h.procurements
                .schema
                .assignee_field(&h.rules.roles[r].id)
                .is_some()
        })
        .filter(|&r| needs_owner(plan, r, lead) && h.assignee(i, r).is_none())
        .collect()
}

/// Roles that lead or sign off in some procurement but have no assignee column, with how many
/// procurements need them.
pub fn untracked_roles(h: &Handbook) -> Vec<(usize, usize)> {
    let lead = h.rules.levels.len().saturating_sub(1);
    (0..h.rules.roles.len())
        .filter(|&r| {
            h.procurements
                .schema
                .assignee_field(&h.rules.roles[r].id)
                .is_none()
        })
        .map(|r| {
            (
                r,
                h.plans.iter().filter(|p| needs_owner(p, r, lead)).count(),
            )
        })
        .filter(|(_, n)| *n > 0)
        .collect()
}

fn needs_owner(plan: &StakeholderPlan, role: usize, lead: usize) -> bool {
    plan.row(role)
        .iter()
        .flatten()
        .any(|c| c.level() == lead || c.sign_off)
}

/// The gap report as diagnostics: warnings, or errors with `strict`.
pub fn gap_diagnostics(h: &Handbook, strict: bool) -> Diagnostics {
    let make = if strict {
        Diagnostic::error
    } else {
        Diagnostic::warning
    };
    let mut out = Diagnostics::default();
    for gap in gaps(h) {
        let p = &h.procurements.rows[gap.procurement];
        let names = list(gap.roles.iter().map(|&r| h.rules.roles[r].name.as_str()));
        out.push(
            make(
                "gap",
                h.procurements.file.clone(),
                format!(
                    "\"{}\" has nobody assigned to lead or sign-off roles: {names}",
                    p.id
                ),
            )
            .at_line(p.line)
            .with_help(
                "fill in the assignee columns set under [procurements.assignees] in book.toml",
            ),
        );
    }
    for (role, n) in untracked_roles(h) {
        let role = &h.rules.roles[role];
        out.push(
            make("gap-untracked", PathBuf::from(BOOK_TOML), format!("the role \"{}\" leads or signs off in {n} procurements, but no column says who is assigned to it", role.id))
                .with_help(format!("add `{} = \"<column naming the person>\"` under [procurements.assignees]", role.id)),
        );
    }
    out
}

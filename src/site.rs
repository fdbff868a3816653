//! The site model: every file a build produces ([`Output`]), where it goes, and how its bytes
//! are made from the [`Handbook`] and the [`Theme`].
//!
//! Anything shared by many pages (navigation, phase and level names, guidance links per role
//! and phase) is computed once in [`Site::new`]; each page's context is small and typed. Nothing
//! here touches the disk: writing is `output.rs`'s job.

mod blocks;
mod export;
mod memo;
mod pages;
mod project;
mod rows;

pub use rows::RowCache;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::guidance::Page;
use crate::handbook::Handbook;
use crate::output::{Content, Sink};
use crate::theme::{RenderError, Theme};

/// One file of the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Output {
    Index,
    Guide(usize),
    Project(usize),
    RolesIndex,
    Role(usize),
    Resources,
    Feed,
    Search,
    SearchIndex,
    SearchProcurements,
    ProjectsJson,
    StakeholdersCsv,
    NotFound,
    Asset(usize),
}

/// How the site is built: for publishing, or for the live preview of `serve`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum BuildMode {
    #[default]
    Publish,
    /// Pages get a script that reloads them after each rebuild, from this address.
    Preview { reload_url: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct SiteInfo {
    pub title: String,
    pub description: String,
    pub language: String,
    pub authors: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NavItem {
    pub title: String,
    pub url: String,
    pub depth: usize,
}

/// A link to a page of the site: its title and its path from the site root.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Link {
    pub title: String,
    pub url: String,
    /// For guidance found by its tags: the page, whose `when` must hold where it is shown.
    #[serde(skip)]
    pub page: Option<usize>,
}

/// The handbook made ready for rendering.
pub struct Site<'a> {
    pub handbook: &'a Handbook,
    pub theme: &'a Theme,
    pub mode: BuildMode,
    info: SiteInfo,
    nav: Vec<NavItem>,
    /// The first guidance page, or the home page when there is none.
    guide_home: String,
    /// Per role: its guidance page and the pages tagged with it.
    role_guidance: Vec<Vec<Link>>,
    /// Per phase: the pages tagged with it.
    phase_guidance: Vec<Vec<Link>>,
    /// Roles whose involvement brings the public participation resources onto a page.
    participation_roles: Vec<usize>,
    /// Matrix cells, rendered once: `[not involved, level 0, level 0 + sign-off, level 1, …]`.
    cells: Vec<String>,
    /// Why each rule involves its role, rendered once per rule.
    whys: Vec<String>,
    /// The rules' ids as stakeholders.csv fields.
    csv_ids: export::CsvIds,
    /// The order of the fields and roles in projects.json.
    json_order: export::JsonOrder,
    /// The parts of project pages that many procurements share, rendered once per distinct key.
    project_parts: project::Parts<'a>,
    /// Every page's head links, header and footer, rendered once per place in the site.
    shells: pages::Shells,
    /// Each procurement's part of the outputs that gather them all, made on first use.
    rows: std::sync::OnceLock<Result<Vec<std::sync::Arc<rows::RowFragments>>, String>>,
    /// Where watch mode keeps those parts between rebuilds.
    cache: Option<&'a RowCache>,
}

impl<'a> Site<'a> {
    pub fn new(
        handbook: &'a Handbook,
        theme: &'a Theme,
        mode: BuildMode,
    ) -> Result<Self, RenderError> {
        let book = &handbook.config.config.book;
        let info = SiteInfo {
            title: book.title.clone(),
            description: book.description.clone(),
            language: book.language.clone(),
            authors: book.authors.clone(),
        };
        let published: Vec<(usize, &Page)> = handbook
            .guidance
            .pages
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.draft && !p.is_intro())
            .collect();
        let nav = published
            .iter()
            .map(|(_, p)| NavItem {
                title: p.title.clone(),
                url: p.url.clone(),
                depth: p.source.matches('/').count(),
            })
            .collect();
        let guide_home = published
            .first()
            .map_or_else(|| "index.html".to_string(), |(_, p)| p.url.clone());
        let rules = &handbook.rules;
        // A page found by its tags keeps its index: its `when` decides, per procurement.
        let link = |i: usize, p: &Page| Link {
            title: p.title.clone(),
            url: p.url.clone(),
            page: Some(i),
        };
        let role_guidance = rules
            .roles
            .iter()
            .map(|role| {
                let mut links: Vec<Link> = role
                    .guidance
                    .iter()
                    .filter_map(|g| guidance_link(handbook, &g.target))
                    .collect();
                for &(i, p) in &published {
                    if p.roles.iter().any(|t| t.id == role.id)
                        && !links
                            .iter()
                            .any(|l| l.url.split('#').next() == Some(&p.url))
                    {
                        links.push(link(i, p));
                    }
                }
                links
            })
            .collect();
        let phase_guidance = rules
            .phases
            .iter()
            .map(|phase| {
                published
                    .iter()
                    .filter(|(_, p)| p.phases.iter().any(|t| t.id == phase.id))
                    .map(|&(i, p)| link(i, p))
                    .collect()
            })
            .collect();
        let participation_roles = rules
            .roles
            .iter()
            .enumerate()
            .filter(|(_, r)| r.participation)
            .map(|(i, _)| i)
            .collect();
        let (cells, whys) = project::fragments(handbook, theme)?;
        Ok(Site {
            handbook,
            theme,
            mode,
            info,
            nav,
            guide_home,
            role_guidance,
            phase_guidance,
            participation_roles,
            cells,
            whys,
            csv_ids: export::CsvIds::new(&handbook.rules),
            json_order: export::JsonOrder::new(handbook),
            project_parts: project::Parts::default(),
            shells: pages::Shells::default(),
            rows: std::sync::OnceLock::new(),
            cache: None,
        })
    }

    /// Keeps procurements' fragments in `cache` between rebuilds (watch mode).
    pub fn with_cache(mut self, cache: &'a RowCache) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Each procurement's fragments, in row order.
    fn rows(&self) -> Result<&[std::sync::Arc<rows::RowFragments>], RenderError> {
        let made = self
            .rows
            .get_or_init(|| rows::fragments(self, self.cache).map_err(|e| e.to_string()));
        match made {
            Ok(rows) => Ok(rows),
            Err(message) => Err(RenderError {
                template: "partials".into(),
                message: message.clone(),
            }),
        }
    }

    /// A hash of everything many pages share: when it is unchanged, a change can only have
    /// touched the pages of the changed guidance and procurements (see `watch.rs`).
    pub fn fingerprint(&self) -> u64 {
        #[derive(Serialize)]
        struct Shared<'s> {
            info: &'s SiteInfo,
            nav: &'s [NavItem],
            guide_home: &'s str,
            role_guidance: &'s [Vec<Link>],
            rule_guidance: Vec<Option<Link>>,
            phase_guidance: &'s [Vec<Link>],
            participation_roles: &'s [usize],
            fields: Vec<(&'s str, &'s str, &'s str, bool)>,
            index_columns: &'s [usize],
            facets: &'s [usize],
            title_stage: [Option<usize>; 2],
            assignees: &'s [(String, usize)],
            pages: Vec<(&'s str, &'s str, &'s str, bool, Option<&'s toml::Value>)>,
            base_url: &'s str,
        }
        let h = self.handbook;
        let schema = &h.procurements.schema;
        crate::watch::fingerprint(&Shared {
            info: &self.info,
            nav: &self.nav,
            guide_home: &self.guide_home,
            role_guidance: &self.role_guidance,
            // Projects and roles link to their rules' guidance, titled by its page and heading.
            rule_guidance: h
                .rules
                .rules
                .iter()
                .map(|r| {
                    r.guidance
                        .as_ref()
                        .and_then(|g| self.guidance_link(&g.target))
                })
                .collect(),
            phase_guidance: &self.phase_guidance,
            participation_roles: &self.participation_roles,
            fields: schema
                .fields
                .iter()
                .map(|f| (f.name.as_str(), f.label.as_str(), f.kind.name(), f.hidden))
                .collect(),
            index_columns: &schema.index_columns,
            facets: &schema.facets,
            title_stage: [schema.title, schema.stage],
            assignees: &schema.assignees,
            pages: h
                .guidance
                .pages
                .iter()
                .map(|p| {
                    (
                        p.url.as_str(),
                        p.title.as_str(),
                        p.description.as_str(),
                        p.draft,
                        p.when.as_ref().map(|w| &w.0),
                    )
                })
                .collect(),
            base_url: &h.config.config.build.base_url,
        })
    }

    /// A link to the guidance a roles.toml `guidance = "page.md#anchor"` points to.
    pub fn guidance_link(&self, target: &str) -> Option<Link> {
        guidance_link(self.handbook, target)
    }

    /// Whether a guidance link applies to procurement `row` (its page's `when`, if any, holds).
    pub fn applies(&self, link: &Link, row: usize) -> bool {
        let h = self.handbook;
        match link.page.and_then(|i| h.guidance_when.get(i)) {
            Some(Some(when)) => when.holds(&h.procurements.rows[row]),
            _ => true,
        }
    }

    /// Every file of the site, in a fixed order: the large pages that gather everything first,
    /// so that on several cores they start early and the many small pages fill in around them.
    pub fn outputs(&self) -> Vec<Output> {
        let h = self.handbook;
        let mut out = vec![
            Output::SearchProcurements,
            Output::SearchIndex,
            Output::ProjectsJson,
            Output::StakeholdersCsv,
            Output::Index,
        ];
        out.extend((0..h.rules.roles.len()).map(Output::Role));
        out.extend([
            Output::RolesIndex,
            Output::Resources,
            Output::Feed,
            Output::Search,
            Output::NotFound,
        ]);
        out.extend(
            (0..h.guidance.pages.len())
                .filter(|&i| self.is_published(i))
                .map(Output::Guide),
        );
        out.extend((0..h.procurements.rows.len()).map(Output::Project));
        out.extend((0..self.theme.assets.len()).map(Output::Asset));
        out
    }

    fn is_published(&self, guide: usize) -> bool {
        let p = &self.handbook.guidance.pages[guide];
        !p.draft && !p.is_intro()
    }

    /// Where `output` goes, relative to the output folder, with `/` separators.
    pub fn path(&self, output: Output) -> String {
        let h = self.handbook;
        match output {
            Output::Index => "index.html".into(),
            Output::Guide(i) => h.guidance.pages[i].url.clone(),
            Output::Project(i) => format!("projects/{}.html", h.procurements.rows[i].slug),
            Output::RolesIndex => "roles/index.html".into(),
            Output::Role(i) => format!("roles/{}.html", h.rules.roles[i].id),
            Output::Resources => "resources.html".into(),
            Output::Feed => "resources.xml".into(),
            Output::Search => "search.html".into(),
            Output::SearchIndex => "search-index.js".into(),
            Output::SearchProcurements => "search-procurements.js".into(),
            Output::ProjectsJson => "projects.json".into(),
            Output::StakeholdersCsv => "stakeholders.csv".into(),
            Output::NotFound => "404.html".into(),
            Output::Asset(i) => format!("assets/{}", self.theme.assets[i].0),
        }
    }

    /// The bytes of `output`, in memory.
    pub fn render(&self, output: Output) -> Result<Content, RenderError> {
        let mut content = Content::default();
        self.write(output, &mut content)?;
        Ok(content)
    }

    /// Makes the bytes of `output` into `sink`, part by part: the outputs that gather every
    /// procurement are made and passed on a chunk of procurements at a time.
    pub fn write(&self, output: Output, sink: &mut dyn Sink) -> Result<(), RenderError> {
        let page = match output {
            Output::Index => return self.spliced(pages::index(self)?, sink),
            Output::Role(i) => return self.spliced(pages::role(self, i)?, sink),
            Output::SearchProcurements => return export::search_procurements(self, sink),
            Output::ProjectsJson => return export::projects_json(self, sink),
            Output::StakeholdersCsv => return export::stakeholders_csv(self, sink),
            Output::Feed => {
                sink.bytes(export::feed(self)?.into_bytes());
                return Ok(());
            }
            Output::SearchIndex => {
                sink.bytes(export::search_index(self));
                return Ok(());
            }
            Output::Asset(i) => {
                sink.bytes(self.theme.assets[i].1.clone());
                return Ok(());
            }
            Output::Guide(i) => pages::guide(self, i)?,
            Output::Project(i) => project::project(self, i)?,
            Output::RolesIndex => pages::roles(self)?,
            Output::Resources => pages::resources(self)?,
            Output::Search => pages::search(self)?,
            Output::NotFound => pages::not_found(self)?,
        };
        sink.bytes(self.finish_html(page).into_bytes());
        Ok(())
    }

    /// A page with blocks spliced in, then its tail.
    fn spliced<B: blocks::Block>(
        &self,
        page: blocks::Html<B>,
        sink: &mut dyn Sink,
    ) -> Result<(), RenderError> {
        page.write(sink)?;
        sink.bytes(self.finish_html(page.tail).into_bytes());
        Ok(())
    }

    /// In preview mode, pages get the live-reload script before `</body>`.
    fn finish_html(&self, html: String) -> String {
        match &self.mode {
            BuildMode::Publish => html,
            BuildMode::Preview { reload_url } => {
                let script = format!("<script src=\"{reload_url}\"></script>\n</body>");
                match html.rfind("</body>") {
                    Some(i) => format!("{}{}{}", &html[..i], script, &html[i + "</body>".len()..]),
                    None => html + &script,
                }
            }
        }
    }

    /// The prefix that leads from the page at `path` back to the site root (`../../`).
    fn root(path: &str) -> String {
        "../".repeat(path.matches('/').count())
    }

    fn counts_by<K: Ord>(&self, key: impl Fn(usize) -> K) -> BTreeMap<K, usize> {
        let mut counts = BTreeMap::new();
        for i in 0..self.handbook.procurements.rows.len() {
            *counts.entry(key(i)).or_default() += 1;
        }
        counts
    }
}

/// The link for a `page.md#anchor` reference: titled by the page, and by the heading when it
/// points to one. `None` for drafts and references that do not resolve (check reports those).
fn guidance_link(handbook: &Handbook, target: &str) -> Option<Link> {
    let (page, fragment) = handbook.guidance.resolve("", target).ok()??;
    if page.draft {
        return None;
    }
    Some(match fragment {
        Some(f) => {
            let heading = page.headings.iter().find(|h| h.id == f);
            let title = match heading {
                Some(h) if h.level > 1 => format!("{}: {}", page.title, h.text),
                _ => page.title.clone(),
            };
            Link {
                title,
                url: format!("{}#{f}", page.url),
                page: None,
            }
        }
        None => Link {
            title: page.title.clone(),
            url: page.url.clone(),
            page: None,
        },
    })
}

//! A tree of the folders that parameter paths make (`/app/db/host` lives
//! in `/app/db`, which lives in `/app`), with expand and collapse.

use std::collections::BTreeSet;

/// The root of every tree: all parameters.
pub const ROOT: &str = "/";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathTree {
    /// Every folder, sorted, the root first.
    folders: Vec<String>,
    expanded: BTreeSet<String>,
    /// The selected folder.
    pub selected: String,
}

impl Default for PathTree {
    fn default() -> Self {
        Self {
            folders: vec![ROOT.to_owned()],
            expanded: BTreeSet::from([ROOT.to_owned()]),
            selected: ROOT.to_owned(),
        }
    }
}

/// One visible row: depth, folder path, and whether it has children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeRow<'t> {
    pub depth: usize,
    pub path: &'t str,
    pub has_children: bool,
    pub expanded: bool,
}

fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => ROOT,
        Some(i) => &path[..i],
    }
}

impl PathTree {
    /// Rebuilds the folders from parameter names, keeping what was open.
    pub fn rebuild<'n>(&mut self, names: impl Iterator<Item = &'n str>) {
        let mut folders = BTreeSet::from([ROOT.to_owned()]);
        for name in names.filter(|n| n.starts_with('/')) {
            let mut folder = parent(name);
            while folder != ROOT && folders.insert(folder.to_owned()) {
                folder = parent(folder);
            }
        }
        self.folders = folders.into_iter().collect();
        if !self.folders.contains(&self.selected) {
            self.selected = ROOT.to_owned();
        }
    }

    fn has_children(&self, path: &str) -> bool {
        self.folders.iter().any(|f| f != path && parent(f) == path)
    }

    /// The rows shown: children of expanded folders, depth first.
    pub fn rows(&self) -> Vec<TreeRow<'_>> {
        let mut out = Vec::new();
        self.walk(ROOT, 0, &mut out);
        out
    }

    fn walk<'t>(&'t self, path: &str, depth: usize, out: &mut Vec<TreeRow<'t>>) {
        let Some(folder) = self.folders.iter().find(|f| *f == path) else {
            return;
        };
        let expanded = self.expanded.contains(path);
        out.push(TreeRow {
            depth,
            path: folder,
            has_children: self.has_children(path),
            expanded,
        });
        if expanded {
            for child in self
                .folders
                .iter()
                .filter(|f| *f != path && parent(f) == path)
            {
                self.walk(child, depth + 1, out);
            }
        }
    }

    pub fn move_by(&mut self, delta: isize) {
        let rows = self.rows();
        let at = rows
            .iter()
            .position(|r| r.path == self.selected)
            .unwrap_or(0);
        let next = at
            .saturating_add_signed(delta)
            .min(rows.len().saturating_sub(1));
        self.selected = rows[next].path.to_owned();
    }

    /// Opens the selected folder, or closes it if it is open.
    pub fn toggle(&mut self) {
        if !self.expanded.remove(&self.selected) {
            self.expanded.insert(self.selected.clone());
        }
    }

    /// Whether a parameter called `name` is under the selected folder.
    pub fn contains(&self, name: &str) -> bool {
        self.selected == ROOT
            || name
                .strip_prefix(self.selected.as_str())
                .is_some_and(|r| r.starts_with('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> PathTree {
        let mut t = PathTree::default();
        t.rebuild(
            [
                "/app/db/host",
                "/app/db/pass",
                "/app/web/url",
                "/ops/key",
                "flat",
            ]
            .into_iter(),
        );
        t
    }

    #[test]
    fn folders_come_from_paths_and_open_one_level_at_a_time() {
        let mut t = tree();
        let shown: Vec<_> = t.rows().iter().map(|r| r.path.to_owned()).collect();
        assert_eq!(shown, ["/", "/app", "/ops"]);
        t.move_by(1);
        assert_eq!(t.selected, "/app");
        t.toggle();
        let shown: Vec<_> = t
            .rows()
            .iter()
            .map(|r| (r.depth, r.path.to_owned()))
            .collect();
        assert_eq!(
            shown,
            [
                (0, "/".into()),
                (1, "/app".into()),
                (2, "/app/db".into()),
                (2, "/app/web".into()),
                (1, "/ops".into())
            ]
        );
        t.toggle();
        assert_eq!(t.rows().len(), 3, "closing hides the children again");
    }

    #[test]
    fn a_folder_holds_what_is_under_it() {
        let mut t = tree();
        t.selected = "/app/db".into();
        assert!(t.contains("/app/db/host"));
        assert!(!t.contains("/app/dbx/host"));
        assert!(!t.contains("/app/web/url"));
        t.selected = ROOT.into();
        assert!(t.contains("flat"));
    }

    #[test]
    fn a_vanished_folder_gives_way_to_the_root() {
        let mut t = tree();
        t.selected = "/ops".into();
        t.rebuild(["/app/x"].into_iter());
        assert_eq!(t.selected, "/");
    }
}

//! The workspace's layout rules, checked on its sources (no build of anything but this test):
//!
//! - **Crates depend downwards only.** Every workspace crate has a layer ([`LAYERS`]); each of
//!   its dependencies on another workspace crate (normal, dev or build) points to a lower layer,
//!   so the arrows run cli → (node, indexer, devnet) → sdk → encoder and nothing depends on the
//!   CLI. A new crate fails here until it is given a layer.
//! - **No import circles between files.** Within each crate, file A depends on file B when A
//!   names a path `crate::…` or `super::…` that resolves into B's module; the files of a crate
//!   must form no circle (A → B → … → A). Paths inside `#[cfg(test)] mod` blocks are left out:
//!   a unit test may use anything of its crate.
//!
//! Run alone: `cargo test -p floe-move-check --test architecture` (well under a second).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layer of every workspace crate, by its path: a crate may depend only on crates of a
/// lower layer. The devnet's Floe rules live in the devnet crate, on top of its chain core
/// (see the file rule); storage nodes, the indexer and the key server use the devnet only in
/// their tests (dev-dependencies), which the layers allow.
const LAYERS: &[(&str, u8)] = &[
    ("encoder", 0),
    ("crypto", 0),
    ("problem", 0),
    ("compute", 0),
    ("move/check", 0),
    ("sdk", 1),
    ("devnet", 2),
    ("node", 3),
    ("indexer", 3),
    ("keyserver", 3),
    ("gateway", 4),
    ("cli", 5),
];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read_toml(path: &Path) -> toml::Table {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.parse()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The workspace members, as written in the root `Cargo.toml`.
fn members() -> Vec<String> {
    let root = read_toml(&workspace_root().join("Cargo.toml"));
    root["workspace"]["members"]
        .as_array()
        .expect("workspace.members")
        .iter()
        .map(|m| m.as_str().expect("a path").to_owned())
        .collect()
}

/// The workspace crates `member` depends on (any kind of dependency), by member path, with the
/// section that names each.
fn workspace_dependencies(member: &str) -> Vec<(String, String)> {
    let dir = workspace_root().join(member);
    let manifest = read_toml(&dir.join("Cargo.toml"));
    let root_deps = read_toml(&workspace_root().join("Cargo.toml"))["workspace"]
        .get("dependencies")
        .and_then(|d| d.as_table())
        .cloned()
        .unwrap_or_default();
    let mut out = Vec::new();
    for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
        let Some(deps) = manifest.get(section).and_then(|d| d.as_table()) else {
            continue;
        };
        for (name, spec) in deps {
            // `x.workspace = true` takes its path from the root's [workspace.dependencies].
            let path = match spec.get("path").and_then(|p| p.as_str()) {
                Some(path) => Some(dir.join(path)),
                None if spec.get("workspace").and_then(|w| w.as_bool()) == Some(true) => root_deps
                    .get(name)
                    .and_then(|d| d.get("path"))
                    .and_then(|p| p.as_str())
                    .map(|p| workspace_root().join(p)),
                None => None,
            };
            let Some(path) = path else { continue };
            let path = path.canonicalize().unwrap();
            let member = members()
                .into_iter()
                .find(|m| workspace_root().join(m).canonicalize().unwrap() == path)
                .unwrap_or_else(|| panic!("{member}: {name} is a path outside the workspace"));
            out.push((member, section.to_owned()));
        }
    }
    out
}

#[test]
fn crates_depend_downwards_only() {
    let layer = |member: &str| {
        LAYERS
            .iter()
            .find(|(m, _)| *m == member)
            .map(|(_, l)| *l)
            .unwrap_or_else(|| {
                panic!("workspace member {member} has no layer: add it to LAYERS in this test")
            })
    };
    let mut problems = Vec::new();
    let mut arrows = 0;
    for member in members() {
        for (dependency, section) in workspace_dependencies(&member) {
            arrows += 1;
            if layer(&dependency) >= layer(&member) {
                problems.push(format!(
                    "{member} (layer {}) → {dependency} (layer {}) in [{section}]: crates depend \
                     on lower layers only",
                    layer(&member),
                    layer(&dependency)
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(arrows >= 20, "only {arrows} workspace dependencies found");
}

// === Files ===

/// Module path of each `.rs` file under `src` (`[]` for the crate root), with its text.
fn modules(src: &Path) -> BTreeMap<Vec<String>, (PathBuf, String)> {
    let mut out = BTreeMap::new();
    let has_lib = src.join("lib.rs").exists();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                // `src/bin/*` are crates of their own.
                if path != src.join("bin") {
                    stack.push(path);
                }
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).unwrap().with_extension("");
            let mut parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            match parts.last().map(String::as_str) {
                // With a library beside it, `main.rs` is another crate that uses it by name.
                Some("main") if parts.len() == 1 && has_lib => continue,
                Some("lib" | "main") if parts.len() == 1 => parts.clear(),
                Some("mod") => {
                    parts.pop();
                }
                _ => {}
            }
            let text = std::fs::read_to_string(&path).unwrap();
            out.insert(parts, (path, text));
        }
    }
    out
}

/// `text` without `//` comments and without the `#[cfg(test)] mod …` blocks.
fn code(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim() == "#[cfg(test)]"
            && lines
                .peek()
                .is_some_and(|next| next.trim_start().starts_with("mod "))
        {
            // Skip to the end of the block: the line closing it at the same indentation.
            let indent = line.len() - line.trim_start().len();
            let head = lines.next().expect("peeked");
            if !head.trim_end().ends_with(';') {
                for inner in lines.by_ref() {
                    if inner.trim_end() == format!("{}}}", " ".repeat(indent)) {
                        break;
                    }
                }
            }
            continue;
        }
        out.push_str(line.split("//").next().unwrap_or(""));
        out.push('\n');
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The paths of a use tree starting at `text` (just after `crate::` or `super::`):
/// `a::b::C` gives `[a, b, C]`, `a::{b, c::d}` gives `[a, b]` and `[a, c, d]`.
fn use_tree(text: &str) -> Vec<Vec<String>> {
    let text = text.trim_start();
    if let Some(group) = text.strip_prefix('{') {
        let mut depth = 0;
        let mut end = group.len();
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    end = i;
                    break;
                }
                '}' => depth -= 1,
                _ => {}
            }
        }
        let inner = &group[..end];
        let mut items = Vec::new();
        let (mut depth, mut start) = (0, 0);
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    items.push(&inner[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        items.push(&inner[start..]);
        return items
            .into_iter()
            .filter(|i| !i.trim().is_empty())
            .flat_map(use_tree)
            .collect();
    }
    let name: String = text.chars().take_while(|c| is_ident(*c)).collect();
    if name.is_empty() {
        return vec![Vec::new()];
    }
    let rest = &text[name.len()..];
    match rest.strip_prefix("::") {
        Some(rest) => use_tree(rest)
            .into_iter()
            .map(|mut path| {
                path.insert(0, name.clone());
                path
            })
            .collect(),
        None => vec![vec![name]],
    }
}

/// The module paths file `module` names: `crate::…` as is, `super::…` from its parent.
fn named_paths(module: &[String], text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices("crate::") {
        if text[..at].ends_with(|c: char| is_ident(c)) {
            continue;
        }
        out.extend(use_tree(&text[at + "crate::".len()..]));
    }
    for (at, _) in text.match_indices("super::") {
        let before = &text[..at];
        if before.ends_with(|c: char| is_ident(c)) || before.ends_with("super::") {
            continue;
        }
        let mut rest = &text[at..];
        let mut base = module.to_vec();
        while let Some(after) = rest.strip_prefix("super::") {
            base.pop();
            rest = after;
        }
        out.extend(use_tree(rest).into_iter().map(|path| {
            let mut full = base.clone();
            full.extend(path);
            full
        }));
    }
    out
}

/// File → the files it depends on, within one crate.
fn file_graph(src: &Path) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let modules = modules(src);
    let mut graph = BTreeMap::new();
    for (module, (_, text)) in &modules {
        let mut targets = BTreeSet::new();
        for mut path in named_paths(module, &code(text)) {
            while !path.is_empty() && !modules.contains_key(&path) {
                path.pop();
            }
            if &path != module && modules.contains_key(&path) {
                targets.insert(path);
            }
        }
        graph.insert(module.clone(), targets);
    }
    graph
}

/// The circles of `graph`: its strongly connected components of more than one file (Tarjan).
fn circles(graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<Vec<String>>> {
    struct State<'a> {
        graph: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        out: Vec<Vec<Vec<String>>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a Vec<String>) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        for w in &s.graph[v] {
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.stack.contains(&w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                component.push(w.clone());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.out.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !state.index.contains_key(v) {
            visit(&mut state, v);
        }
    }
    state.out
}

fn module_name(module: &[String]) -> String {
    if module.is_empty() {
        "crate root".to_owned()
    } else {
        module.join("::")
    }
}

#[test]
fn no_import_circles_between_files() {
    let mut problems = Vec::new();
    let mut edges = 0;
    for member in members() {
        let src = workspace_root().join(&member).join("src");
        let graph = file_graph(&src);
        edges += graph.values().map(BTreeSet::len).sum::<usize>();
        for circle in circles(&graph) {
            let files: Vec<String> = circle.iter().map(|m| module_name(m)).collect();
            let arrows: Vec<String> = circle
                .iter()
                .flat_map(|a| {
                    graph[a]
                        .iter()
                        .filter(|b| circle.contains(b))
                        .map(move |b| format!("{} → {}", module_name(a), module_name(b)))
                })
                .collect();
            problems.push(format!(
                "{member}: {} import each other ({})",
                files.join(", "),
                arrows.join("; ")
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The scan must see the crates' paths; the workspace has far more than this.
    assert!(edges > 300, "only {edges} file dependencies found");
    eprintln!("{edges} file dependencies, no circle");
}

/// Files of the devnet's chain core that name its Floe layer (`crate::floe`), and why. The
/// layers run one way: `devnet/src/floe/*` uses the core; the core does not use Floe.
const DEVNET_CORE_NAMING_FLOE: &[(&str, &str)] = &[
    (
        "config",
        "composes a run: Floe's genesis settings are part of it",
    ),
    (
        "move_model",
        "loads move/floe/sources as the package at floe::PACKAGE_ID",
    ),
];

/// The devnet in two layers: the chain core (every module outside `floe`) does not depend on
/// the Floe rules (`floe::…`), but for the files listed in [`DEVNET_CORE_NAMING_FLOE`].
#[test]
fn the_devnet_core_does_not_use_its_floe_layer() {
    let graph = file_graph(&workspace_root().join("devnet/src"));
    let floe = |m: &Vec<String>| m.first().is_some_and(|f| f == "floe");
    let mut problems = Vec::new();
    for (module, targets) in &graph {
        if floe(module) || module.is_empty() {
            continue;
        }
        let name = module_name(module);
        let allowed = DEVNET_CORE_NAMING_FLOE.iter().any(|(m, _)| *m == name);
        let uses: Vec<String> = targets
            .iter()
            .filter(|t| floe(t))
            .map(|t| module_name(t))
            .collect();
        if !uses.is_empty() && !allowed {
            problems.push(format!(
                "devnet core {name} uses the Floe layer: {}",
                uses.join(", ")
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The Floe layer does use the core (its handlers run on `runtime`).
    assert!(
        graph
            .iter()
            .any(|(m, t)| floe(m) && t.iter().any(|t| t.first().is_some_and(|f| f == "runtime"))),
        "the scan sees devnet/src/floe"
    );
}

#[test]
fn the_scan_resolves_paths_and_finds_a_circle() {
    let module = vec!["floe".to_owned(), "license".to_owned()];
    let text = code(
        "use crate::{runtime::CallContext, floe::args::{Obj, Clock}};\n\
         use super::wal; // crate::ignored\nfn f() { $crate::x::y(); super::super::z(); }\n\
         #[cfg(test)]\nmod tests {\n    use crate::tested;\n}\n",
    );
    let mut paths = named_paths(&module, &text);
    paths.sort();
    let strings: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        strings,
        [
            "floe::args::Clock",
            "floe::args::Obj",
            "floe::wal",
            "runtime::CallContext",
            "x::y",
            "z"
        ]
    );
    let key = |s: &str| -> Vec<String> {
        s.split("::")
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let mut graph = BTreeMap::new();
    graph.insert(key("a"), BTreeSet::from([key("b")]));
    graph.insert(key("b"), BTreeSet::from([key("c")]));
    graph.insert(key("c"), BTreeSet::from([key("a")]));
    graph.insert(key("d"), BTreeSet::from([key("a")]));
    assert_eq!(circles(&graph), [vec![key("a"), key("b"), key("c")]]);
}

//! A small reader of `move/floe/sources/*.move`, for tests that check the sdk's tables
//! (call builders, abort codes) against the Move package itself, so the two cannot drift.

use std::path::PathBuf;

/// One Move source file: its module name and text with `//` comments removed.
pub struct MoveModule {
    pub name: String,
    pub text: String,
}

/// A function a transaction can call: `public fun` or `entry fun`, not `#[test_only]`.
#[derive(Debug)]
pub struct MoveFunction {
    pub module: String,
    pub name: String,
    /// `(name, type)` in order, whitespace collapsed.
    pub params: Vec<(String, String)>,
    /// The return type, empty for none.
    pub returns: String,
}

/// `(name, code)` of every `const E…: u64 = N;` line.
pub fn abort_constants(module: &MoveModule) -> Vec<(String, u64)> {
    module
        .text
        .lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("const E")?;
            let (name, rest) = rest.split_once(':')?;
            let value = rest.split_once('=')?.1.trim().trim_end_matches(';').trim();
            let value = value.replace('_', "");
            Some((format!("E{}", name.trim()), value.parse().ok()?))
        })
        .collect()
}

pub fn modules() -> Vec<MoveModule> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../move/floe/sources");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("move/floe/sources is readable")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "move"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let raw = std::fs::read_to_string(&path).expect("Move source is readable");
            let text: String = raw
                .lines()
                .map(|l| l.split_once("//").map_or(l, |(code, _)| code))
                .collect::<Vec<_>>()
                .join("\n");
            let name = text
                .split("module floe::")
                .nth(1)
                .and_then(|rest| {
                    rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                        .next()
                })
                .expect("a `module floe::name` header")
                .to_owned();
            MoveModule { name, text }
        })
        .collect()
}

/// Splits at commas outside `<…>`.
fn split_top(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    parts
        .into_iter()
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

pub fn callable_functions(module: &MoveModule) -> Vec<MoveFunction> {
    let text = &module.text;
    let mut out = Vec::new();
    let mut search = 0;
    while let Some(at) = text[search..].find("fun ") {
        let start = search + at;
        search = start + 4;
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let prefix = text[line_start..start].trim();
        if prefix != "public" && prefix != "entry" && prefix != "public entry" {
            continue;
        }
        let before = text[..line_start].trim_end();
        if before.ends_with("#[test_only]") {
            continue;
        }
        let open = start + text[start..].find('(').expect("parameter list");
        let close = open + text[open..].find(')').expect("end of parameters");
        let name = text[start + 4..open].trim().to_owned();
        let body = open + text[open..].find('{').expect("function body");
        let returns = text[close + 1..body]
            .trim()
            .trim_start_matches(':')
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let params = split_top(&text[open + 1..close])
            .into_iter()
            .map(|p| {
                let (n, t) = p.split_once(':').expect("name: type");
                (n.trim().to_owned(), t.trim().to_owned())
            })
            .collect();
        out.push(MoveFunction {
            module: module.name.clone(),
            name,
            params,
            returns,
        });
    }
    out
}

/// Whether a transaction can ever supply every argument of `function`: a parameter whose type
/// is a struct of the package without `key` (not an object) can only come from another
/// function returning it by value. `ModelVersion` (only ever behind `model::version`'s
/// reference) and `StakingPool` (only behind `system::pool`'s) cannot, so their accessors are
/// not transaction entry points.
pub fn reachable(function: &MoveFunction, modules: &[MoveModule]) -> bool {
    let plain_structs = non_object_structs(modules);
    let returned_by_value: Vec<String> = modules
        .iter()
        .flat_map(callable_functions)
        .filter(|f| !f.returns.starts_with('&'))
        .flat_map(|f| {
            f.returns
                .trim_matches(|c| c == '(' || c == ')')
                .split(',')
                .map(|t| base_type(t).to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    function.params.iter().all(|(_, ty)| {
        let base = base_type(ty);
        !plain_structs.iter().any(|s| s == base) || returned_by_value.iter().any(|r| r == base)
    })
}

/// `Foo` of `&mut Foo`, `&Foo`, `Foo<T>` or `module::Foo`.
fn base_type(ty: &str) -> &str {
    let ty = ty
        .trim()
        .trim_start_matches('&')
        .trim_start_matches("mut ")
        .trim();
    let ty = ty.split('<').next().unwrap_or(ty);
    ty.rsplit("::").next().unwrap_or(ty).trim()
}

/// Objects that never exist on their own: a `StakingPool` has `key` but lives only as a value
/// in `System.pools`, so no transaction can pass one.
const NEVER_STANDALONE: [&str; 1] = ["StakingPool"];

/// Names of the package's structs that a transaction cannot pass as an input: those without
/// the `key` ability, and [`NEVER_STANDALONE`].
fn non_object_structs(modules: &[MoveModule]) -> Vec<String> {
    modules
        .iter()
        .flat_map(|m| m.text.lines())
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("public struct ")?;
            let (name, abilities) = rest.split_once(" has ").unwrap_or((rest, ""));
            let name = name.split(['<', ' ', '{']).next()?.to_owned();
            (!abilities.contains("key") || NEVER_STANDALONE.contains(&name.as_str()))
                .then_some(name)
        })
        .collect()
}

//! Checks of the `floe` Move package that run without a Move compiler.
//!
//! No Move toolchain can be installed where CI runs, so the package is compiled elsewhere. These
//! checks catch, early and in CI, what breaks most often when Move is written blind: item-level
//! syntax (every `.move` file must parse with `move-syn`), modules that are named but do not
//! exist, and `expected_failure` abort codes that name a constant the module does not define.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use move_syn::unsynn::{IParse as _, ToTokens as _};
use move_syn::{File, sanitize_for_tokenizer};
use regex::Regex;

/// A problem found in the Move sources.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("cannot read {0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("{0} does not parse: {1}")]
    Syntax(PathBuf, String),
    #[error("{file} refers to module floe::{module}, which no source file declares")]
    UnknownModule { file: PathBuf, module: String },
    #[error(
        "{file} expects abort code floe::{module}::{constant}, which that module does not define"
    )]
    UnknownAbortCode {
        file: PathBuf,
        module: String,
        constant: String,
    },
}

/// One parsed Move file.
#[derive(Debug)]
pub struct MoveFile {
    pub path: PathBuf,
    pub text: String,
}

/// Reads every `.move` file under `dir`, recursively, in a stable order.
pub fn read_move_files(dir: &Path) -> Result<Vec<MoveFile>, CheckError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = fs::read_dir(&dir).map_err(|e| CheckError::Io(dir.clone(), e))?;
        for entry in entries {
            let path = entry.map_err(|e| CheckError::Io(dir.clone(), e))?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|ext| ext == "move") {
                let text =
                    fs::read_to_string(&path).map_err(|e| CheckError::Io(path.clone(), e))?;
                out.push(MoveFile { path, text });
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Parses one file's items with `move-syn`.
pub fn parse(file: &MoveFile) -> Result<(), CheckError> {
    // Lex first: unbalanced delimiters are a lexer error, which the parser would panic on.
    let tokens: proc_macro2::TokenStream =
        sanitize_for_tokenizer(&file.text)
            .parse()
            .map_err(|e: proc_macro2::LexError| {
                CheckError::Syntax(
                    file.path.clone(),
                    format!("unbalanced or invalid tokens: {e}"),
                )
            })?;
    let _: File = tokens
        .to_token_iter()
        .parse_all()
        .map_err(|e| CheckError::Syntax(file.path.clone(), e.to_string()))?;
    Ok(())
}

/// Strips `//` comments so that prose does not count as references.
fn code_only(text: &str) -> String {
    text.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Module name → constants it declares, over all files.
fn declared(files: &[MoveFile]) -> BTreeMap<String, BTreeSet<String>> {
    let module = Regex::new(r"(?m)^\s*module\s+floe::(\w+)\s*[;{]").expect("valid regex");
    let constant = Regex::new(r"(?m)^\s*const\s+(\w+)\s*:").expect("valid regex");
    let mut out = BTreeMap::new();
    for file in files {
        let code = code_only(&file.text);
        if let Some(name) = module.captures(&code) {
            let constants = constant
                .captures_iter(&code)
                .map(|c| c[1].to_owned())
                .collect();
            out.insert(name[1].to_owned(), constants);
        }
    }
    out
}

/// Runs every check over the package at `package_dir` (the folder with `Move.toml`).
pub fn check_package(package_dir: &Path) -> Result<usize, Vec<CheckError>> {
    let files = read_move_files(package_dir).map_err(|e| vec![e])?;
    let mut errors: Vec<CheckError> = files.iter().filter_map(|f| parse(f).err()).collect();
    let modules = declared(&files);
    let reference = Regex::new(r"floe::(\w+)").expect("valid regex");
    let abort = Regex::new(r"abort_code\s*=\s*floe::(\w+)::(\w+)").expect("valid regex");
    for file in &files {
        let code = code_only(&file.text);
        let mut unknown = BTreeSet::new();
        for found in reference.captures_iter(&code) {
            if !modules.contains_key(&found[1]) {
                unknown.insert(found[1].to_owned());
            }
        }
        errors.extend(unknown.into_iter().map(|module| CheckError::UnknownModule {
            file: file.path.clone(),
            module,
        }));
        for found in abort.captures_iter(&code) {
            let (module, constant) = (&found[1], &found[2]);
            if modules.get(module).is_some_and(|c| !c.contains(constant)) {
                errors.push(CheckError::UnknownAbortCode {
                    file: file.path.clone(),
                    module: module.to_owned(),
                    constant: constant.to_owned(),
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(files.len())
    } else {
        Err(errors)
    }
}

// === Signatures: the sdk's generator reading of the package ===

/// The package as the generators read it (`sdk/build/package.rs`, the build's one `move-syn`
/// reading of `sources/`), so these checks see the signatures the sdk and the devnet are
/// generated from.
#[path = "../../../sdk/build/package.rs"]
pub mod package;

use package::{Function, Module, Reference};

/// A place where prose or a call site disagrees with a Move signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// Where: `README.md:<line>` or `sources/<file>.move: <function>`.
    pub at: String,
    pub problem: String,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.problem)
    }
}

/// The text of every `` `…` `` span of `cell`, in order.
fn code_spans(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

/// `name` of a span `name` or `name: Type`, if it starts with a Move identifier.
fn span_name(span: &str) -> Option<(&str, Option<&str>)> {
    let (name, ty) = match span.split_once(':') {
        Some((n, t)) if !t.starts_with(':') => (n.trim(), Some(t.trim())),
        _ => (span.trim(), None),
    };
    let identifier = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    identifier.then_some((name, ty))
}

/// A parameter's type as a README writes it: `&mut Coin<WAL>`, `u64`.
fn written_type(ty: &package::ParamType) -> String {
    let prefix = match ty.reference {
        Reference::None => "",
        Reference::Shared => "&",
        Reference::Mutable => "&mut ",
    };
    format!("{prefix}{}", ty.ty)
}

/// Checks the function tables of the package's README (`| function | arguments | objects | …`
/// under a `### <module>` heading) against the Move signatures: a row's function exists in
/// that module; every parameter but the `TxContext` is named in the arguments cell (`name` or
/// `name: Type`) or, for a reference, its type is listed in the objects cell (`&mut System`);
/// every `name: Type` of the arguments cell is a parameter of that type; every `&Type` of the
/// objects cell is a parameter's. `same` in the objects cell repeats the row above, and
/// `as above` in the arguments cell adds the row above's arguments.
/// Returns the mismatches and the number of rows checked against one function.
pub fn check_readme_tables(readme: &str, modules: &[Module]) -> (Vec<Mismatch>, usize) {
    let mut out = Vec::new();
    let mut checked = 0;
    let mut module: Option<&Module> = None;
    let mut function_table = false;
    let (mut previous_args, mut previous_objects) = (String::new(), String::new());
    for (n, line) in readme.lines().enumerate() {
        let at = format!("README.md:{}", n + 1);
        if let Some(heading) = line.strip_prefix("### ") {
            module = modules.iter().find(|m| m.name == heading.trim());
            continue;
        }
        if !line.starts_with('|') {
            function_table = false;
            continue;
        }
        if line.starts_with("| function | arguments | objects |") {
            function_table = true;
            continue;
        }
        let Some(module) = module.filter(|_| function_table) else {
            continue;
        };
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // `| f | arguments | objects | returns | aborts |` splits into 7 cells.
        if cells.len() < 5 || !cells[0].is_empty() {
            continue;
        }
        let first = cells[1];
        if !first.starts_with('`') {
            continue;
        }
        let mut args = cells[2].to_owned();
        if args.contains("as above") {
            args = format!("{args}, {previous_args}");
        }
        let objects = if cells[3].starts_with("same") {
            previous_objects.clone()
        } else {
            cells[3].to_owned()
        };
        previous_args = args.clone();
        previous_objects = objects.clone();
        // Rows listing several functions (`attribute`, `attribute_keys`) only name them.
        let names: Vec<&str> = code_spans(first.split(" (").next().unwrap_or(first));
        let functions: Vec<&Function> = names
            .iter()
            .filter_map(|name| {
                let found = module.functions.iter().find(|f| f.name == *name);
                if found.is_none() {
                    out.push(Mismatch {
                        at: at.clone(),
                        problem: format!("floe::{}::{name} does not exist", module.name),
                    });
                }
                found
            })
            .collect();
        let [function] = functions.as_slice() else {
            continue;
        };
        checked += 1;
        check_row(&at, module, function, &args, &objects, &mut out);
    }
    (out, checked)
}

fn check_row(
    at: &str,
    module: &Module,
    function: &Function,
    args: &str,
    objects: &str,
    out: &mut Vec<Mismatch>,
) {
    let name = format!("floe::{}::{}", module.name, function.name);
    let mut problem = |problem: String| {
        out.push(Mismatch {
            at: at.to_owned(),
            problem,
        })
    };
    let named: Vec<(&str, Option<&str>)> =
        code_spans(args).into_iter().filter_map(span_name).collect();
    let object_types: Vec<&str> = code_spans(objects)
        .into_iter()
        .filter_map(|s| s.strip_prefix('&'))
        .map(|s| s.strip_prefix("mut ").unwrap_or(s).trim())
        .collect();
    let params: Vec<&(String, package::ParamType)> = function
        .params
        .iter()
        .filter(|(_, t)| t.base() != "TxContext")
        .collect();
    for (param, ty) in &params {
        let by_name = named.iter().any(|(n, _)| n == param);
        let by_type = ty.reference != Reference::None && object_types.contains(&ty.ty.as_str());
        if !by_name && !by_type {
            problem(format!(
                "{name} takes `{param}: {}`, which the row does not list",
                written_type(ty)
            ));
        }
    }
    for (written, ty) in &named {
        let Some(ty) = ty else { continue };
        match params.iter().find(|(p, _)| p == written) {
            None => problem(format!("{name} has no parameter `{written}`")),
            Some((_, actual)) if written_type(actual) != *ty => problem(format!(
                "{name}'s `{written}` is a `{}`, the row says `{ty}`",
                written_type(actual)
            )),
            Some(_) => {}
        }
    }
    for ty in object_types {
        if !params
            .iter()
            .any(|(_, t)| t.reference != Reference::None && t.ty == ty)
        {
            problem(format!("{name} takes no `&{ty}`"));
        }
    }
}

// === Emit sites: arguments passed by name ===

/// The name an argument expression passes: its last identifier (`name`, `x.name`, `x.y.name`,
/// `x.name()`); `None` for anything else (a call with arguments, arithmetic, a literal).
fn argument_name(argument: &[proc_macro2::TokenTree]) -> Option<String> {
    use proc_macro2::TokenTree;
    let tokens = match argument {
        [rest @ .., TokenTree::Group(g)]
            if g.delimiter() == proc_macro2::Delimiter::Parenthesis && g.stream().is_empty() =>
        {
            rest
        }
        all => all,
    };
    let mut expect_ident = true;
    let mut last = None;
    for token in tokens {
        match token {
            TokenTree::Ident(i) if expect_ident => {
                last = Some(i.to_string());
                expect_ident = false;
            }
            TokenTree::Punct(p) if !expect_ident && p.as_char() == '.' => expect_ident = true,
            _ => return None,
        }
    }
    if expect_ident { None } else { last }
}

/// `tokens` split at top-level `,` punctuation.
fn split_arguments(tokens: proc_macro2::TokenStream) -> Vec<Vec<proc_macro2::TokenTree>> {
    let mut out = vec![Vec::new()];
    for token in tokens {
        match &token {
            proc_macro2::TokenTree::Punct(p) if p.as_char() == ',' => out.push(Vec::new()),
            _ => out.last_mut().expect("never empty").push(token),
        }
    }
    if out.last().is_some_and(Vec::is_empty) {
        out.pop();
    }
    out
}

/// Every `events::emit_<name>(…)` call of `tokens` (recursively): the emitter and its
/// arguments.
fn emit_calls(
    tokens: proc_macro2::TokenStream,
    out: &mut Vec<(String, Vec<Vec<proc_macro2::TokenTree>>)>,
) {
    use proc_macro2::TokenTree;
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, token) in tokens.iter().enumerate() {
        if let TokenTree::Group(g) = token {
            emit_calls(g.stream(), out);
        }
        let window = &tokens[i..(i + 5).min(tokens.len())];
        if let [
            TokenTree::Ident(module),
            TokenTree::Punct(c1),
            TokenTree::Punct(c2),
            TokenTree::Ident(function),
            TokenTree::Group(args),
        ] = window
            && module == "events"
            && c1.as_char() == ':'
            && c2.as_char() == ':'
            && function.to_string().starts_with("emit_")
            && args.delimiter() == proc_macro2::Delimiter::Parenthesis
        {
            out.push((function.to_string(), split_arguments(args.stream())));
        }
    }
}

/// Checks every `events::emit_*` call in `files` against the emitter's parameters in
/// `floe::events`: the argument count, and that no argument named like one of the emitter's
/// parameters sits in another parameter's place (`old_price, new_price` passed as
/// `new_price, old_price` compiles, since both are `u64`, and emits a wrong event). An argument
/// is named by its last identifier: `price`, `offer.price`, `ctx.sender()`. Returns the
/// mismatches and the number of calls checked.
pub fn check_emit_sites(files: &[MoveFile], modules: &[Module]) -> (Vec<Mismatch>, usize) {
    let Some(events) = modules.iter().find(|m| m.name == "events") else {
        return (Vec::new(), 0);
    };
    let mut out = Vec::new();
    let mut checked = 0;
    for file in files {
        let Ok(tokens) = sanitize_for_tokenizer(&file.text).parse::<proc_macro2::TokenStream>()
        else {
            continue; // `parse` reports it.
        };
        let mut calls = Vec::new();
        emit_calls(tokens, &mut calls);
        let at = file.path.display().to_string();
        for (emitter, arguments) in calls {
            let Some(function) = events.functions.iter().find(|f| f.name == emitter) else {
                out.push(Mismatch {
                    at: at.clone(),
                    problem: format!("events::{emitter} does not exist"),
                });
                continue;
            };
            checked += 1;
            let names: Vec<&str> = function.params.iter().map(|(n, _)| n.as_str()).collect();
            if arguments.len() != names.len() {
                out.push(Mismatch {
                    at: at.clone(),
                    problem: format!(
                        "events::{emitter} takes {} arguments ({}), a call passes {}",
                        names.len(),
                        names.join(", "),
                        arguments.len()
                    ),
                });
                continue;
            }
            let passed: Vec<Option<String>> = arguments.iter().map(|a| argument_name(a)).collect();
            for (i, name) in passed.iter().enumerate() {
                let Some(name) = name else { continue };
                // Flagged only when parameter `j`, named like this argument, does not get an
                // argument of its own name: `epoch, epoch` for `epoch, start_epoch` is a
                // value used twice, `new_price, old_price` for `old_price, new_price` a swap.
                if name != names[i]
                    && let Some(j) = names.iter().position(|n| n == name)
                    && passed[j].as_deref() != Some(names[j])
                {
                    out.push(Mismatch {
                        at: at.clone(),
                        problem: format!(
                            "events::{emitter}: argument {} is `{name}`, the name of parameter {} \
                             (`{}` is parameter {}): swapped?",
                            i + 1,
                            j + 1,
                            names[i],
                            i + 1
                        ),
                    });
                }
            }
        }
    }
    (out, checked)
}

// === Calls: argument counts ===

/// Every `module::function(…)` call of `tokens` (recursively, `module::function<T>(…)` too):
/// the module, the function and its arguments.
type Call = (String, String, Vec<Vec<proc_macro2::TokenTree>>);

fn module_calls(tokens: proc_macro2::TokenStream, out: &mut Vec<Call>) {
    use proc_macro2::{Delimiter, TokenTree};
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, token) in tokens.iter().enumerate() {
        if let TokenTree::Group(g) = token {
            module_calls(g.stream(), out);
        }
        let [
            TokenTree::Ident(module),
            TokenTree::Punct(c1),
            TokenTree::Punct(c2),
            TokenTree::Ident(function),
            rest @ ..,
        ] = &tokens[i..]
        else {
            continue;
        };
        if c1.as_char() != ':' || c2.as_char() != ':' {
            continue;
        }
        // Skip `<…>` type arguments, nested ones included.
        let mut at = 0;
        if matches!(rest.first(), Some(TokenTree::Punct(p)) if p.as_char() == '<') {
            let mut depth = 0;
            for (k, t) in rest.iter().enumerate() {
                match t {
                    TokenTree::Punct(p) if p.as_char() == '<' => depth += 1,
                    TokenTree::Punct(p) if p.as_char() == '>' => {
                        depth -= 1;
                        if depth == 0 {
                            at = k + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
        }
        if let Some(TokenTree::Group(args)) = rest.get(at)
            && args.delimiter() == Delimiter::Parenthesis
        {
            out.push((
                module.to_string(),
                function.to_string(),
                split_arguments(args.stream()),
            ));
        }
    }
}

/// Checks every call `module::function(…)` of a function of the package, in `files` (sources
/// and tests), against the function's parameters: as many arguments as it takes (`ctx`
/// included, as Move passes it). No Move compiler runs where CI does, so without this a
/// changed signature leaves its callers (Move tests especially) broken until someone builds
/// the package elsewhere. Method calls (`offer.purchase(…)`) are not checked: their receiver's
/// type is not known here. Returns the mismatches and the number of calls checked.
pub fn check_call_arity(files: &[MoveFile], modules: &[Module]) -> (Vec<Mismatch>, usize) {
    let mut out = Vec::new();
    let mut checked = 0;
    for file in files {
        let Ok(tokens) = sanitize_for_tokenizer(&file.text).parse::<proc_macro2::TokenStream>()
        else {
            continue; // `parse` reports it.
        };
        let mut calls = Vec::new();
        module_calls(tokens, &mut calls);
        for (module, name, arguments) in calls {
            let Some(function) = modules
                .iter()
                .find(|m| m.name == module)
                .and_then(|m| m.functions.iter().find(|f| f.name == name))
            else {
                continue;
            };
            checked += 1;
            if arguments.len() != function.params.len() {
                let names: Vec<&str> = function.params.iter().map(|(n, _)| n.as_str()).collect();
                out.push(Mismatch {
                    at: file.path.display().to_string(),
                    problem: format!(
                        "floe::{module}::{name} takes {} arguments ({}), a call passes {}",
                        names.len(),
                        names.join(", "),
                        arguments.len()
                    ),
                });
            }
        }
    }
    (out, checked)
}

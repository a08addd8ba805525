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

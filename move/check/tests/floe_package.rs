//! Runs the static checks over `move/floe`; CI fails when the package stops parsing.

use std::path::Path;

use floe_move_check::{CheckError, MoveFile, check_package, parse};

#[test]
fn floe_package_passes_static_checks() {
    let package = Path::new(env!("CARGO_MANIFEST_DIR")).join("../floe");
    match check_package(&package) {
        Ok(files) => assert!(
            files >= 10,
            "expected the whole package, found {files} files"
        ),
        Err(errors) => panic!(
            "the floe Move package has {} problem(s):\n{}",
            errors.len(),
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

#[test]
fn broken_syntax_is_caught() {
    let file = MoveFile {
        path: "broken.move".into(),
        text: "module floe::broken;\npublic struct S has key { id: UID\n".into(),
    };
    assert!(matches!(parse(&file), Err(CheckError::Syntax(..))));
    let fine = MoveFile {
        path: "fine.move".into(),
        text: "module floe::fine;\npublic struct S has key { id: UID }\n".into(),
    };
    parse(&fine).expect("valid module parses");
}

#[test]
fn unknown_modules_and_abort_codes_are_caught() {
    let dir = std::env::temp_dir().join(format!("floe-move-check-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sources")).expect("temp dir");
    std::fs::write(
        dir.join("sources/m.move"),
        "module floe::m;\nconst EKnown: u64 = 0;\npublic fun f() { abort EKnown }\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("sources/t.move"),
        "#[test_only]\nmodule floe::t;\n#[test, expected_failure(abort_code = floe::m::EMissing)]\n\
         fun a() { floe::m::f() }\n#[test]\nfun b() { floe::gone::f() }\n",
    )
    .expect("write");
    let errors = check_package(&dir).expect_err("two problems");
    std::fs::remove_dir_all(&dir).expect("clean up");
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 2, "{text:?}");
    assert!(
        text.iter().any(|e| e.contains("floe::m::EMissing")),
        "{text:?}"
    );
    assert!(text.iter().any(|e| e.contains("floe::gone")), "{text:?}");
}

fn floe_package() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../floe")
}

/// The function tables of `move/floe/README.md` name every parameter of every function they
/// list, with the Move types, so a changed signature cannot leave the table stale unnoticed.
#[test]
fn the_readme_tables_match_the_move_signatures() {
    let modules = floe_move_check::package::read(&floe_package()).expect("the package parses");
    let readme = std::fs::read_to_string(floe_package().join("README.md")).expect("README");
    let (problems, checked) = floe_move_check::check_readme_tables(&readme, &modules);
    assert!(
        problems.is_empty(),
        "move/floe/README.md disagrees with the Move sources:\n{}",
        problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(checked >= 80, "only {checked} rows found");
    eprintln!("{checked} README rows match their Move signatures");
}

#[test]
fn a_stale_readme_row_is_caught() {
    let dir = std::env::temp_dir().join(format!("floe-move-check-readme-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sources")).expect("temp dir");
    std::fs::write(
        dir.join("sources/m.move"),
        "module floe::m;\npublic struct O has key { id: UID }\n\
         public fun f(o: &mut O, price: u64, note: vector<u8>, clock: &Clock, ctx: &mut TxContext) {}\n",
    )
    .expect("write");
    let modules = floe_move_check::package::read(&dir).expect("parses");
    std::fs::remove_dir_all(&dir).expect("clean up");
    let table = |row: &str| {
        format!(
            "### m\n\n| function | arguments | objects | returns | aborts |\n|---|---|---|---|---|\n{row}\n"
        )
    };
    let check = |row: &str| -> Vec<String> {
        floe_move_check::check_readme_tables(&table(row), &modules)
            .0
            .iter()
            .map(|m| m.problem.clone())
            .collect()
    };
    // Up to date.
    assert_eq!(
        check("| `f` | `price: u64`, `note: vector<u8>` | `&mut O`, `&Clock` | — | — |"),
        Vec::<String>::new()
    );
    // A parameter the row forgot, a wrong type, a parameter that is gone, an object not taken.
    assert_eq!(
        check("| `f` | `price: u32`, `old: u64` | `&mut O`, `&Clock`, `&Random` | — | — |"),
        [
            "floe::m::f takes `note: vector<u8>`, which the row does not list",
            "floe::m::f's `price` is a `u64`, the row says `u32`",
            "floe::m::f has no parameter `old`",
            "floe::m::f takes no `&Random`",
        ]
    );
    assert_eq!(
        check("| `g` | — | — | — | — |"),
        ["floe::m::g does not exist"]
    );
}

/// Every `events::emit_*` call passes as many arguments as the emitter takes, and none named
/// like one of the emitter's parameters sits in another's place.
#[test]
fn emit_sites_pass_arguments_in_the_emitters_order() {
    let modules = floe_move_check::package::read(&floe_package()).expect("the package parses");
    let files = floe_move_check::read_move_files(&floe_package().join("sources")).expect("sources");
    let (problems, checked) = floe_move_check::check_emit_sites(&files, &modules);
    assert!(
        problems.is_empty(),
        "{}",
        problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(checked >= 90, "only {checked} emit sites found");
    eprintln!("{checked} events::emit_* calls checked");
}

#[test]
fn a_swapped_emit_argument_is_caught() {
    let dir = std::env::temp_dir().join(format!("floe-move-check-emit-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sources")).expect("temp dir");
    std::fs::write(
        dir.join("sources/events.move"),
        "module floe::events;\npublic(package) fun emit_repriced(offer_id: ID, old_price: u64, new_price: u64) {}\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("sources/m.move"),
        "module floe::m;\nuse floe::events;\n\
         fun ok(o: &O, old_price: u64, price: u64) { events::emit_repriced(object::id(o), old_price, o.new_price) }\n\
         fun swapped(o: &O, old_price: u64, new_price: u64) { if (true) { events::emit_repriced(o.offer_id, new_price, old_price); } }\n\
         fun short(o: &O) { events::emit_repriced(o.offer_id, 1) }\n\
         fun twice(o: &O, old_price: u64) { events::emit_repriced(o.offer_id, old_price, old_price) }\n",
    )
    .expect("write");
    let modules = floe_move_check::package::read(&dir).expect("parses");
    let files = floe_move_check::read_move_files(&dir.join("sources")).expect("sources");
    std::fs::remove_dir_all(&dir).expect("clean up");
    let (problems, checked) = floe_move_check::check_emit_sites(&files, &modules);
    let problems: Vec<String> = problems.into_iter().map(|m| m.problem).collect();
    assert_eq!(checked, 4);
    assert_eq!(
        problems,
        [
            "events::emit_repriced: argument 2 is `new_price`, the name of parameter 3 (`old_price` is parameter 2): swapped?",
            "events::emit_repriced: argument 3 is `old_price`, the name of parameter 2 (`new_price` is parameter 3): swapped?",
            "events::emit_repriced takes 3 arguments (offer_id, old_price, new_price), a call passes 2",
        ]
    );
}

/// Every `module::function(…)` call of a package function, in the sources and the Move tests,
/// passes as many arguments as the function takes.
#[test]
fn every_call_passes_as_many_arguments_as_the_function_takes() {
    let modules = floe_move_check::package::read(&floe_package()).expect("the package parses");
    let files = floe_move_check::read_move_files(&floe_package()).expect("sources and tests");
    let (problems, checked) = floe_move_check::check_call_arity(&files, &modules);
    assert!(
        problems.is_empty(),
        "{}",
        problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(checked >= 800, "only {checked} calls found");
    eprintln!("{checked} module::function calls checked");
}

#[test]
fn a_call_with_a_missing_argument_is_caught() {
    let dir = std::env::temp_dir().join(format!("floe-move-check-arity-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sources")).expect("temp dir");
    std::fs::write(
        dir.join("sources/m.move"),
        "module floe::m;\npublic fun f<T>(a: u64, b: vector<T>, ctx: &mut TxContext) {}\n\
         fun ok(ctx: &mut TxContext) { m::f<u8>(1, vector[g(1, 2)], ctx); floe::m::f(1, vector[], ctx) }\n\
         fun short(ctx: &mut TxContext) { let x = m::f<vector<u8>>(1, ctx); coin::f(1) }\n",
    )
    .expect("write");
    let modules = floe_move_check::package::read(&dir).expect("parses");
    let files = floe_move_check::read_move_files(&dir).expect("sources");
    std::fs::remove_dir_all(&dir).expect("clean up");
    let (problems, checked) = floe_move_check::check_call_arity(&files, &modules);
    assert_eq!(checked, 3);
    let problems: Vec<String> = problems.into_iter().map(|m| m.problem).collect();
    assert_eq!(
        problems,
        ["floe::m::f takes 3 arguments (a, b, ctx), a call passes 2"]
    );
}

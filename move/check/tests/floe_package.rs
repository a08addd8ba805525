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

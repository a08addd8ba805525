// `sqlx::migrate!` embeds `../migrations` at compile time, but cargo does not know the files
// are inputs: without this, a new or edited migration is missed until db.rs changes.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}

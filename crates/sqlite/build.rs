//! `embed_migrations!` reads the migration folder at compile time; a migration added to
//! it must trigger a rebuild too.

fn main() {
    println!("cargo:rerun-if-changed=../../migrations/sqlite");
}

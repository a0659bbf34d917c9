//! `mutasig compare`.

use super::common::stdout_write;
use clap::Args;
use mutasig::output::FileTarget;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// First signature file.
    a: String,
    /// Second signature file.
    b: String,
    /// Also write the full cosine matrix to this file (`-`: standard output).
    #[arg(long)]
    matrix: Option<PathBuf>,
    /// Replace an existing --matrix file.
    #[arg(long)]
    force: bool,
}

pub fn run(a: CompareArgs) -> anyhow::Result<()> {
    let target = a.matrix.as_deref().map(FileTarget::parse);
    if let Some(t) = &target {
        t.check(a.force, &[&a.a, &a.b])?;
    }
    let sa = mutasig::SignatureSet::read(&a.a)?;
    let sb = mutasig::SignatureSet::read(&a.b)?;
    let (pairs, full) = mutasig::output::assign::compare(&sa, &sb)?;
    if let Some(t) = &target {
        t.write(full.as_bytes())?;
    }
    if target != Some(FileTarget::Stdout) {
        stdout_write(&pairs)?;
    }
    Ok(())
}

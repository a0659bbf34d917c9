//! The results folder of `extract` and `merge`: the reference loaded and the staged
//! folder created before the work; tables, summary, figures and report written after it.

use super::common::run_info;
use super::outputs::OutputArgs;
use super::reference::ReferenceArgs;
use mutasig::Catalogue;
use mutasig::extract::{ExtractConfig, Extraction};
use mutasig::output::summary::RunInfo;
use mutasig::output::{OutputDir, TableFormat, extract::write_outputs};
use mutasig::read::groups::SampleSheet;
use mutasig::read::reference::{ReferenceChoice, SignatureSet};
use std::path::Path;

/// The results folder of an extraction, shared by `extract` and `merge`: created before
/// the work, written and committed after it.
pub(super) struct Folder<'a> {
    pub out: OutputDir,
    pub input: &'a str,
    pub outputs: &'a OutputArgs,
    pub format: TableFormat,
    pub reference: (SignatureSet, ReferenceChoice),
}

impl Folder<'_> {
    /// Loads the reference and creates the staged folder `path`.
    pub fn open<'a>(
        a: (&'a str, &'a OutputArgs, &ReferenceArgs),
        cat: &Catalogue,
        path: &Path,
        force: bool,
        format: TableFormat,
    ) -> anyhow::Result<Folder<'a>> {
        let (input, outputs, reference) = a;
        let choice = reference.choice();
        let set = choice.load(cat.context)?;
        let inputs = [input, reference.file.as_deref().unwrap_or("-")];
        let out = OutputDir::create(path, force, &inputs)?;
        let reference = (set, choice);
        Ok(Folder {
            out,
            input,
            outputs,
            format,
            reference,
        })
    }

    /// Writes the tables, summary, figures and report of `ex` (settings `cfg`, input
    /// checksum `sha256`) and commits the folder.
    /// Adds a file to the staged folder before [`Folder::write`] commits it.
    pub fn add(&self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        Ok(self.out.write(name, bytes)?)
    }

    pub fn write(
        self,
        mut ex: Extraction,
        data: (&Catalogue, &str, &ExtractConfig),
        groups: Option<&SampleSheet>,
        start: std::time::Instant,
    ) -> anyhow::Result<()> {
        let (cat, sha256, cfg) = data;
        ex.warnings.splice(0..0, cat.warnings.iter().cloned());
        ex.warnings.iter().for_each(|w| mutasig::log::warn(w));
        let run = RunInfo {
            rank_seconds: Some(ex.ranks.iter().map(|r| (r.k, r.seconds)).collect()),
            nmf_seconds: Some(ex.nmf_seconds),
            ..run_info(start)
        };
        let (set, choice) = &self.reference;
        let settings = (cfg, self.format);
        let dcfg = Default::default();
        let input = (self.input, sha256);
        write_outputs(&self.out, &ex, input, (set, choice), &dcfg, settings, run)?;
        self.outputs.finish(&self.out, "extract", groups)?;
        let path = self.out.commit()?;
        let (sel, shown) = (&ex.selection, path.display());
        let (k, why) = (sel.selected, &sel.reason);
        mutasig::log::info(&format!("selected rank {k} ({why}); results in {shown}"));
        Ok(())
    }
}

//! The integration tests: one binary (one link of the dependency tree), a module per area.
//! Run one area with `cargo test --test tests commands::`.

mod util;

mod architecture;
mod catalogue;
mod commands;
mod contract;
mod count;
mod fuzz;
mod groups;
mod nextflow;
mod packaging;
mod parquet;
mod pipelines;
mod plots;
mod rank;
mod report;
mod scatter;
mod settings;
mod sigprofiler;

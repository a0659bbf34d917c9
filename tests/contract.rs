//! The output contract: every summary.json validates against docs/summary.schema.json
//! (which must equal the schema generated from `mutasig::output::summary::Summary`) and
//! reads back into that type; the same key means the same thing in every command.

use crate::util::{example, mutasig, run_ok};
use mutasig::output::summary::{Details, SCHEMA_VERSION, Summary, schema};
use std::path::{Path, PathBuf};

fn schema_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/summary.schema.json")
}

#[test]
fn summary_schema_file_is_generated_from_the_types() {
    let generated = schema();
    if std::env::var_os("MUTASIG_UPDATE_SCHEMA").is_some() {
        std::fs::write(schema_path(), &generated).unwrap();
    }
    let file = std::fs::read_to_string(schema_path()).unwrap_or_default();
    assert!(
        file == generated,
        "docs/summary.schema.json is out of date with src/output/summary.rs; regenerate it with \
         MUTASIG_UPDATE_SCHEMA=1 cargo test --test tests contract::"
    );
}

/// Validates `dir/summary.json` against the schema file and parses it as [`Summary`].
pub fn valid_summary(dir: &Path) -> Summary {
    let text = std::fs::read_to_string(dir.join("summary.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path()).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema is valid");
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}: {errors:?}", dir.display());
    let summary: Summary = serde_json::from_str(&text).unwrap();
    assert_eq!(summary.schema_version, SCHEMA_VERSION);
    assert_eq!(summary.tool, "mutasig");
    summary
}

#[test]
fn every_command_writes_a_summary_that_validates_with_one_vocabulary() {
    let d = tempfile::tempdir().unwrap();
    let p = |name: &str| d.path().join(name);
    let ex = example();
    let ex = ex.to_str().unwrap();
    let s = |x: &Path| x.to_str().unwrap().to_string();
    let sim = p("sim");
    run_ok(&[
        "simulate",
        "--signatures",
        "SBS1,SBS5,SBS13",
        "--samples",
        "12",
        "--noise",
        "negbin:40",
        "-o",
        &s(&sim),
    ]);
    let cat = s(&sim.join("catalogue.tsv"));
    run_ok(&[
        "extract",
        &cat,
        "-o",
        &s(&p("ex")),
        "--min-rank",
        "2",
        "--max-rank",
        "3",
        "--replicates",
        "4",
        "--no-plots",
        "--normalize",
        "cap:5000",
    ]);
    run_ok(&[
        "assign",
        ex,
        "-o",
        &s(&p("as")),
        "--bootstrap",
        "3",
        "--no-plots",
        "--criterion",
        "l2",
    ]);
    let sigs = s(&p("ex").join("signatures.tsv"));
    run_ok(&["assign", "--decompose", &sigs, "-o", &s(&p("de"))]);

    let sim = valid_summary(&p("sim"));
    let Details::Simulate(sd) = &sim.details else {
        panic!("simulate summary")
    };
    assert_eq!(sd.samples, 12);
    let v: serde_json::Value = serde_json::to_value(&sim).unwrap();
    assert_eq!(v["command"], "simulate");
    assert_eq!(v["parameters"]["noise"], "negbin:40");

    let ext = valid_summary(&p("ex"));
    let v = serde_json::to_value(&ext).unwrap();
    assert_eq!(v["command"], "extract");
    // enum values as the command line spells them
    assert_eq!(v["parameters"]["objective"], "kl");
    assert_eq!(v["parameters"]["solver"], "auto");
    assert_eq!(v["parameters"]["init"], "random");
    assert_eq!(v["parameters"]["normalization"], "cap:5000");
    assert_eq!(v["parameters"]["cosmic"], "v3.6");
    assert_eq!(v["decomposition"]["criterion"], "l2");

    let asg = valid_summary(&p("as"));
    let v2 = serde_json::to_value(&asg).unwrap();
    assert_eq!(v2["command"], "assign");
    assert_eq!(v2["parameters"]["criterion"], "l2");
    assert_eq!(v2["parameters"]["bootstrap"], 3);
    assert!(
        v2["outputs"]
            .as_array()
            .unwrap()
            .contains(&"exposures_ci.tsv".into())
    );

    let dec = valid_summary(&p("de"));
    let v3 = serde_json::to_value(&dec).unwrap();
    assert_eq!(v3["command"], "assign --decompose");

    // the same keys in every command that reads an input
    for v in [&v, &v2, &v3] {
        for key in [
            "input",
            "input_sha256",
            "context",
            "reference",
            "samples",
            "samples_used",
            "dropped_samples",
            "parameters",
            "warnings",
            "outputs",
            "run",
            "schema_version",
            "version",
        ] {
            assert!(v.get(key).is_some(), "{} lacks {key}", v["command"]);
        }
        assert_eq!(v["context"], "SBS96");
        for key in ["cosmic", "genome", "exome", "signatures"] {
            assert!(
                v["parameters"].get(key).is_some(),
                "{} parameters lack {key}",
                v["command"]
            );
        }
    }
    // no Rust spellings anywhere
    for dir in ["sim", "ex", "as", "de"] {
        let text = std::fs::read_to_string(p(dir).join("summary.json")).unwrap();
        for rust in [
            "KullbackLeibler",
            "LikelihoodRatio",
            "RelativeL2",
            "\"Gmm\"",
            "NegBin",
            "\"Cap\"",
            "\"settings\"",
        ] {
            assert!(!text.contains(rust), "{dir}/summary.json has {rust}");
        }
    }
}

#[test]
fn signature_tables_share_their_column_names() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("ex");
    let ex = example();
    run_ok(&[
        "extract",
        ex.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--rank",
        "3",
        "--replicates",
        "3",
        "--no-plots",
    ]);
    let header = |f: &str| -> Vec<String> {
        let text = std::fs::read_to_string(out.join(f)).unwrap();
        text.lines()
            .next()
            .unwrap()
            .split('\t')
            .map(str::to_string)
            .collect()
    };
    let stats = header("signature_stats.tsv");
    let cosmic = header("cosmic_decomposition.tsv");
    assert_eq!(stats[0], "Signature");
    assert_eq!(cosmic[0], "Signature");
    for c in [
        "best_cosmic",
        "best_cosine",
        "decomposition",
        "decomposition_cosine",
        "status",
    ] {
        assert!(
            stats.iter().any(|h| h == c),
            "signature_stats.tsv lacks {c}"
        );
        assert!(
            cosmic.iter().any(|h| h == c),
            "cosmic_decomposition.tsv lacks {c}"
        );
    }
    let _ = mutasig();
}

#[test]
fn the_schema_refuses_rust_spellings_and_missing_keys() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("as");
    let ex = example();
    run_ok(&[
        "assign",
        ex.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--no-plots",
    ]);
    let good: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path()).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&good));
    let mut rust_name = good.clone();
    rust_name["parameters"]["criterion"] = "LikelihoodRatio".into();
    assert!(!validator.is_valid(&rust_name));
    let mut no_run = good.clone();
    no_run.as_object_mut().unwrap().remove("run");
    assert!(!validator.is_valid(&no_run));
    let mut unknown_command = good.clone();
    unknown_command["command"] = "refit".into();
    assert!(!validator.is_valid(&unknown_command));
}

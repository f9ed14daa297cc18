//! `storyline train-ner` and `storyline eval ner` on `.conllu` corpora through the real binary,
//! and the set-up script's idempotency for the per-language taggers. Tiny hand-made corpora; no
//! shared data needed.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Ten sentences where capitalised "Madrid" and "Sevilla" are places and "Ana" a person.
fn tiny_conllu() -> String {
    let mut text = String::new();
    for i in 0..10 {
        let place = if i % 2 == 0 { "Madrid" } else { "Sevilla" };
        text.push_str(&format!("0\tAna\tB-PER\n1\tviajó\tO\n2\ta\tO\n3\t{place}\tB-LOC\n4\t.\tO\n\n"));
    }
    text
}

fn storyline() -> Command {
    let mut cmd = Command::cargo_bin("storyline").unwrap();
    cmd.env_remove("STORYLINE_MODELS");
    cmd
}

fn json(cmd: &mut Command) -> Value {
    let output = cmd.arg("--json").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn trains_on_conllu_and_scores_a_part_with_the_language_tagger() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("es.val.conllu");
    std::fs::write(&corpus, tiny_conllu()).unwrap();
    let models = dir.path().join("models");
    // The primary tagger and a Spanish one, both from the toy corpus.
    for out in [models.join("ner.bin"), models.join("ner/es.bin")] {
        let trained =
            json(storyline().args(["train-ner", "--epochs", "3", "--train"]).arg(&corpus).arg("--out").arg(&out));
        assert!(trained["features"].as_u64().unwrap() > 0);
    }
    let all = json(storyline().args(["eval", "ner", "--conll"]).arg(&corpus).env("STORYLINE_MODELS", &models));
    assert_eq!(all["sentences"], 10);
    assert!(all["micro"]["f1"].as_f64().unwrap() > 0.9, "{all}");
    assert!(all["tokens_per_second"].as_f64().unwrap() > 0.0);
    let check = json(
        storyline()
            .args(["eval", "ner", "--part", "check", "--lang", "es", "--conll"])
            .arg(&corpus)
            .env("STORYLINE_MODELS", &models),
    );
    assert_eq!(check["sentences"], 2, "the check part is the last 20 % of the sentences");
    assert_eq!(check["micro"]["gold"], 4);
    // A Spanish tagger that does not load is an error, not a silent fall back.
    std::fs::write(models.join("ner/es.bin"), b"junk").unwrap();
    let failed = storyline()
        .args(["eval", "ner", "--lang", "es", "--conll"])
        .arg(&corpus)
        .env("STORYLINE_MODELS", &models)
        .output()
        .unwrap();
    assert!(!failed.status.success());
}

#[test]
fn train_ner_check_states_what_the_model_was_trained_on() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("toy.conllu");
    std::fs::write(&corpus, tiny_conllu()).unwrap();
    let out = dir.path().join("toy.bin");
    storyline().args(["train-ner", "--epochs", "2", "--train"]).arg(&corpus).arg("--out").arg(&out).assert().success();
    let checked = storyline().args(["train-ner", "--check", "--out"]).arg(&out).output().unwrap();
    assert!(checked.status.success());
    assert!(String::from_utf8_lossy(&checked.stdout).contains("is current"));
}

/// With every tagger already in place and loadable, the set-up step trains nothing and leaves
/// the files as they were.
#[test]
fn setup_keeps_taggers_that_load() {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_storyline"));
    let script = root().join("scripts/setup.d/60-ner-model.sh");
    if bin != root().join("target/release/storyline").canonicalize().unwrap_or_default() {
        eprintln!("skipping: the set-up script runs target/release/storyline, and this is {}", bin.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("toy.conllu");
    std::fs::write(&corpus, tiny_conllu()).unwrap();
    let models = dir.path().join("models");
    // The corpora laid out as ../shared/eval/ner is, each file the toy corpus.
    let data = dir.path().join("data");
    for source in storyline_ner::corpora::SOURCES {
        for slice in [source.fit, source.check] {
            let path = data.join(slice.file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, tiny_conllu()).unwrap();
        }
    }
    let mut files = vec![models.join("ner.bin")];
    storyline()
        .args(["train-ner", "--epochs", "1", "--train"])
        .arg(&corpus)
        .arg("--out")
        .arg(&files[0])
        .assert()
        .success();
    for lang in ["de", "es", "fr", "it", "nl", "pl", "pt", "ru", "xx"] {
        let out = models.join(format!("ner/{lang}.bin"));
        storyline()
            .args(["train-ner", "--epochs", "1", "--lang", lang, "--data"])
            .arg(&data)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        files.push(out);
    }
    std::fs::create_dir_all(models.join("entities")).unwrap();
    std::fs::write(models.join("entities/places.tsv"), "# kind\tid\tcountry\tpopulation\tcanonical\tname\n").unwrap();
    let before: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    let setup = || {
        let output = std::process::Command::new("bash")
            .arg(&script)
            .env("STORYLINE_MODELS", &models)
            .env("STORYLINE_NER_DATA", &data)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
        stdout
    };
    let stdout = setup();
    assert!(!stdout.contains("trained"), "{stdout}");
    assert!(stdout.contains("xx model already in"), "{stdout}");
    let after: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    assert!(before == after, "a tagger was rewritten");

    // A tagger trained on other data than its language's recipe names is trained again.
    storyline()
        .args(["train-ner", "--epochs", "1", "--train"])
        .arg(&corpus)
        .arg("--out")
        .arg(&files[2])
        .assert()
        .success();
    let stdout = setup();
    assert!(stdout.contains("ner: trained es in"), "{stdout}");
    assert!(stdout.contains("fr model already in"), "{stdout}");
}

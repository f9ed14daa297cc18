//! `storyline models` and `storyline compare`: the embedding models installed, and two stored
//! articles compared signal by signal.

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Serialize;
use storyline_embed::{list_models, models_dir};
use storyline_similarity::{explain, signals, ArticleEmbedding, Combiner};
use storyline_store::Store;

use crate::render::print_json;
use storyline_harness::ModelArgs;

/// `storyline models`: the known embedding models and whether they are installed.
pub fn models(dir: &Path, json: bool) -> Result<()> {
    let models = list_models(&models_dir(Some(dir)));
    if json {
        return print_json(&models);
    }
    println!("Models in {}:", dir.display());
    for m in &models {
        let state = if m.installed {
            format!("installed, {:.1} MB", m.size_bytes as f64 / 1e6)
        } else {
            "not installed".into()
        };
        let default = if m.default { " (default)" } else { "" };
        println!("  {:<10} {}{default}\n             {}; {}", m.spec.name, state, m.spec.description, m.spec.languages);
    }
    if models.iter().any(|m| !m.installed) {
        println!("Install the missing ones with: bash scripts/setup.d/20-models.sh");
    }
    Ok(())
}

#[derive(Serialize)]
struct Comparison<'a> {
    a: &'a str,
    b: &'a str,
    model: &'a str,
    #[serde(flatten)]
    explained: storyline_similarity::Explained,
    /// The score event clustering compares with its join threshold (`Combiner::event_join`).
    event_join_score: f64,
}

/// `storyline compare A B`: the similarity of two stored articles, and why.
pub fn compare(store: &Store, a: &str, b: &str, model_args: &ModelArgs, json: bool) -> Result<()> {
    let fetch = |id: &str| -> Result<storyline_model::Article> {
        Ok(store.article(id)?.with_context(|| format!("no article with id {id:?} in the store"))?.article)
    };
    let (first, second) = (fetch(a)?, fetch(b)?);
    let (model, _) = model_args.load()?;
    let embedded = ArticleEmbedding::compute_many(
        model.as_ref(),
        &[(first.title.as_deref(), first.text.as_str()), (second.title.as_deref(), second.text.as_str())],
    )?;
    let mut embedded = embedded.into_iter();
    let language = |a: &storyline_model::Article| a.language_code().map(str::to_string);
    let (ea, eb) = match (embedded.next(), embedded.next()) {
        (Some(x), Some(y)) => (
            x.with_published(first.published).with_language(language(&first)),
            y.with_published(second.published).with_language(language(&second)),
        ),
        _ => bail!("the model returned no embeddings"),
    };
    let combiner = Combiner::for_model(model.name());
    let signals = signals(&ea, &eb);
    let explained = explain(&signals, &combiner);
    let join = Combiner::event_join(model.name());
    let event_join_score = explain(&signals, &join).score;
    if json {
        return print_json(&Comparison { a, b, model: model.name(), explained, event_join_score });
    }
    println!("similarity {:.3} between {a} and {b} ({})", explained.score, model.name());
    println!("  combined by {}", combiner.provenance());
    // The threshold fitted for these two languages (`eval pairs --fit`), else the clusterer's.
    let threshold = storyline_similarity::Weights::for_model(model.name())
        .join_thresholds
        .for_languages(ea.language.as_deref(), eb.language.as_deref())
        .unwrap_or(f64::from(storyline_cluster::ClusterConfig::default().semantic_join));
    println!("  event-join score {event_join_score:.3} (events join at {threshold:.3}; {})", join.provenance());
    println!("  {:<12} {:>10} {:>13}", "signal", "value", "contribution");
    println!("  {:<12} {:>10} {:>+13.3}", "base", "", explained.bias);
    for c in &explained.contributions {
        let value = match c.signal.as_str() {
            "time" => format!("{:.1} d", c.value),
            "languages" => {
                let code = |e: &ArticleEmbedding| e.language.clone().unwrap_or_else(|| "?".into());
                format!("{}/{}", code(&ea), code(&eb))
            }
            _ => format!("{:.3}", c.value),
        };
        println!("  {:<12} {:>10} {:>+13.3}", c.signal, value, c.contribution);
    }
    println!("best-aligned sentences:");
    for p in &explained.aligned_pairs {
        println!("  {:.3}  [{}] {}\n         [{}] {}", p.similarity, p.a_index, clip(&p.a), p.b_index, clip(&p.b));
    }
    Ok(())
}

fn clip(text: &str) -> String {
    if text.chars().count() <= 110 {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(110).collect::<String>())
    }
}

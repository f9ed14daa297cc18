//! all-MiniLM-L6-v2, the English sentence-transformers model: a 6-layer BERT of width 384 over
//! the uncased WordPiece vocabulary, mean pooling, L2 normalisation. Read from the files
//! sentence-transformers publishes it as (`model.safetensors`, `tokenizer.json`, `config.json`)
//! and run by the shared encoder in `bert.rs`.
//!
//! The tokenizer is the `tokenizers` crate reading `tokenizer.json`: the reference
//! implementation of BERT's normaliser (clean-up, CJK spacing, accent stripping, lower case),
//! pre-tokenizer and WordPiece, so the ids cannot drift from the model's own. Its default
//! features (the C regex library `onig`, a C++ suffix array, a progress bar) are off; the pure
//! Rust `fancy-regex` backend is on. It adds about 30 s of CPU time to a cold release build
//! of the workspace (measured), against the hand-written Unicode tables (punctuation, control
//! and format characters, combining marks) that a tokenizer of our own would need to match it.
//! The weights are read with the small `safetensors` crate (serde only).

use std::path::Path;

use rayon::prelude::*;
use serde::Deserialize;
use tokenizers::{Tokenizer, TruncationParams};

use crate::bert::{Bert, BertConfig, Layer, LayerNames, Linear, Norm, WordTable};
use crate::{EmbedError, Embedder, Result};

pub struct MiniLm {
    tokenizer: Tokenizer,
    bert: Bert,
}

/// The fields of `config.json` the encoder needs.
#[derive(Deserialize)]
struct Config {
    hidden_size: usize,
    num_hidden_layers: usize,
    num_attention_heads: usize,
    intermediate_size: usize,
    max_position_embeddings: usize,
    layer_norm_eps: f32,
    #[serde(default = "gelu")]
    hidden_act: String,
    #[serde(default)]
    model_type: String,
}

fn gelu() -> String {
    "gelu".into()
}

impl MiniLm {
    /// Loads `config.json`, `model.safetensors` and `tokenizer.json` from `dir`.
    pub fn load(dir: &Path) -> Result<MiniLm> {
        let bad = |file: &str, why: String| EmbedError::BadModelFile { path: dir.join(file), why };
        let read = |file: &str| std::fs::read(dir.join(file)).map_err(|e| EmbedError::io(&dir.join(file), e));

        let config: Config =
            serde_json::from_slice(&read("config.json")?).map_err(|e| bad("config.json", e.to_string()))?;
        if config.hidden_act != "gelu" || !matches!(config.model_type.as_str(), "" | "bert") {
            return Err(bad(
                "config.json",
                format!("a {:?} model with {:?} activations is not a BERT", config.model_type, config.hidden_act),
            ));
        }
        let config = BertConfig {
            hidden: config.hidden_size,
            layers: config.num_hidden_layers,
            heads: config.num_attention_heads,
            intermediate: config.intermediate_size,
            max_positions: config.max_position_embeddings,
            eps: config.layer_norm_eps,
        };
        config.check().map_err(|why| bad("config.json", why))?;

        let weights = read("model.safetensors")?;
        let bert = bert_from_safetensors(config, &weights).map_err(|why| bad("model.safetensors", why))?;

        let tokenizer_json = read("tokenizer.json")?;
        let tokenizer =
            tokenizer_from_json(&tokenizer_json, bert.window()).map_err(|why| bad("tokenizer.json", why))?;
        Ok(MiniLm { tokenizer, bert })
    }

    /// The ids the encoder reads for `text`: `[CLS]`, the word pieces (cut to the window),
    /// `[SEP]`.
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>> {
        let encoding = self.tokenizer.encode_fast(text, true).map_err(|e| EmbedError::BadModelFile {
            path: "tokenizer.json".into(),
            why: format!("cannot tokenize {text:?}: {e}"),
        })?;
        Ok(encoding.get_ids().to_vec())
    }
}

/// The tokenizer without the fixed padding to 128 that the file asks for (texts are not padded
/// here) and with truncation at the model's window, markers kept.
fn tokenizer_from_json(json: &[u8], window: usize) -> std::result::Result<Tokenizer, String> {
    let mut tokenizer = Tokenizer::from_bytes(json).map_err(|e| e.to_string())?;
    tokenizer.with_padding(None);
    tokenizer
        .with_truncation(Some(TruncationParams { max_length: window, ..Default::default() }))
        .map_err(|e| e.to_string())?;
    Ok(tokenizer)
}

/// The encoder from a sentence-transformers BERT checkpoint (tensor names as Hugging Face's
/// `BertModel` writes them, with or without a `bert.` prefix; f32 only).
fn bert_from_safetensors(config: BertConfig, bytes: &[u8]) -> std::result::Result<Bert, String> {
    let file = safetensors::SafeTensors::deserialize(bytes).map_err(|e| e.to_string())?;
    let prefix = if file.tensor("bert.embeddings.word_embeddings.weight").is_ok() { "bert." } else { "" };
    let get = |name: &str, shape: &[usize]| -> std::result::Result<Vec<f32>, String> {
        let view = file.tensor(&format!("{prefix}{name}")).map_err(|_| format!("no tensor {prefix}{name}"))?;
        if view.dtype() != safetensors::Dtype::F32 || view.shape() != shape {
            return Err(format!("{name} is {:?} {:?}, expected F32 {shape:?}", view.dtype(), view.shape()));
        }
        Ok(view.data().chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
    };
    let h = config.hidden;
    let linear = |name: &str, inputs: usize, outputs: usize| -> std::result::Result<Linear, String> {
        let w = get(&format!("{name}.weight"), &[outputs, inputs])?;
        Linear::new(w, get(&format!("{name}.bias"), &[outputs])?, inputs, outputs)
    };
    let norm = |name: &str| -> std::result::Result<Norm, String> {
        Ok(Norm { gamma: get(&format!("{name}.weight"), &[h])?, beta: get(&format!("{name}.bias"), &[h])? })
    };
    let vocab = file
        .tensor(&format!("{prefix}embeddings.word_embeddings.weight"))
        .map_err(|_| "no word embeddings".to_string())?
        .shape()
        .first()
        .copied()
        .unwrap_or(0);
    let words = WordTable::F32 { rows: vocab, values: get("embeddings.word_embeddings.weight", &[vocab, h])? };
    let names = LayerNames {
        query: "attention.self.query",
        key: "attention.self.key",
        value: "attention.self.value",
        attention_out: "attention.output.dense",
        attention_norm: "attention.output.LayerNorm",
        up: "intermediate.dense",
        down: "output.dense",
        output_norm: "output.LayerNorm",
    };
    let layers = Layer::read_all(&config, &names, |l| format!("encoder.layer.{l}."), linear, norm)?;
    let token_types = file
        .tensor(&format!("{prefix}embeddings.token_type_embeddings.weight"))
        .map(|t| t.shape().first().copied().unwrap_or(0))
        .unwrap_or(0);
    let bert = Bert {
        config,
        words,
        positions: get("embeddings.position_embeddings.weight", &[config.max_positions, h])?,
        token_type: get("embeddings.token_type_embeddings.weight", &[token_types, h])?
            .get(..h)
            .ok_or("no token type embeddings")?
            .to_vec(),
        embedding_norm: norm("embeddings.LayerNorm")?,
        layers,
    };
    bert.validate()?;
    Ok(bert)
}

impl Embedder for MiniLm {
    fn name(&self) -> &str {
        "minilm"
    }

    fn dimension(&self) -> usize {
        self.bert.config.hidden
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let ids: Vec<Vec<u32>> = texts.par_iter().map(|t| self.token_ids(t)).collect::<Result<_>>()?;
        Ok(self.bert.embed_ids(&ids))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: BertConfig =
        BertConfig { hidden: 32, layers: 1, heads: 2, intermediate: 64, max_positions: 8, eps: 1e-12 };

    #[test]
    fn rejects_bad_weight_files_with_a_reason() {
        let err = |bytes: &[u8]| bert_from_safetensors(CONFIG, bytes).err().expect("should fail");
        assert!(!err(b"").is_empty());
        assert!(!err(b"\xff\xff\xff\xff\xff\xff\xff\xffgarbage").is_empty());
        // A valid file without the tensors.
        let header = br#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#;
        let mut file = (header.len() as u64).to_le_bytes().to_vec();
        file.extend_from_slice(header);
        file.extend_from_slice(&[0; 4]);
        assert!(err(&file).contains("word embeddings"), "{}", err(&file));
        // Word embeddings of the wrong width.
        let header = br#"{"embeddings.word_embeddings.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}"#;
        let mut file = (header.len() as u64).to_le_bytes().to_vec();
        file.extend_from_slice(header);
        file.extend_from_slice(&[0; 24]);
        assert!(err(&file).contains("expected F32 [2, 32]"), "{}", err(&file));
    }

    #[test]
    fn rejects_bad_tokenizer_files_and_cuts_long_texts() {
        assert!(tokenizer_from_json(b"{", 8).is_err());
        assert!(tokenizer_from_json(br#"{"model": {"type": "WordPiece"}}"#, 8).is_err());
        let json = br###"{"version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
            "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                           "strip_accents": null, "lowercase": true},
            "pre_tokenizer": {"type": "BertPreTokenizer"},
            "post_processor": {"type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                           {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
                "pair": [{"Sequence": {"id": "A", "type_id": 0}}],
                "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [1], "tokens": ["[CLS]"]},
                                   "[SEP]": {"id": "[SEP]", "ids": [2], "tokens": ["[SEP]"]}}},
            "decoder": null,
            "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                      "max_input_chars_per_word": 100,
                      "vocab": {"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "cafe": 3, "##s": 4, "!": 5}}}"###;
        let tokenizer = tokenizer_from_json(json, 5).unwrap();
        let ids = |text: &str| tokenizer.encode_fast(text, true).unwrap().get_ids().to_vec();
        assert_eq!(ids("Cafés!"), vec![1, 3, 4, 5, 2]);
        assert_eq!(ids("cafe cafe cafe cafe"), vec![1, 3, 3, 3, 2]);
        assert_eq!(ids("tea"), vec![1, 0, 2]);
    }
}

//! An article's embeddings and surface signals, computed once and kept (as bytes) for comparison.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use storyline_embed::Embedder;
use storyline_model::{Int4Vector, Int6Vector, Int8Vector};
use storyline_text::{fold_word, sentences};

use crate::{Result, SimilarityError};

/// Sentences that form the lead (the first paragraph's gist in most news writing).
const LEAD_SENTENCES: usize = 3;
/// Sentences per body chunk: short enough for the encoders' windows, long enough to carry a topic.
const CHUNK_SENTENCES: usize = 6;
/// Sentences kept for alignment; later ones rarely change what an article is about.
const MAX_SENTENCES: usize = 12;

/// Everything [`crate::similarity`] needs about one article.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ArticleEmbedding {
    /// The embedding model that made the vectors; articles of different models do not compare.
    pub model: String,
    pub title: Option<Vec<f32>>,
    pub lead: Option<Vec<f32>>,
    /// One vector per chunk of consecutive body sentences.
    pub chunks: Vec<Vec<f32>>,
    /// The first sentences, each with its vector, for alignment and explanations. Read back from
    /// the stored form (version 3) the texts are empty: what reads it scores, and the article's
    /// text has them.
    pub sentences: Vec<(String, Vec<f32>)>,
    /// Capitalised names not at a sentence start, folded (a stand-in for real entities).
    pub names: BTreeSet<String>,
    /// Numbers, with thousands separators removed.
    pub numbers: BTreeSet<String>,
    pub published: Option<DateTime<Utc>>,
    /// The article's language (ISO 639-1), as detected at ingest; `None` when unknown (and for
    /// embeddings stored before languages were kept).
    pub language: Option<String>,
}

impl ArticleEmbedding {
    /// Embeds an article's title (if any), lead, body chunks and first sentences in one batch.
    pub fn compute(model: &dyn Embedder, title: Option<&str>, text: &str) -> Result<ArticleEmbedding> {
        Self::compute_many(model, &[(title, text)]).map(|mut v| v.remove(0))
    }

    /// [`ArticleEmbedding::compute`] for many articles, in one batch for the model. Titles and
    /// sentences are embedded as texts; the lead and the body chunks as runs of sentences
    /// ([`Embedder::embed_with_runs`]), which a model may compute from the sentences' work.
    pub fn compute_many(model: &dyn Embedder, articles: &[(Option<&str>, &str)]) -> Result<Vec<ArticleEmbedding>> {
        struct Plan {
            title: Option<usize>,
            lead: Option<usize>,
            chunks: std::ops::Range<usize>,
            sentences: std::ops::Range<usize>,
        }
        let mut texts: Vec<&str> = Vec::new();
        let mut runs: Vec<std::ops::Range<usize>> = Vec::new();
        let mut plans = Vec::new();
        for (title, text) in articles {
            let title = title.map(str::trim).filter(|t| !t.is_empty());
            let title_index = title.map(|t| {
                texts.push(t);
                texts.len() - 1
            });
            let first = texts.len();
            texts.extend(sentences(text).into_iter().map(|s| s.text).take(MAX_SENTENCES));
            let sentence_range = first..texts.len();
            let lead_index = (!sentence_range.is_empty()).then(|| {
                runs.push(first..first + sentence_range.len().min(LEAD_SENTENCES));
                runs.len() - 1
            });
            let chunk_start = runs.len();
            runs.extend(
                sentence_range
                    .clone()
                    .step_by(CHUNK_SENTENCES)
                    .map(|s| s..(s + CHUNK_SENTENCES).min(sentence_range.end)),
            );
            plans.push(Plan {
                title: title_index,
                lead: lead_index,
                chunks: chunk_start..runs.len(),
                sentences: sentence_range,
            });
        }
        let (vectors, run_vectors) = model.embed_with_runs(&texts, &runs)?;
        if vectors.len() != texts.len() || run_vectors.len() != runs.len() {
            return Err(SimilarityError::Model(format!(
                "{} returned {} + {} vectors for {} texts and {} runs",
                model.name(),
                vectors.len(),
                run_vectors.len(),
                texts.len(),
                runs.len()
            )));
        }
        Ok(plans
            .into_iter()
            .zip(articles)
            .map(|(plan, (title, text))| ArticleEmbedding {
                model: model.name().to_string(),
                title: plan.title.map(|i| vectors[i].clone()),
                lead: plan.lead.map(|i| run_vectors[i].clone()),
                chunks: plan.chunks.map(|i| run_vectors[i].clone()).collect(),
                sentences: plan.sentences.map(|i| (texts[i].to_string(), vectors[i].clone())).collect(),
                names: names(title.unwrap_or(""), text),
                numbers: numbers(&format!("{} {text}", title.unwrap_or(""))),
                published: None,
                language: None,
            })
            .collect())
    }

    pub fn with_published(mut self, published: Option<DateTime<Utc>>) -> Self {
        self.published = published;
        self
    }

    /// Sets the language (ISO 639-1, e.g. "de"): the similarity reads cosines in its light.
    pub fn with_language(mut self, language: Option<String>) -> Self {
        self.language = language;
        self
    }

    /// The mean of the chunk vectors: the whole body as one direction.
    pub fn body(&self) -> Option<Vec<f32>> {
        let first = self.chunks.first()?;
        let mut mean = vec![0.0f32; first.len()];
        for chunk in &self.chunks {
            mean.iter_mut().zip(chunk).for_each(|(m, v)| *m += v);
        }
        Some(mean)
    }

    /// One unit vector for the whole article: the mean of its title, lead and body directions.
    /// What the event index files an article under.
    pub fn document(&self) -> Option<Vec<f32>> {
        let parts: Vec<Vec<f32>> = [self.title.clone(), self.lead.clone(), self.body()].into_iter().flatten().collect();
        let first = parts.first()?;
        let mut sum = vec![0.0f32; first.len()];
        for part in &parts {
            let norm = part.iter().map(|x| x * x).sum::<f32>().sqrt().max(f32::MIN_POSITIVE);
            sum.iter_mut().zip(part).for_each(|(s, v)| *s += v / norm);
        }
        let norm = sum.iter().map(|x| x * x).sum::<f32>().sqrt();
        (norm > 0.0).then(|| sum.into_iter().map(|x| x / norm).collect())
    }

    /// A compact binary form for storage: little-endian, versioned, self-describing lengths.
    /// The title, lead and chunk vectors take six bits with a scale ([`Int6Vector`], 3/16 of
    /// f32's size, since version 6; one byte, [`Int8Vector`], before) and the sentence vectors
    /// four bits ([`Int4Vector`]): there are up to 12 of them, and the alignment signals average
    /// their cosines. The sentences' texts, which only explanations show, are not kept. Version 6
    /// is version 5 with six-bit title, lead and chunks. Version 5 writes the vectors' dimension once
    /// (every vector of one model has it) and counts and lengths as LEB128 (one byte below 128:
    /// an article's 30 or so names and numbers are short), about 140 bytes less than version 4,
    /// which wrote a u32 for each; the vectors are the same. Version 4 (each vector's length
    /// given), version 3 (every vector in bytes), version 2 (f32 vectors, texts, the language
    /// after the publication time) and version 1 (no language) still read.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut lengths = self
            .title
            .iter()
            .chain(&self.lead)
            .chain(&self.chunks)
            .chain(self.sentences.iter().map(|(_, v)| v))
            .map(Vec::len);
        let first = lengths.next().unwrap_or(0);
        match lengths.all(|n| n == first) {
            true => self.bytes_as(6, Some(first), Writer::int4_vec),
            // Vectors of several lengths (no model makes them) keep their lengths.
            false => self.bytes_as(4, None, Writer::int4_vec),
        }
    }

    /// The blob of `version`, with the sentence vectors written by `sentence` (versions 3 and 4
    /// differ only there) and, from version 5, every vector of `dimensions`.
    fn bytes_as(&self, version: u8, dimensions: Option<usize>, sentence: fn(&mut Writer, &[f32])) -> Vec<u8> {
        let mut out = Writer { bytes: [b"SLAE".as_slice(), &[version]].concat(), dimensions, six_bits: version >= 6 };
        if let Some(n) = dimensions {
            out.len(n);
        }
        out.str(&self.model);
        out.opt_vec(self.title.as_deref());
        out.opt_vec(self.lead.as_deref());
        out.len(self.chunks.len());
        self.chunks.iter().for_each(|c| out.vec(c));
        out.len(self.sentences.len());
        self.sentences.iter().for_each(|(_, v)| sentence(&mut out, v));
        for set in [&self.names, &self.numbers] {
            out.len(set.len());
            set.iter().for_each(|s| out.str(s));
        }
        out.i64(self.published.map_or(i64::MIN, |p| p.timestamp()));
        out.str(self.language.as_deref().unwrap_or(""));
        out.bytes
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<ArticleEmbedding> {
        let mut r = Reader { bytes, pos: 0, form: VectorForm::F32, dimensions: None };
        let version = match r.take(5)? {
            [b'S', b'L', b'A', b'E', version @ 1..=6] => *version,
            _ => return Err(SimilarityError::BadEmbedding("unknown header".into())),
        };
        if version >= 3 {
            r.form = if version >= 6 { VectorForm::Int6 } else { VectorForm::Int8 };
        }
        if version >= 5 {
            r.dimensions = Some(r.leb128()?);
        }
        let model = r.str()?;
        let title = r.opt_vec()?;
        let lead = r.opt_vec()?;
        let chunks = (0..r.len()?).map(|_| r.vec()).collect::<Result<_>>()?;
        if version >= 4 {
            r.form = VectorForm::Int4;
        }
        let sentences = (0..r.len()?)
            .map(|_| {
                let text = if version >= 3 { String::new() } else { r.str()? };
                Ok((text, r.vec()?))
            })
            .collect::<Result<_>>()?;
        let names = (0..r.len()?).map(|_| r.str()).collect::<Result<_>>()?;
        let numbers = (0..r.len()?).map(|_| r.str()).collect::<Result<_>>()?;
        let published = match r.i64()? {
            i64::MIN => None,
            t => DateTime::from_timestamp(t, 0),
        };
        let language = if version >= 2 { Some(r.str()?).filter(|l| !l.is_empty()) } else { None };
        Ok(ArticleEmbedding { model, title, lead, chunks, sentences, names, numbers, published, language })
    }
}

/// Capitalised words that do not open a sentence, folded: names of people, places, bodies.
fn names(title: &str, text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for source in [title, text] {
        for sentence in sentences(source) {
            let mut words = sentence.text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '\''));
            words.next();
            for word in words {
                let mut chars = word.chars();
                if chars.next().is_some_and(char::is_uppercase) && word.chars().count() >= 3 {
                    out.insert(fold_word(word));
                }
            }
        }
    }
    out
}

/// Number tokens, with `.`/`,` separators dropped so that 1,234 and 1.234 meet.
fn numbers(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .map(|t| t.trim_matches(|c| c == '.' || c == ','))
        .filter(|t| t.chars().any(|c| c.is_ascii_digit()))
        .map(|t| t.replace([',', '.'], ""))
        .collect()
}

struct Writer {
    bytes: Vec<u8>,
    /// Version 5: the one dimension of every vector, written once; counts and lengths in LEB128.
    dimensions: Option<usize>,
    /// Version 6: title, lead and chunks in six bits.
    six_bits: bool,
}

impl Writer {
    fn u32(&mut self, v: u32) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    /// A count or a length.
    fn len(&mut self, mut n: usize) {
        if self.dimensions.is_none() {
            return self.u32(n as u32);
        }
        while n >= 0x80 {
            self.bytes.push((n & 0x7f) as u8 | 0x80);
            n >>= 7;
        }
        self.bytes.push(n as u8);
    }
    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.bytes.extend_from_slice(s.as_bytes());
    }
    /// A vector's length, where the blob does not give it once.
    fn vec_len(&mut self, v: &[f32]) {
        if self.dimensions.is_none() {
            self.u32(v.len() as u32);
        }
    }
    fn vec(&mut self, v: &[f32]) {
        self.vec_len(v);
        match self.six_bits {
            true => Int6Vector::quantise(v).write(&mut self.bytes),
            false => Int8Vector::quantise(v).write(&mut self.bytes),
        }
    }
    fn int4_vec(&mut self, v: &[f32]) {
        self.vec_len(v);
        Int4Vector::quantise(v).write(&mut self.bytes);
    }
    fn opt_vec(&mut self, v: Option<&[f32]>) {
        match v {
            Some(v) => {
                self.bytes.push(1);
                self.vec(v);
            }
            None => self.bytes.push(0),
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// How the vectors read next are stored.
    form: VectorForm,
    /// Version 5: every vector's dimension, given once; counts and lengths in LEB128.
    dimensions: Option<usize>,
}

/// The stored forms of a vector, by blob version and part.
#[derive(Clone, Copy)]
enum VectorForm {
    /// Versions 1 and 2.
    F32,
    /// Version 3, and the title, lead and chunks of versions 4 and 5.
    Int8,
    /// The title, lead and chunks of version 6.
    Int6,
    /// The sentences of version 4.
    Int4,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8]> {
        let out =
            self.bytes.get(self.pos..self.pos + n).ok_or_else(|| SimilarityError::BadEmbedding("truncated".into()))?;
        self.pos += n;
        Ok(out)
    }
    fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn i64(&mut self) -> Result<i64> {
        let b = self.take(8)?;
        Ok(i64::from_le_bytes(b.try_into().expect("8 bytes")))
    }
    fn leb128(&mut self) -> Result<usize> {
        let mut n = 0usize;
        for shift in (0..35).step_by(7) {
            let byte = self.take(1)?[0];
            n |= ((byte & 0x7f) as usize) << shift;
            if byte & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(SimilarityError::BadEmbedding("length too long".into()))
    }
    /// A count or a length.
    fn len(&mut self) -> Result<usize> {
        match self.dimensions {
            Some(_) => self.leb128(),
            None => Ok(self.u32()? as usize),
        }
    }
    fn str(&mut self) -> Result<String> {
        let n = self.len()?;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| SimilarityError::BadEmbedding("bad text".into()))
    }
    fn vec(&mut self) -> Result<Vec<f32>> {
        let n = match self.dimensions {
            Some(n) => n,
            None => self.u32()? as usize,
        };
        Ok(match self.form {
            VectorForm::F32 => {
                self.take(n * 4)?.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
            }
            VectorForm::Int8 => {
                Int8Vector::read(self.take(Int8Vector::stored_len(n))?, n).expect("length taken").to_f32()
            }
            VectorForm::Int6 => {
                Int6Vector::read(self.take(Int6Vector::stored_len(n))?, n).expect("length taken").to_f32()
            }
            VectorForm::Int4 => {
                Int4Vector::read(self.take(Int4Vector::stored_len(n))?, n).expect("length taken").to_f32()
            }
        })
    }
    fn opt_vec(&mut self) -> Result<Option<Vec<f32>>> {
        Ok(match self.take(1)?[0] {
            0 => None,
            _ => Some(self.vec()?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_names_and_numbers() {
        let names = names("", "Turkey and Qatar met in Tripoli. Akar spoke to al-Sarraj and Heiko Maas.");
        assert!(names.contains("qatar") && names.contains("tripoli") && names.contains("maas"));
        assert!(!names.contains("turkey"), "a sentence's first word is not taken as a name");
        let numbers = numbers("On 17 August 2020, 1,234 troops; another 1.234 and 3.5%.");
        assert_eq!(numbers.into_iter().collect::<Vec<_>>(), vec!["1234", "17", "2020", "35"]);
    }

    fn example() -> ArticleEmbedding {
        ArticleEmbedding {
            model: "m".into(),
            title: Some(vec![0.5, -1.0, 0.013]),
            lead: None,
            chunks: vec![vec![1.0, 2.0, -0.7]],
            sentences: vec![("Hi there.".into(), vec![0.1, 0.2, 0.3]), ("Bye.".into(), vec![0.0, 0.0, 0.0])],
            names: ["maas".to_string()].into(),
            numbers: ["7".to_string()].into(),
            published: DateTime::from_timestamp(1_600_000_000, 0),
            language: Some("de".into()),
        }
    }

    /// Every vector of `read` within half a quantisation step of `written`'s: steps of 1/`levels`
    /// of the largest magnitude, and of `sentence_levels` for the sentences.
    fn assert_vectors_close(read: &ArticleEmbedding, written: &ArticleEmbedding, levels: f32, sentence_levels: f32) {
        let pairs = read
            .title
            .iter()
            .zip(&written.title)
            .chain(read.lead.iter().zip(&written.lead))
            .chain(read.chunks.iter().zip(&written.chunks))
            .map(|pair| (pair, levels))
            .chain(
                read.sentences
                    .iter()
                    .map(|s| &s.1)
                    .zip(written.sentences.iter().map(|s| &s.1))
                    .map(|pair| (pair, sentence_levels)),
            );
        let mut compared = 0;
        for ((r, w), levels) in pairs {
            let half_step = w.iter().fold(0.0f32, |m, x| m.max(x.abs())) / levels / 2.0;
            assert_eq!(r.len(), w.len());
            assert!(r.iter().zip(w).all(|(a, b)| (a - b).abs() <= half_step * 1.0001), "{r:?} against {w:?}");
            compared += 1;
        }
        assert_eq!(
            compared,
            [written.title.is_some(), written.lead.is_some()].iter().filter(|&&x| x).count()
                + written.chunks.len()
                + written.sentences.len()
        );
    }

    /// The form stores wrote before version 3: f32 vectors, sentences with their texts.
    fn version_2_bytes(article: &ArticleEmbedding) -> Vec<u8> {
        let mut out = Writer { bytes: b"SLAE\x02".to_vec(), dimensions: None, six_bits: false };
        let f32s = |out: &mut Writer, v: &[f32]| {
            out.u32(v.len() as u32);
            v.iter().for_each(|x| out.bytes.extend_from_slice(&x.to_le_bytes()));
        };
        out.str(&article.model);
        for v in [&article.title, &article.lead] {
            out.bytes.push(u8::from(v.is_some()));
            if let Some(v) = v {
                f32s(&mut out, v);
            }
        }
        out.u32(article.chunks.len() as u32);
        article.chunks.iter().for_each(|c| f32s(&mut out, c));
        out.u32(article.sentences.len() as u32);
        for (text, v) in &article.sentences {
            out.str(text);
            f32s(&mut out, v);
        }
        for set in [&article.names, &article.numbers] {
            out.u32(set.len() as u32);
            set.iter().for_each(|s| out.str(s));
        }
        out.i64(article.published.map_or(i64::MIN, |p| p.timestamp()));
        out.str(article.language.as_deref().unwrap_or(""));
        out.bytes
    }

    /// The form stores wrote in version 3: every vector as [`Int8Vector`], no sentence texts.
    fn version_3_bytes(article: &ArticleEmbedding) -> Vec<u8> {
        article.bytes_as(3, None, Writer::vec)
    }

    /// The form stores wrote in version 4: each vector's length given, counts and lengths as u32.
    fn version_4_bytes(article: &ArticleEmbedding) -> Vec<u8> {
        article.bytes_as(4, None, Writer::int4_vec)
    }

    /// The form stores wrote in version 5: as version 6, with one byte per dimension of the title,
    /// lead and chunks.
    fn version_5_bytes(article: &ArticleEmbedding) -> Vec<u8> {
        article.bytes_as(5, Some(3), Writer::int4_vec)
    }

    #[test]
    fn round_trips_through_bytes_within_a_quantisation_step() {
        let article = example();
        let read = ArticleEmbedding::from_bytes(&article.to_bytes()).unwrap();
        assert_vectors_close(&read, &article, 31.0, 7.0);
        let texts_dropped = read.sentences.iter().map(|s| (String::new(), s.1.clone())).collect();
        let vectors_as_read =
            ArticleEmbedding { title: read.title.clone(), chunks: read.chunks.clone(), ..article.clone() };
        assert_eq!(read, ArticleEmbedding { sentences: texts_dropped, ..vectors_as_read });
        assert!(ArticleEmbedding::from_bytes(&article.to_bytes()[..20]).is_err());
        let unknown = ArticleEmbedding { language: None, published: None, ..article };
        assert_eq!(ArticleEmbedding::from_bytes(&unknown.to_bytes()).unwrap().language, None);
    }

    #[test]
    fn reads_version_3_bytes_within_a_byte_step() {
        let article = example();
        let read = ArticleEmbedding::from_bytes(&version_3_bytes(&article)).unwrap();
        assert_vectors_close(&read, &article, 127.0, 127.0);
        assert_eq!(read.names, article.names);
        assert_eq!(read.language, article.language);
    }

    /// Version 5 blobs read within a byte step, and version 6 is smaller by a quarter of each
    /// title, lead and chunk vector.
    #[test]
    fn reads_version_5_bytes_within_a_byte_step() {
        let article = example();
        let read = ArticleEmbedding::from_bytes(&version_5_bytes(&article)).unwrap();
        assert_vectors_close(&read, &article, 127.0, 7.0);
        assert_eq!((read.names, read.language), (article.names.clone(), article.language.clone()));
        // Two vectors of three dimensions: 3 bytes each in version 5, 3 × 6 bits (3 bytes) in 6.
        assert_eq!(version_5_bytes(&article).len(), article.to_bytes().len());
        let wide = ArticleEmbedding {
            title: Some(vec![0.1; 512]),
            chunks: vec![vec![0.2; 512]],
            sentences: vec![],
            ..article
        };
        assert_eq!(wide.bytes_as(5, Some(512), Writer::int4_vec).len() - wide.to_bytes().len(), 2 * 128);
    }

    /// Version 4 blobs (each vector's length, u32 counts) read as the same embedding as version
    /// 5, which is smaller by those bytes; vectors of several lengths keep version 4's form.
    #[test]
    fn reads_version_4_bytes_as_version_5() {
        let article = example();
        let (old, now) = (version_4_bytes(&article), version_5_bytes(&article));
        assert_eq!(ArticleEmbedding::from_bytes(&old).unwrap(), ArticleEmbedding::from_bytes(&now).unwrap());
        // 4 vectors' lengths (u32) gone; 8 counts and lengths (model, chunks, sentences, names,
        // numbers, their 2 strings, language) in one byte instead of four; the dimension added.
        assert_eq!(old.len() - now.len(), 4 * 4 + 8 * 3 - 1, "{} against {}", now.len(), old.len());
        let long = "x".repeat(300);
        let uneven = ArticleEmbedding { lead: Some(vec![1.0; 5]), names: [long.clone()].into(), ..article };
        assert_eq!(uneven.to_bytes()[4], 4);
        let read = ArticleEmbedding::from_bytes(&uneven.to_bytes()).unwrap();
        assert_eq!((read.lead.unwrap().len(), read.names), (5, [long.clone()].into()));
        let named = ArticleEmbedding { names: [long.clone()].into(), ..example() };
        assert_eq!(ArticleEmbedding::from_bytes(&named.to_bytes()).unwrap().names, [long].into());
    }

    #[test]
    fn stored_form_is_three_sixteenths_of_f32_and_sentences_an_eighth() {
        let vector: Vec<f32> = (0..512).map(|i| (i as f32 * 0.37).sin()).collect();
        let article = ArticleEmbedding {
            title: Some(vector.clone()),
            lead: Some(vector.clone()),
            chunks: vec![vector.clone(); 2],
            sentences: vec![("A sentence of about this length.".into(), vector); 12],
            ..example()
        };
        let (now, before) = (article.to_bytes().len(), version_2_bytes(&article).len());
        assert!(now * 4 < before + 16 * 100, "{now} bytes against {before}");
        let vectors = 4 * Int6Vector::stored_len(512) + 12 * Int4Vector::stored_len(512);
        assert!(now < vectors + 16 * 8 + 100, "{now} bytes for {vectors} of vectors");
    }

    #[test]
    fn reads_version_2_bytes_exactly() {
        let article = example();
        assert_eq!(ArticleEmbedding::from_bytes(&version_2_bytes(&article)).unwrap(), article);
    }

    #[test]
    fn reads_version_1_bytes() {
        // Version 1 ended at the publication time: no language.
        let article = example();
        let mut old = version_2_bytes(&article);
        old.truncate(old.len() - (4 + 2));
        old[4] = 1;
        let read = ArticleEmbedding::from_bytes(&old).unwrap();
        assert_eq!(read, ArticleEmbedding { language: None, ..article });
    }
}

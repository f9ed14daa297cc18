//! A synthetic news stream for measuring storyline at scale: real sentences from real articles,
//! recombined into as many distinct articles as asked for, the same for the same sources and
//! size on every machine.
//!
//! No public corpus of a million dated, multilingual news articles is at hand, and a store that
//! grows for years is what the measure is about; so the stream is made. What makes it look like
//! news to the pipeline:
//!
//! - **Stories.** Articles come in stories of about [`ARTICLES_PER_STORY`] reports, each story
//!   drawing most of its sentences from a few source articles of one language (so its reports
//!   share words and form events), the rest from anywhere in that language. Only languages with
//!   at least [`MIN_LANGUAGE_SOURCES`] sources are drawn: ML-Crisis has four English texts (its
//!   reference timelines), and every fourth story recombining the same four made all English
//!   reports one storyline.
//! - **Time.** Stories start in order over [`YEARS`] years; a report is published within four days of
//!   its story's start, and several stories run at once.
//! - **Copies.** A known share of articles are exact copies ([`COPY_SHARE`]) or republications
//!   ([`REPUBLICATION_SHARE`]: another outlet's headline, the first sentence dropped, a line of
//!   its own added) of an article made earlier in the stream.
//!
//! Article `i` is a pure function of the sources and `i` (a SplitMix64 stream seeded by `i`), so
//! any part of the stream can be made alone, in parallel, and a copy is made by making its original
//! again.

use chrono::{DateTime, Duration, TimeZone, Utc};
use storyline_model::{Article, Language, SourceFormat};

/// Reports per story, on average.
pub const ARTICLES_PER_STORY: u64 = 15;
/// The years the stream's publication dates cover (stories are spread evenly over them; a stream
/// of any size covers them all).
pub const YEARS: i64 = 6;
/// The share of articles that are exact copies of an earlier one (another outlet, same text).
pub const COPY_SHARE: f64 = 0.03;
/// The share of articles that republish an earlier one with small edits.
pub const REPUBLICATION_SHARE: f64 = 0.02;
/// The fewest source articles a language needs for stories to be drawn from it.
pub const MIN_LANGUAGE_SOURCES: usize = 10;
/// Outlets the articles are spread over.
const OUTLETS: u64 = 60;

/// What an article of the stream is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Original,
    /// The same text as the article with this index.
    CopyOf(u64),
    /// A lightly edited version of the article with this index.
    RepublicationOf(u64),
}

/// The sentences of one source article.
struct Source {
    language: String,
    sentences: Vec<String>,
}

/// The sources a stream draws from, by language.
pub struct Corpus {
    sources: Vec<Source>,
    /// Source indexes of each language, and the languages in a fixed order.
    by_language: Vec<(String, Vec<usize>)>,
    /// How many articles the stream has: dates are spread over [`YEARS`] for this many.
    total: u64,
}

/// A SplitMix64 stream: small, fast and the same everywhere (no crate's version can change it).
struct Mix(u64);

impl Mix {
    fn new(seed: u64) -> Mix {
        Mix(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl Corpus {
    /// Sources from real articles: each with a language and at least a few sentences.
    pub fn new(articles: &[Article], total: u64) -> Option<Corpus> {
        let mut sources: Vec<Source> = Vec::new();
        for article in articles {
            let Some(language) = article.language_code() else { continue };
            let sentences: Vec<String> = storyline_text::sentences(&article.text)
                .into_iter()
                .map(|s| s.text.to_string())
                .filter(|s| s.split_whitespace().count() >= 5)
                .collect();
            if sentences.len() >= 4 {
                sources.push(Source { language: language.to_string(), sentences });
            }
        }
        let mut per_language: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for source in &sources {
            *per_language.entry(source.language.clone()).or_default() += 1;
        }
        sources.retain(|source| per_language[&source.language] >= MIN_LANGUAGE_SOURCES);
        let mut by_language: Vec<(String, Vec<usize>)> = Vec::new();
        for (i, source) in sources.iter().enumerate() {
            match by_language.iter_mut().find(|(l, _)| *l == source.language) {
                Some((_, indexes)) => indexes.push(i),
                None => by_language.push((source.language.clone(), vec![i])),
            }
        }
        by_language.sort();
        (!sources.is_empty()).then_some(Corpus { sources, by_language, total: total.max(1) })
    }

    pub fn sources(&self) -> usize {
        self.sources.len()
    }

    /// What article `i` is.
    pub fn origin(&self, i: u64) -> Origin {
        let mut mix = Mix::new(i ^ 0x00C0_FFEE);
        let roll = mix.unit();
        if i < 100 || roll >= COPY_SHARE + REPUBLICATION_SHARE {
            return Origin::Original;
        }
        // A recent article mostly (wire copy is picked up within days), sometimes an old one.
        let back = if mix.below(10) == 0 { 1 + mix.below(i) } else { 1 + mix.below(i.min(2000)) };
        let earlier = self.original_behind(i - back);
        if roll < COPY_SHARE {
            Origin::CopyOf(earlier)
        } else {
            Origin::RepublicationOf(earlier)
        }
    }

    /// The original article at or before `i` (copies are made of originals).
    fn original_behind(&self, mut i: u64) -> u64 {
        while self.origin(i) != Origin::Original {
            i -= 1;
        }
        i
    }

    /// The story article `i` reports, and the story's start. Several stories run at once: an
    /// article belongs to one of the last few opened.
    fn story(&self, i: u64) -> u64 {
        let mut mix = Mix::new(i ^ 0x5709);
        (i / ARTICLES_PER_STORY).saturating_sub(mix.below(6))
    }

    fn story_start(&self, story: u64) -> DateTime<Utc> {
        let stories = (self.total / ARTICLES_PER_STORY).max(1);
        let span = Duration::days(365 * YEARS).num_seconds();
        let start = Utc.with_ymd_and_hms(2015, 1, 1, 0, 0, 0).single().unwrap_or_default();
        start + Duration::seconds(span * story.min(stories) as i64 / stories as i64)
    }

    /// Article `i` of the stream.
    pub fn article(&self, i: u64) -> Article {
        match self.origin(i) {
            Origin::Original => self.original(i),
            Origin::CopyOf(j) => {
                let mut article = self.original(j);
                let mut mix = Mix::new(i);
                self.restamp(&mut article, i, &mut mix);
                article
            }
            Origin::RepublicationOf(j) => {
                let mut article = self.original(j);
                let mut mix = Mix::new(i);
                self.restamp(&mut article, i, &mut mix);
                let mut paragraphs: Vec<&str> = article.text.split("\n\n").collect();
                if paragraphs.len() > 3 {
                    paragraphs.remove(0);
                }
                let own = format!("Published with permission. Outlet {} news desk.", mix.below(OUTLETS));
                article.text = format!("{}\n\n{own}", paragraphs.join("\n\n"));
                article.title = article.title.map(|t| format!("{t} | outlet {}", mix.below(OUTLETS)));
                article
            }
        }
    }

    /// Gives a copy its own id, outlet and a publication date a little after its original's.
    fn restamp(&self, article: &mut Article, i: u64, mix: &mut Mix) {
        article.id = id_of(i);
        article.outlet = Some(format!("outlet-{}", mix.below(OUTLETS)));
        article.url = Some(format!("https://outlet-{}.example/{}", mix.below(OUTLETS), article.id));
        article.published = article.published.map(|d| d + Duration::minutes(30 + mix.below(48 * 60) as i64));
    }

    fn original(&self, i: u64) -> Article {
        let story = self.story(i);
        let mut story_mix = Mix::new(story ^ 0x57_0000_0000);
        let (language, pool) = &self.by_language[story_mix.below(self.by_language.len() as u64) as usize];
        let story_sources: Vec<usize> = (0..3).map(|_| pool[story_mix.below(pool.len() as u64) as usize]).collect();

        let mut mix = Mix::new(i);
        let wanted = 8 + mix.below(13) as usize;
        let mut sentences: Vec<&str> = Vec::with_capacity(wanted);
        for _ in 0..wanted {
            let source = if mix.unit() < 0.65 {
                &self.sources[story_sources[mix.below(3) as usize]]
            } else {
                &self.sources[pool[mix.below(pool.len() as u64) as usize]]
            };
            sentences.push(&source.sentences[mix.below(source.sentences.len() as u64) as usize]);
        }
        let headline_source = &self.sources[story_sources[0]];
        let headline = &headline_source.sentences[mix.below(headline_source.sentences.len().min(3) as u64) as usize];
        let title: String = headline.split_whitespace().take(12).collect::<Vec<_>>().join(" ");
        let text = sentences.chunks(3).map(|paragraph| paragraph.join(" ")).collect::<Vec<_>>().join("\n\n");
        let mut article = Article::new(id_of(i), text, SourceFormat::Jsonl);
        article.title = Some(title);
        article.language = Some(Language { code: language.clone(), confidence: 1.0 });
        article.outlet = Some(format!("outlet-{}", mix.below(OUTLETS)));
        article.url = Some(format!("https://outlet-{}.example/{}", mix.below(OUTLETS), article.id));
        article.published = Some(self.story_start(story) + Duration::minutes(mix.below(4 * 24 * 60) as i64));
        article
    }
}

/// The id of article `i`.
pub fn id_of(i: u64) -> String {
    format!("syn-{i:07}")
}

/// The real articles a stream is made from: every article under `paths`.
pub fn load_sources(paths: &[std::path::PathBuf]) -> Vec<Article> {
    let (files, _) = storyline_ingest::discover(paths);
    storyline_ingest::read_files(&files).into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(total: u64) -> Corpus {
        let text = |n: usize| {
            (0..12)
                .map(|s| format!("Sentence number {s} of source article {n} says something here."))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let articles: Vec<Article> = (0..20)
            .map(|n| {
                let mut a = Article::new(format!("s{n}"), text(n), SourceFormat::Text);
                a.language = Some(Language { code: if n % 2 == 0 { "es" } else { "fr" }.into(), confidence: 1.0 });
                a
            })
            .collect();
        Corpus::new(&articles, total).unwrap()
    }

    #[test]
    fn the_stream_is_the_same_every_time_and_its_articles_are_distinct() {
        let (a, b) = (corpus(5000), corpus(5000));
        let texts: Vec<String> = (0..2000).map(|i| a.article(i).text).collect();
        for i in [0, 17, 1999] {
            assert_eq!(a.article(i).text, b.article(i).text);
            assert_eq!(a.article(i).published, b.article(i).published);
        }
        let originals: Vec<u64> = (0..2000).filter(|&i| a.origin(i) == Origin::Original).collect();
        let distinct: std::collections::HashSet<&String> = originals.iter().map(|&i| &texts[i as usize]).collect();
        assert_eq!(distinct.len(), originals.len());
    }

    #[test]
    fn a_language_with_few_sources_is_not_drawn() {
        let article = |n: usize, code: &str| {
            let text: Vec<String> = (0..12).map(|s| format!("Sentence {s} of text {n} says something here.")).collect();
            let mut a = Article::new(format!("s{n}"), text.join(" "), SourceFormat::Text);
            a.language = Some(Language { code: code.into(), confidence: 1.0 });
            a
        };
        let articles: Vec<Article> =
            (0..20).map(|n| article(n, "es")).chain((20..23).map(|n| article(n, "en"))).collect();
        let c = Corpus::new(&articles, 1000).unwrap();
        assert_eq!(c.sources(), 20);
        assert!((0..300).all(|i| c.article(i).language_code() == Some("es")));
    }

    #[test]
    fn copies_repeat_an_earlier_original_in_the_stated_share() {
        let c = corpus(20_000);
        let mut copies = 0;
        let mut republications = 0;
        for i in 0..20_000 {
            match c.origin(i) {
                Origin::CopyOf(j) => {
                    assert!(j < i && c.origin(j) == Origin::Original);
                    assert_eq!(c.article(i).text, c.article(j).text);
                    copies += 1;
                }
                Origin::RepublicationOf(j) => {
                    assert!(j < i);
                    assert_ne!(c.article(i).text, c.article(j).text);
                    republications += 1;
                }
                Origin::Original => {}
            }
        }
        assert!((500..700).contains(&copies), "{copies}");
        assert!((320..480).contains(&republications), "{republications}");
    }
}

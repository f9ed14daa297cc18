//! Where the articles a source finds go: stored here, or published raw to the article stream.
//!
//! Every source (`ingest`, `feeds poll`, `watch`, `POST /api/articles`) reads or fetches
//! articles and hands them to an [`ArticleSink`]; `--publish-to URL` chooses the stream. The
//! store sink prepares, decides and stores them in this process, as `storyline ingest` always
//! has. The stream sink publishes them raw: `storyline worker`s prepare them and the one
//! `storyline consume` stores them, in the order they were published, exactly as the store sink
//! would have. Either way a send returns only once its articles are safe: committed to the
//! store, or stored by the NATS server (which acknowledges each publish).

use std::path::PathBuf;

use anyhow::{Context, Result};
use storyline_model::Article;
use storyline_store::Store;
use storyline_stream::{ArticleStream, StreamOptions};

use crate::{ingest_articles, ingest_paths, IngestOptions, IngestProgress, IngestReport};

/// A connection to the article stream that publishes raw articles; cheap to clone.
#[derive(Clone)]
pub struct ArticlePublisher {
    stream: ArticleStream,
    url: String,
}

impl std::fmt::Debug for ArticlePublisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArticlePublisher").field("url", &self.url).field("stream", &self.stream.options().name).finish()
    }
}

impl ArticlePublisher {
    /// Connects to the NATS server (or cluster: URLs separated by commas) and sets up the
    /// streams named `stream` when they are not there yet.
    pub fn connect(url: &str, stream: &str) -> Result<ArticlePublisher> {
        let options = StreamOptions { name: stream.to_string(), ..StreamOptions::default() };
        // The stream's own errors name the URL and what to do.
        let stream = ArticleStream::connect(url, options)?;
        Ok(ArticlePublisher { stream, url: url.to_string() })
    }

    /// The NATS server(s), as given.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Publishes articles in order; returns once the server has stored each. An article
    /// published before (the same id and text, within the server's duplicate window) is stored
    /// once, and counted as unchanged.
    fn publish(&self, articles: Vec<Article>, report: &mut IngestReport) -> Result<()> {
        if articles.is_empty() {
            return Ok(());
        }
        report.articles += articles.len();
        let messages = articles.into_iter().map(|article| (message_id(&article), article)).collect();
        let published = self.stream.publish_raw(messages).with_context(|| format!("publishing to {}", self.url))?;
        for article in published {
            if article.duplicate {
                report.unchanged += 1;
            } else {
                report.new += 1;
            }
        }
        Ok(())
    }
}

/// The message id of a raw article: its id and its text, so publishing the same article again
/// stores nothing new, and a changed text under the same id is a new message.
fn message_id(article: &Article) -> String {
    let words = storyline_text::words(&article.text);
    format!("{}:{:016x}", article.id, storyline_text::words_hash(&words))
}

/// Where a source's articles go.
pub enum ArticleSink<'a> {
    /// Prepared, decided and stored in this process, into this store.
    Store(&'a mut Store),
    /// Published raw to the article stream, for workers and the one consumer.
    Stream(&'a ArticlePublisher),
}

impl<'a> ArticleSink<'a> {
    /// The stream sink when there is a publisher, else the store sink on `store`.
    pub fn choose(store: &'a mut Store, publisher: Option<&'a ArticlePublisher>) -> ArticleSink<'a> {
        match publisher {
            Some(publisher) => ArticleSink::Stream(publisher),
            None => ArticleSink::Store(store),
        }
    }

    /// Whether articles go to the stream (and are stored later, elsewhere).
    pub fn publishes(&self) -> bool {
        matches!(self, ArticleSink::Stream(_))
    }

    /// Sends parsed articles, in order, as one batch.
    pub fn send_articles(&mut self, articles: Vec<Article>, options: &IngestOptions) -> Result<IngestReport> {
        match self {
            ArticleSink::Store(store) => ingest_articles(store, articles, options),
            ArticleSink::Stream(publisher) => {
                let mut report = IngestReport::default();
                publisher.publish(articles, &mut report)?;
                Ok(report)
            }
        }
    }

    /// Reads every file under `paths` (found as `options.discovery` says) and sends its
    /// articles, `options.batch_files` files at a time. `progress` is called after each batch.
    pub fn send_files(
        &mut self,
        paths: &[PathBuf],
        options: &IngestOptions,
        progress: &dyn Fn(IngestProgress),
    ) -> Result<IngestReport> {
        let publisher = match self {
            ArticleSink::Store(store) => return ingest_paths(store, paths, options, progress),
            ArticleSink::Stream(publisher) => publisher,
        };
        let (files, skipped) = storyline_ingest::discover_with(paths, &options.discovery);
        let mut report = IngestReport { files: files.len(), skipped, ..Default::default() };
        let mut done =
            IngestProgress { files_done: 0, files_total: files.len(), articles_done: 0, waiting_for_writer: None };
        progress(done);
        let repeated = crate::pipeline::repeated_lines(&files);
        for chunk in files.chunks(options.batch_files.max(1)) {
            let mut articles = Vec::new();
            for item in chunk.iter().flat_map(|file| crate::pipeline::read_among(file, &repeated)) {
                match item {
                    Ok(article) => articles.push(article),
                    Err(skip) => report.skipped.push(skip),
                }
            }
            publisher.publish(articles, &mut report)?;
            done.files_done += chunk.len();
            done.articles_done = report.articles;
            progress(done);
        }
        Ok(report)
    }
}

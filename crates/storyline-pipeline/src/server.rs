//! The storyline library as the HTTP server's backend: the server ingests (or publishes to the
//! article stream) and computes coverage through these functions, exactly as the command line
//! does.

use std::sync::{Arc, OnceLock};

use storyline_model::{Article, EventId};
use storyline_server::{Backend, BoxError, IngestCounts};
use storyline_store::Store;

use crate::{event_coverage, ArticlePublisher, ArticleSink, IngestOptions};

/// The pipeline behind `storyline serve`.
#[derive(Debug, Clone, Default)]
pub struct ServerBackend {
    pub options: IngestOptions,
    /// Posted articles go to the article stream through this, instead of into the store.
    pub publisher: Option<ArticlePublisher>,
    /// The country outlines, read from the models folder at their first request.
    pub outlines: Arc<OnceLock<Option<Arc<String>>>>,
}

impl ServerBackend {
    fn send(&self, mut sink: ArticleSink, articles: Vec<Article>) -> Result<IngestCounts, BoxError> {
        // The server logs a failure by its message alone: give it every cause.
        let report = sink.send_articles(articles, &self.options).map_err(|error| format!("{error:#}"))?;
        Ok(IngestCounts { new: report.new, unchanged: report.unchanged, skipped: report.skipped })
    }
}

impl Backend for ServerBackend {
    fn ingest(&self, store: &mut Store, articles: Vec<Article>) -> Result<IngestCounts, BoxError> {
        self.send(ArticleSink::Store(store), articles)
    }

    fn can_ingest(&self) -> bool {
        self.publisher.is_none()
    }

    fn publish(&self, articles: Vec<Article>) -> Result<IngestCounts, BoxError> {
        match &self.publisher {
            Some(publisher) => self.send(ArticleSink::Stream(publisher), articles),
            None => Err("this server stores articles; it does not publish them".into()),
        }
    }

    fn publishes(&self) -> bool {
        self.publisher.is_some()
    }

    fn coverage(&self, store: &Store, event: EventId) -> Result<Option<serde_json::Value>, BoxError> {
        match event_coverage(store, event)? {
            Some(coverage) => Ok(Some(serde_json::to_value(coverage)?)),
            None => Ok(None),
        }
    }

    fn has_coverage(&self) -> bool {
        true
    }

    fn country_outlines(&self) -> Option<Arc<String>> {
        let load = || {
            let dir = self.options.models_dir.join("geonames");
            match storyline_geo::outlines::load_outlines(&dir) {
                Ok(outlines) => serde_json::to_string(&outlines).ok().map(Arc::new),
                Err(error) => {
                    tracing::warn!("maps without country outlines: {error}");
                    None
                }
            }
        };
        self.outlines.get_or_init(load).clone()
    }

    fn storyline_summary(&self, store: &Store, storyline: i64) -> Result<Option<serde_json::Value>, BoxError> {
        match crate::storyline_summary(store, storyline, SUMMARY_DAYS, SENTENCES_PER_DAY, SUMMARY_ARTICLES)? {
            Some(summary) => Ok(Some(serde_json::to_value(summary)?)),
            None => Ok(None),
        }
    }
}

/// The storyline page's summary: its ten most reported days, two sentences each (as `storyline
/// timeline` by default).
const SUMMARY_DAYS: usize = 10;
const SENTENCES_PER_DAY: usize = 2;
/// The most articles a storyline page's summary reads (from the storyline's largest events):
/// every storyline of the evaluation corpora is smaller, a chained one on a large store is not.
const SUMMARY_ARTICLES: usize = 500;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_outlines_come_from_the_models_folder_once_installed() {
        let models = tempfile::tempdir().unwrap();
        let backend = |models: &std::path::Path| ServerBackend {
            options: IngestOptions { models_dir: models.to_path_buf(), ..Default::default() },
            ..Default::default()
        };
        assert_eq!(backend(models.path()).country_outlines(), None, "not installed: the page draws a bare graticule");

        std::fs::create_dir(models.path().join("geonames")).unwrap();
        std::fs::write(
            models.path().join("geonames").join(storyline_geo::outlines::OUTLINES_FILE),
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Libya"},
                "geometry":{"type":"Polygon","coordinates":[[[9,33],[25,33],[25,20],[9,20],[9,33]]]}}]}"#,
        )
        .unwrap();
        let outlines = backend(models.path()).country_outlines().expect("installed");
        let outlines: serde_json::Value = serde_json::from_str(&outlines).unwrap();
        assert_eq!(outlines, serde_json::json!([{ "name": "Libya", "path": "M189 57l16 0 0 13 -16 0Z" }]));
    }
}

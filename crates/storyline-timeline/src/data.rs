//! Reading the ML-Crisis timeline data set: `LANG/TOPIC/YYYY-MM-DD/*.txt` articles (first line
//! the title) and `LANG/reference/TOPIC.txt` reference timelines (a date line, summary
//! sentences, a line of dashes).

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::{DatedArticle, Timeline};

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
}

fn read_dir(path: &Path) -> Result<Vec<PathBuf>, DataError> {
    let err = |source| DataError::Read { path: path.display().to_string(), source };
    let mut out: Vec<PathBuf> =
        std::fs::read_dir(path).map_err(err)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    out.sort();
    Ok(out)
}

/// Languages with articles (folders other than `reference` holding topic folders), sorted.
pub fn languages(root: &Path) -> Result<Vec<String>, DataError> {
    let mut out = Vec::new();
    for lang in read_dir(root)?.into_iter().filter(|p| p.is_dir()) {
        if topics(root, &lang.file_name().unwrap_or_default().to_string_lossy())?.is_empty() {
            continue;
        }
        out.push(lang.file_name().unwrap_or_default().to_string_lossy().into_owned());
    }
    Ok(out)
}

/// Topics of one language that have articles.
pub fn topics(root: &Path, language: &str) -> Result<Vec<String>, DataError> {
    Ok(read_dir(&root.join(language))?
        .into_iter()
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "reference"))
        .map(|p| p.file_name().unwrap_or_default().to_string_lossy().into_owned())
        .collect())
}

/// The articles of one topic; files that are not in a date folder are skipped.
pub fn articles(root: &Path, language: &str, topic: &str) -> Result<Vec<DatedArticle>, DataError> {
    let mut out = Vec::new();
    for day in read_dir(&root.join(language).join(topic))? {
        let name = day.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let Ok(published) = NaiveDate::parse_from_str(&name, "%Y-%m-%d") else { continue };
        for file in read_dir(&day)?.into_iter().filter(|p| p.extension().is_some_and(|e| e == "txt")) {
            let bytes =
                std::fs::read(&file).map_err(|source| DataError::Read { path: file.display().to_string(), source })?;
            let text = String::from_utf8_lossy(&bytes);
            let (title, body) = text.split_once('\n').unwrap_or((&text, ""));
            out.push(DatedArticle { published, title: title.trim().to_string(), text: body.to_string() });
        }
    }
    Ok(out)
}

/// A reference timeline; `None` when the file does not exist.
pub fn reference(root: &Path, language: &str, topic: &str) -> Result<Option<Timeline>, DataError> {
    let path = root.join(language).join("reference").join(format!("{topic}.txt"));
    if !path.is_file() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|source| DataError::Read { path: path.display().to_string(), source })?;
    Ok(Some(parse_reference(&text)))
}

/// Parses the reference format: a `YYYY-MM-DD` line opens a date, following lines are its
/// sentences, a line of dashes closes it. A date given twice gathers both entries.
pub fn parse_reference(text: &str) -> Timeline {
    let mut timeline = Timeline::new();
    let mut current: Option<NaiveDate> = None;
    for line in text.lines().map(str::trim) {
        if line.is_empty() {
            continue;
        }
        if line.chars().all(|c| c == '-') {
            current = None;
        } else if let (None, Ok(date)) = (current, NaiveDate::parse_from_str(line, "%Y-%m-%d")) {
            current = Some(date);
            timeline.entry(date).or_default();
        } else if let Some(date) = current {
            timeline.entry(date).or_default().push(line.to_string());
        }
    }
    timeline
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_reference_entries() {
        let t = parse_reference("2011-01-16\nFirst .\nSecond .\n--------\n2011-01-19\nThird .\n-----\n");
        assert_eq!(t.len(), 2);
        assert_eq!(t.values().next().unwrap().len(), 2);
    }
}

//! Pages that are not articles: a scraper's error page ("too many connections from your IP"),
//! a paywall, cookie or log-in wall with little text behind it, an index page that is a list of
//! links. Clustered, they become events of their own (the largest event of an STS22 ingest was 17
//! copies of one error page), so ingest skips them with the reason.
//!
//! Rules, not a model: each kind has a few phrases in the corpora's languages and a size below
//! which a page that says them has nothing else to say. How well they do on a labelled sample of
//! the corpora is in docs/EVALUATION.md ("Pages that are not articles").

use storyline_model::Article;

use crate::clutter;

/// What a page is when it is not an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    /// An HTTP or scraper error, a block or a captcha instead of the page.
    Error,
    /// A paywall, cookie or log-in wall with (almost) no article behind it.
    Wall,
    /// A list of links or headlines: a section front, a tag page, a site map.
    Index,
}

impl PageKind {
    pub fn reason(self) -> &'static str {
        match self {
            PageKind::Error => "not an article: error page",
            PageKind::Wall => "not an article: paywall, cookie or log-in wall",
            PageKind::Index => "not an article: index page or list of links",
        }
    }
}

/// Phrases of error and block pages. Lower-case; matched anywhere in a short page.
const ERROR_PHRASES: &[&str] = &[
    "too many connections",
    "huge amount of connections",
    "amount of connections from the ip",
    "not a robot",
    "nie jestem robotem",
    "no soy un robot",
    "je ne suis pas un robot",
    "non sono un robot",
    "ich bin kein roboter",
    "ogromną ilość połączeń",
    "captcha",
    "access denied",
    "acceso denegado",
    "accès refusé",
    "accesso negato",
    "zugriff verweigert",
    "403 forbidden",
    "404 not found",
    "error 404",
    "404 error",
    "page not found",
    "página no encontrada",
    "page introuvable",
    "pagina non trovata",
    "seite nicht gefunden",
    "página não encontrada",
    "the page you requested",
    "this page could not be found",
    "the requested url was not found",
    "service unavailable",
    "bad gateway",
    "checking your browser",
    "you have been blocked",
    "request blocked",
    "your ip address",
    "twój adres ip",
    "tu dirección ip",
    "votre adresse ip",
    "il tuo indirizzo ip",
    "enable javascript and cookies to continue",
    "cookies must be enabled",
    "to enable cookies",
];

/// Phrases of walls: what a page says instead of the article.
const WALL_PHRASES: &[&str] = &[
    "subscribe to continue",
    "to continue reading",
    "subscribe to read",
    "for subscribers only",
    "this content is for subscribers",
    "already a subscriber",
    "para seguir leyendo",
    "para continuar leyendo",
    "contenido exclusivo para suscriptores",
    "esta es tu última noticia",
    "suscríbete",
    "suscribite",
    "réservé aux abonnés",
    "pour lire la suite",
    "abonnez-vous",
    "contenuto riservato agli abbonati",
    "per continuare a leggere",
    "abbonati",
    "weiterlesen mit",
    "nur für abonnenten",
    "exclusivo para assinantes",
    "please log in",
    "inicia sesión para",
    "connectez-vous pour",
    "accedi per",
];

/// A page that says an error phrase has nothing else to say when it is this short (an error page
/// with a site's menu around it is longer than the bare message) and says it at once: an article
/// may end with a form that mentions a captcha.
const MAX_ERROR_PAGE_WORDS: usize = 150;
const ERROR_OPENING_CHARS: usize = 300;
/// With two different error phrases the page may be longer: menus, footers, the message repeated
/// in a second language.
const MAX_ERROR_PAGE_WORDS_SURE: usize = 400;
/// The article text left behind a wall is at most a teaser.
const MAX_WALL_WORDS: usize = 60;
/// An index page has many short lines, almost none of them sentences.
const MIN_INDEX_LINES: usize = 12;
const INDEX_SHORT_LINE_WORDS: usize = 12;
/// Short in characters too, for scripts written without spaces.
const INDEX_SHORT_LINE_CHARS: usize = 80;

/// The reason `article` is not an article, or `Ok` when it is one.
pub fn check(article: &Article) -> Result<(), String> {
    match classify(article.title.as_deref(), &article.text, article.removed.iter().map(|cut| cut.reason.as_str())) {
        Some(kind) => Err(kind.reason().to_string()),
        None => Ok(()),
    }
}

/// What a page is when it is not an article, from its title, its cleaned text (paragraphs separated
/// by blank lines) and the reasons of the lines cut from it as clutter.
pub fn classify<'a>(title: Option<&str>, text: &str, cut_reasons: impl Iterator<Item = &'a str>) -> Option<PageKind> {
    let words = text.split_whitespace().count();
    let page = format!("{}\n{text}", title.unwrap_or_default()).to_lowercase();
    let error_phrases = ERROR_PHRASES.iter().filter(|phrase| page.contains(*phrase)).count();
    let opening: String = page.chars().take(ERROR_OPENING_CHARS).collect();
    let opens_with_error = ERROR_PHRASES.iter().any(|phrase| opening.contains(phrase));
    if (opens_with_error && words <= MAX_ERROR_PAGE_WORDS) || (error_phrases >= 2 && words <= MAX_ERROR_PAGE_WORDS_SURE)
    {
        return Some(PageKind::Error);
    }
    if words <= MAX_WALL_WORDS {
        let walled = WALL_PHRASES.iter().any(|phrase| page.contains(phrase))
            || cut_reasons.into_iter().any(|reason| {
                [clutter::COOKIE_NOTICE, clutter::LOGIN_PROMPT, clutter::SUBSCRIBE_PROMPT].contains(&reason)
            });
        if walled {
            return Some(PageKind::Wall);
        }
    }
    is_index(text).then_some(PageKind::Index)
}

/// Many lines, nearly all of them short, almost none of them a sentence: a list of headlines or
/// links. An article that lists things (38 blocked web sites) still has sentences around the list.
fn is_index(text: &str) -> bool {
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|line| !line.is_empty()).collect();
    if lines.len() < MIN_INDEX_LINES {
        return false;
    }
    let short = lines
        .iter()
        .filter(|line| {
            line.split_whitespace().count() <= INDEX_SHORT_LINE_WORDS && line.chars().count() <= INDEX_SHORT_LINE_CHARS
        })
        .count();
    let sentences = lines.iter().filter(|line| line.ends_with(['.', '!', '?', '。', '！', '？'])).count();
    // Nine lines in ten are short, and sentences are rarer than one line in ten.
    short * 10 >= lines.len() * 9 && sentences * 10 < lines.len() && sentences <= 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> Option<PageKind> {
        classify(None, text, std::iter::empty())
    }

    #[test]
    fn scraper_error_pages() {
        let english = "We are sorry, but we recorded a huge amount of connections from the IP address you are \
                       connecting from.\n\nWe suspect that someone has misused the IP address you are using.\n\nIf \
                       you want to connect with us, select \"I AM NOT A ROBOT\".\n\nYour IP address: 192.0.2.1";
        assert_eq!(kind(english), Some(PageKind::Error));
        let polish = "Przykro nam, ale z adresu IP z którego się łączysz odnotowaliśmy ogromną ilość połączeń.\n\n\
                      Jeśli chcesz połączyć się z nami zaznacz \"NIE JESTEM ROBOTEM\".";
        assert_eq!(kind(polish), Some(PageKind::Error));
        assert_eq!(kind("404 Not Found\n\nThe requested URL was not found on this server."), Some(PageKind::Error));
        let cookies_blocked = format!(
            "The Courier Mail No Cookies To use this website, cookies must be enabled in your browser. To enable cookies, \
             follow the instructions for your browser below. {}",
            "Open the settings of your browser, find the privacy section and allow sites to save data. ".repeat(8)
        );
        assert_eq!(kind(&cookies_blocked), Some(PageKind::Error));
    }

    #[test]
    fn articles_that_mention_errors_stay() {
        let article = format!(
            "Hackers blocked access to the ministry's site, which showed \"access denied\" for two days. {}",
            "The minister said the systems were restored and no data was lost in the attack. ".repeat(12)
        );
        assert_eq!(kind(&article), None);
        let with_form = format!(
            "{}\n\nLeave a comment\n\nType the captcha",
            "The pope apologised on Sunday for losing his patience with a pilgrim. ".repeat(6)
        );
        assert_eq!(kind(&with_form), None);
    }

    #[test]
    fn walls() {
        assert_eq!(kind("Esta es tu última noticia por ver este mes. Suscríbete por solo 3€."), Some(PageKind::Wall));
        let cut = [clutter::COOKIE_NOTICE];
        assert_eq!(classify(None, "Mehr erfahren", cut.into_iter()), Some(PageKind::Wall));
        let long = "The talks resumed in Geneva on Monday after a week of fighting around the capital. ".repeat(8);
        assert_eq!(classify(None, &long, cut.into_iter()), None);
    }

    #[test]
    fn index_pages() {
        let links: Vec<String> = (0..20).map(|n| format!("Headline number {n} about the war")).collect();
        assert_eq!(kind(&links.join("\n\n")), Some(PageKind::Index));
        let mut list = vec!["The board blocked 38 web sites on Monday.".to_string()];
        list.extend((0..38).map(|n| format!("- site{n}.example")));
        list.push("Leverage lets a small deposit move a large position.".to_string());
        assert_eq!(kind(&list.join("\n\n")), None);
        let mut article = links[..5].to_vec();
        article.extend((0..10).map(|_| "A long paragraph of the article that goes on and on, ".repeat(4)));
        assert_eq!(kind(&article.join("\n\n")), None);
    }
}

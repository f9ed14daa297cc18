//! Web clutter: the lines a copy-paste or a scraper drags along with an article ("READ: …",
//! "Leave A Reply", share buttons, cookie banners) and the " – Outlet" suffix on titles.
//!
//! Clutter matters because later stages compare texts: two copies of one article should not look
//! different because one of them kept a "Related:" link. Every cut is reported with a reason
//! (see [`storyline_model::RemovedText`]) so nothing is lost silently.
//!
//! Matching is deliberately conservative: a rule only ever matches a *whole line*, prefix rules only
//! match short lines, and article content that merely resembles clutter ("Al-Sarraj comments:")
//! is kept.
//!
//! Two kinds of rule: the phrase table (site furniture in English, Spanish, French, Italian,
//! German and Portuguese, the languages of the corpora we read) and shapes that need no phrase:
//! CSS and script lines (`.alogo{display: block;…}`, `if (a == b) {`), navigation crumbs
//! ("Mundo > CONFLICTO") and date-only lines ("Jueves 17/02/2011. Actualizado 10:23h.").

/// How a [`Pattern`] matches a line (after trimming and lower-casing).
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// The whole line equals this text (ignoring a trailing ':', '»', '…' or '.').
    Exact(&'static str),
    /// The line starts with (or is) this text and is short (at most [`MAX_PREFIX_LINE_CHARS`]).
    Prefix(&'static str),
    /// The line is short and contains the first word and at least one of the others.
    Mentions(&'static str, &'static [&'static str]),
    /// The line is short and contains this text.
    Contains(&'static str),
    /// The line has at most [`MAX_CHROME_WORDS`] words and ends with this word ("BBC News Mundo
    /// Navegación").
    EndsWith(&'static str),
}

#[derive(Debug, Clone, Copy)]
struct Pattern {
    rule: Rule,
    reason: &'static str,
}

const fn exact(text: &'static str, reason: &'static str) -> Pattern {
    Pattern { rule: Rule::Exact(text), reason }
}

const fn prefix(text: &'static str, reason: &'static str) -> Pattern {
    Pattern { rule: Rule::Prefix(text), reason }
}

/// Reasons recorded in [`storyline_model::RemovedText::reason`].
pub const RELATED_LINK: &str = "related-link";
pub const COMMENT_PROMPT: &str = "comment-prompt";
pub const SITE_CHROME: &str = "site-chrome";
pub const SHARE_PROMPT: &str = "share-prompt";
pub const ADVERTISEMENT: &str = "advertisement";
pub const COOKIE_NOTICE: &str = "cookie-notice";
pub const SUBSCRIBE_PROMPT: &str = "subscribe-prompt";
pub const COPYRIGHT: &str = "copyright";
pub const OUTLET_SUFFIX: &str = "outlet-suffix";
pub const LOGIN_PROMPT: &str = "login-prompt";
pub const NOTIFICATION_PROMPT: &str = "notification-prompt";
pub const PHOTO_CREDIT: &str = "photo-credit";
pub const CODE: &str = "css-or-script";
pub const BREADCRUMB: &str = "breadcrumb";
pub const DATELINE: &str = "dateline";
pub const FORM_FIELD: &str = "form-field";

/// Related links are headlines of other articles; longer lines are likely real sentences
/// that happen to start with "Read:" and must stay.
const MAX_PREFIX_LINE_CHARS: usize = 200;
/// Consent notices run long ("Usamos cookies a fin de mejorar … Políticas de privacidad.") but are
/// recognised by two words at once, so they may be longer than other clutter lines.
const MAX_NOTICE_LINE_CHARS: usize = 600;
/// Navigation leftovers and bylines are a few words.
const MAX_CHROME_WORDS: usize = 6;

const fn contains(text: &'static str, reason: &'static str) -> Pattern {
    Pattern { rule: Rule::Contains(text), reason }
}

const fn ends_with(word: &'static str, reason: &'static str) -> Pattern {
    Pattern { rule: Rule::EndsWith(word), reason }
}

const fn mentions(word: &'static str, others: &'static [&'static str], reason: &'static str) -> Pattern {
    Pattern { rule: Rule::Mentions(word, others), reason }
}

/// The pattern table. Lines are compared lower-cased and trimmed.
const PATTERNS: &[Pattern] = &[
    // Links to other articles, inserted mid-article by many CMSs ("READ: Turkey DM: …").
    prefix("read:", RELATED_LINK),
    prefix("read more:", RELATED_LINK),
    prefix("read also:", RELATED_LINK),
    prefix("also read:", RELATED_LINK),
    prefix("related:", RELATED_LINK),
    prefix("see also:", RELATED_LINK),
    prefix("more on this:", RELATED_LINK),
    prefix("recommended:", RELATED_LINK),
    exact("read more", RELATED_LINK),
    exact("related", RELATED_LINK),
    exact("related articles", RELATED_LINK),
    exact("related stories", RELATED_LINK),
    exact("related posts", RELATED_LINK),
    exact("you may also like", RELATED_LINK),
    exact("more stories", RELATED_LINK),
    // Comment-section prompts at the end of the page.
    exact("leave a reply", COMMENT_PROMPT),
    exact("leave a comment", COMMENT_PROMPT),
    exact("post a comment", COMMENT_PROMPT),
    exact("add a comment", COMMENT_PROMPT),
    exact("comments", COMMENT_PROMPT),
    exact("show comments", COMMENT_PROMPT),
    exact("view comments", COMMENT_PROMPT),
    prefix("you must be logged in to post a comment", COMMENT_PROMPT),
    // Theme and navigation leftovers ("Site icon Turkish Minute", AMP's "Exit mobile version").
    prefix("site icon ", SITE_CHROME),
    exact("site icon", SITE_CHROME),
    exact("exit mobile version", SITE_CHROME),
    exact("skip to content", SITE_CHROME),
    exact("skip to main content", SITE_CHROME),
    exact("toggle navigation", SITE_CHROME),
    exact("back to top", SITE_CHROME),
    exact("menu", SITE_CHROME),
    exact("home", SITE_CHROME),
    // Share buttons rendered as text.
    exact("share this", SHARE_PROMPT),
    exact("share this article", SHARE_PROMPT),
    exact("share this story", SHARE_PROMPT),
    exact("share", SHARE_PROMPT),
    exact("share on facebook", SHARE_PROMPT),
    exact("share on twitter", SHARE_PROMPT),
    exact("tweet", SHARE_PROMPT),
    prefix("click to share on ", SHARE_PROMPT),
    // Ad slots.
    exact("advertisement", ADVERTISEMENT),
    exact("advertising", ADVERTISEMENT),
    exact("sponsored", ADVERTISEMENT),
    exact("sponsored content", ADVERTISEMENT),
    exact("scroll to continue with content", ADVERTISEMENT),
    // Newsletter and social prompts.
    prefix("subscribe to our ", SUBSCRIBE_PROMPT),
    prefix("sign up for our ", SUBSCRIBE_PROMPT),
    prefix("sign up to our ", SUBSCRIBE_PROMPT),
    prefix("join our newsletter", SUBSCRIBE_PROMPT),
    prefix("follow us on ", SUBSCRIBE_PROMPT),
    exact("subscribe", SUBSCRIBE_PROMPT),
    exact("newsletter", SUBSCRIBE_PROMPT),
    // Cookie banners phrase themselves many ways, but always mention cookies plus consent or
    // privacy, in the reader's language.
    mentions("cookie", COOKIE_CONSENT_WORDS, COOKIE_NOTICE),
    mentions("témoins de navigation", COOKIE_CONSENT_WORDS, COOKIE_NOTICE),
    // Links to other articles, in the other languages of the corpora.
    prefix("lee también", RELATED_LINK),
    prefix("lea también", RELATED_LINK),
    prefix("leer más:", RELATED_LINK),
    prefix("ver más:", RELATED_LINK),
    prefix("ver también:", RELATED_LINK),
    prefix("te puede interesar", RELATED_LINK),
    prefix("noticias relacionadas", RELATED_LINK),
    prefix("sigue la cobertura", RELATED_LINK),
    prefix("leggi anche", RELATED_LINK),
    // Global Voices opens its posts with a link to the series they belong to.
    mentions("cobertura especial", &["es parte de", "forma parte de"], RELATED_LINK),
    prefix("ce billet fait partie d", RELATED_LINK),
    prefix("cet article fait partie de notre couverture", RELATED_LINK),
    // ... and says where a post appeared first.
    prefix("este artículo fue publicado anteriormente en", RELATED_LINK),
    prefix("este post es publicado en conjunción con", RELATED_LINK),
    prefix("lire notre dossier", RELATED_LINK),
    prefix("consultez notre dossier", RELATED_LINK),
    prefix("this post is part of our special coverage", RELATED_LINK),
    prefix("leggi tutto", RELATED_LINK),
    prefix("potrebbe interessarti", RELATED_LINK),
    prefix("articoli correlati", RELATED_LINK),
    prefix("lire aussi", RELATED_LINK),
    prefix("à lire aussi", RELATED_LINK),
    prefix("a lire aussi", RELATED_LINK),
    prefix("lire la suite", RELATED_LINK),
    prefix("voir aussi:", RELATED_LINK),
    prefix("lesen sie auch", RELATED_LINK),
    prefix("mehr zum thema", RELATED_LINK),
    prefix("leia também", RELATED_LINK),
    prefix("leia mais", RELATED_LINK),
    prefix("saiba mais:", RELATED_LINK),
    exact("lee también", RELATED_LINK),
    exact("leggi anche", RELATED_LINK),
    exact("lire aussi", RELATED_LINK),
    exact("à lire aussi", RELATED_LINK),
    exact("lesen sie auch", RELATED_LINK),
    exact("leia também", RELATED_LINK),
    exact("ver más", RELATED_LINK),
    exact("leer más", RELATED_LINK),
    exact("weiterlesen", RELATED_LINK),
    exact("in questo articolo", RELATED_LINK),
    // Accounts and log-in walls.
    exact("cuenta de usuario", LOGIN_PROMPT),
    exact("iniciar sesión", LOGIN_PROMPT),
    exact("inicia sesión", LOGIN_PROMPT),
    exact("mi cuenta", LOGIN_PROMPT),
    exact("log in", LOGIN_PROMPT),
    exact("login", LOGIN_PROMPT),
    exact("sign in", LOGIN_PROMPT),
    exact("accedi", LOGIN_PROMPT),
    exact("connexion", LOGIN_PROMPT),
    exact("se connecter", LOGIN_PROMPT),
    exact("mon compte", LOGIN_PROMPT),
    exact("anmelden", LOGIN_PROMPT),
    exact("entrar", LOGIN_PROMPT),
    prefix("¿es un usuario nuevo", LOGIN_PROMPT),
    prefix("¿eres un usuario nuevo", LOGIN_PROMPT),
    exact("regístrese", LOGIN_PROMPT),
    exact("regístrate", LOGIN_PROMPT),
    exact("inscrivez-vous", LOGIN_PROMPT),
    exact("registrati", LOGIN_PROMPT),
    exact("registrieren", LOGIN_PROMPT),
    exact("register", LOGIN_PROMPT),
    prefix("¿ya eres suscriptor", LOGIN_PROMPT),
    prefix("¿no tienes usuario", LOGIN_PROMPT),
    prefix("¿no tienes cuenta", LOGIN_PROMPT),
    prefix("¿olvidaste tu contraseña", LOGIN_PROMPT),
    prefix("para recuperar tu contraseña", LOGIN_PROMPT),
    prefix("introduce tu usuario", LOGIN_PROMPT),
    prefix("ingresa tus datos", LOGIN_PROMPT),
    exact("recordar mi usuario", LOGIN_PROMPT),
    prefix("indica tu cuenta de correo", LOGIN_PROMPT),
    prefix("para poder iniciar sesión", LOGIN_PROMPT),
    prefix("already a subscriber", LOGIN_PROMPT),
    prefix("forgot your password", LOGIN_PROMPT),
    prefix("déjà abonné", LOGIN_PROMPT),
    prefix("mot de passe oublié", LOGIN_PROMPT),
    prefix("sei già abbonato", LOGIN_PROMPT),
    prefix("hai dimenticato la password", LOGIN_PROMPT),
    prefix("já é assinante", LOGIN_PROMPT),
    prefix("regístrate o inicia sesión", LOGIN_PROMPT),
    // A site's "my news" feature, advertised above its articles.
    prefix("acá encontrarás tus noticias", SITE_CHROME),
    prefix("aquí encontrarás tus noticias", SITE_CHROME),
    prefix("sigue tus temas favoritos", SITE_CHROME),
    prefix("estamos cargando tus noticias", SITE_CHROME),
    prefix("no hemos podido cargar tus noticias", SITE_CHROME),
    prefix("¡tus temas favoritos han sido guardados", SITE_CHROME),
    prefix("cuando quieras, cambia los temas", SITE_CHROME),
    prefix("revisa tu bandeja de entrada", SITE_CHROME),
    prefix("queremos que encuentres las noticias", SITE_CHROME),
    prefix("intentalo de nuevo más tarde", SITE_CHROME),
    prefix("inténtalo de nuevo más tarde", SITE_CHROME),
    prefix("descubre ¨mis noticias¨", SITE_CHROME),
    prefix("descubre \"mis noticias\"", SITE_CHROME),
    prefix("un lugar exclusivo, donde podrás seguir", SITE_CHROME),
    prefix("aquí también puedes encontrar \"mis noticias\"", SITE_CHROME),
    exact("¡descubre cómo funciona!", SITE_CHROME),
    prefix("la manera más rapida para ponerte al día", SITE_CHROME),
    prefix("la manera más rápida para ponerte al día", SITE_CHROME),
    prefix("una sección exclusiva donde", SITE_CHROME),
    exact("lo haré después", SITE_CHROME),
    exact("ahora estas siguiendo", SITE_CHROME),
    exact("ahora estás siguiendo", SITE_CHROME),
    exact("te contamos como funciona", SITE_CHROME),
    exact("te contamos cómo funciona", SITE_CHROME),
    prefix("tus temas favoritos", SITE_CHROME),
    // Subscriptions, metered paywalls, newsletters and donations.
    prefix("suscríbete", SUBSCRIBE_PROMPT),
    prefix("suscribite", SUBSCRIBE_PROMPT),
    prefix("suscribete", SUBSCRIBE_PROMPT),
    prefix("esta es tu última noticia", SUBSCRIBE_PROMPT),
    prefix("te quedan ", SUBSCRIBE_PROMPT),
    prefix("consulta la edición digital", SUBSCRIBE_PROMPT),
    prefix("te queda 1 noticia", SUBSCRIBE_PROMPT),
    prefix("¿nos ayudas a hacer", SUBSCRIBE_PROMPT),
    prefix("registrate a nuestro newsletter", SUBSCRIBE_PROMPT),
    prefix("regístrate a nuestro newsletter", SUBSCRIBE_PROMPT),
    prefix("recibe nuestra newsletter", SUBSCRIBE_PROMPT),
    prefix("abonnez-vous", SUBSCRIBE_PROMPT),
    prefix("s'abonner, c'est", SUBSCRIBE_PROMPT),
    prefix("s’abonner, c’est", SUBSCRIBE_PROMPT),
    prefix("inscrivez-vous à notre newsletter", SUBSCRIBE_PROMPT),
    prefix("web + tablette + mobile", SUBSCRIBE_PROMPT),
    prefix("l'édition abonnés", SUBSCRIBE_PROMPT),
    prefix("découvrez l'édition abonnés", SUBSCRIBE_PROMPT),
    prefix("découvrezl'édition abonnés", SUBSCRIBE_PROMPT),
    prefix("créez votre compte pour profiter", SUBSCRIBE_PROMPT),
    prefix("accès illimité à tous les contenus", SUBSCRIBE_PROMPT),
    prefix("abbonati ", SUBSCRIBE_PROMPT),
    prefix("iscriviti alla newsletter", SUBSCRIBE_PROMPT),
    prefix("sostieni ", SUBSCRIBE_PROMPT),
    prefix("non vuoi perderti le ultime news", SUBSCRIBE_PROMPT),
    prefix("jetzt abonnieren", SUBSCRIBE_PROMPT),
    prefix("assine ", SUBSCRIBE_PROMPT),
    // A headline never asks the reader to subscribe.
    contains("suscríbete", SUBSCRIBE_PROMPT),
    contains("abonnez-vous", SUBSCRIBE_PROMPT),
    contains("subscribe now", SUBSCRIBE_PROMPT),
    contains("découvrir les offres", SUBSCRIBE_PROMPT),
    exact("abonnez-vous", SUBSCRIBE_PROMPT),
    exact("abbonati", SUBSCRIBE_PROMPT),
    exact("abonnieren", SUBSCRIBE_PROMPT),
    exact("assine", SUBSCRIBE_PROMPT),
    mentions("abbonati", &["euro", "€"], SUBSCRIBE_PROMPT),
    // Browser notification prompts.
    prefix("reciba notificaciones", NOTIFICATION_PROMPT),
    // Privacy notices that do not say "cookie".
    prefix("le respect de votre vie privée est important", COOKIE_NOTICE),
    prefix("your privacy is important to us", COOKIE_NOTICE),
    mentions("consenso", &["dati personali", "dai personali"], COOKIE_NOTICE),
    mentions("consentimiento", &["datos personales"], COOKIE_NOTICE),
    mentions("consentement", &["données personnelles"], COOKIE_NOTICE),
    prefix("recibe notificaciones", NOTIFICATION_PROMPT),
    prefix("¿desea activar las notificaciones", NOTIFICATION_PROMPT),
    prefix("activa las notificaciones", NOTIFICATION_PROMPT),
    prefix("recevez les notifications", NOTIFICATION_PROMPT),
    prefix("attiva le notifiche", NOTIFICATION_PROMPT),
    prefix("turn on notifications", NOTIFICATION_PROMPT),
    mentions("notificaciones", &["navegador", "activar", "bloquead", "desbloquear"], NOTIFICATION_PROMPT),
    mentions("notifications", &["browser", "navigateur", "enable", "blocked", "bloquées"], NOTIFICATION_PROMPT),
    mentions("notifiche", &["browser", "attiva", "bloccate"], NOTIFICATION_PROMPT),
    // Sharing and link-copying buttons.
    prefix("comparte esta", SHARE_PROMPT),
    prefix("compartir en ", SHARE_PROMPT),
    prefix("condividi su ", SHARE_PROMPT),
    prefix("partager sur ", SHARE_PROMPT),
    prefix("send this page to someone", SHARE_PROMPT),
    exact("copiar el vínculo", SHARE_PROMPT),
    exact("copiar enlace", SHARE_PROMPT),
    exact("copiar link", SHARE_PROMPT),
    exact("copia link", SHARE_PROMPT),
    exact("copier le lien", SHARE_PROMPT),
    exact("copy link", SHARE_PROMPT),
    exact("link kopieren", SHARE_PROMPT),
    exact("compartir", SHARE_PROMPT),
    exact("comparte", SHARE_PROMPT),
    exact("condividi", SHARE_PROMPT),
    exact("partager", SHARE_PROMPT),
    exact("teilen", SHARE_PROMPT),
    exact("compartilhar", SHARE_PROMPT),
    exact("facebook", SHARE_PROMPT),
    exact("twitter", SHARE_PROMPT),
    exact("whatsapp", SHARE_PROMPT),
    exact("imprimir", SHARE_PROMPT),
    exact("stampa", SHARE_PROMPT),
    exact("imprimer", SHARE_PROMPT),
    exact("print", SHARE_PROMPT),
    prefix("seguimi su ", SHARE_PROMPT),
    prefix("síguenos en ", SHARE_PROMPT),
    prefix("seguici su ", SHARE_PROMPT),
    prefix("suivez-nous sur ", SHARE_PROMPT),
    // Navigation, search boxes and notes about the page rather than the news.
    prefix("estos son vínculos a páginas externas", SITE_CHROME),
    prefix("please enable javascript", SITE_CHROME),
    prefix("activa javascript", SITE_CHROME),
    prefix("veuillez activer javascript", SITE_CHROME),
    exact("función de búsqueda", SITE_CHROME),
    exact("form di ricerca", SITE_CHROME),
    exact("formulaire de recherche", SITE_CHROME),
    exact("jump to navigation", SITE_CHROME),
    exact("saltar al contenido", SITE_CHROME),
    exact("ir al contenido", SITE_CHROME),
    exact("aller au contenu", SITE_CHROME),
    exact("vai al contenuto", SITE_CHROME),
    // The label before a navigation trail, and the skip links of screen readers.
    exact("you are here", SITE_CHROME),
    exact("vous êtes ici", SITE_CHROME),
    exact("ti trovi qui", SITE_CHROME),
    exact("sei qui", SITE_CHROME),
    exact("usted está aquí", SITE_CHROME),
    exact("sie sind hier", SITE_CHROME),
    prefix("collegamenti ad aree di contenuto", SITE_CHROME),
    prefix("links to content areas", SITE_CHROME),
    exact("zum inhalt springen", SITE_CHROME),
    exact("buscar", SITE_CHROME),
    exact("rechercher", SITE_CHROME),
    exact("cerca", SITE_CHROME),
    exact("suche", SITE_CHROME),
    exact("search", SITE_CHROME),
    exact("inicio", SITE_CHROME),
    exact("accueil", SITE_CHROME),
    exact("a warner media company", SITE_CHROME),
    ends_with("navegación", SITE_CHROME),
    ends_with("navigation", SITE_CHROME),
    ends_with("navigazione", SITE_CHROME),
    ends_with("navegação", SITE_CHROME),
    // Photo credits standing alone on a line.
    prefix("fuente de la imagen", PHOTO_CREDIT),
    prefix("photo credit:", PHOTO_CREDIT),
    prefix("crédit photo", PHOTO_CREDIT),
    prefix("crédits photo", PHOTO_CREDIT),
    prefix("credito foto", PHOTO_CREDIT),
    prefix("bildquelle:", PHOTO_CREDIT),
    // Footers.
    // A page's reading-time stamp, often on one line with its date ("— 11 novembre 2020 —
    // Temps de lecture : 2 min"): the scrape's date, not the article's.
    contains("temps de lecture", DATELINE),
    contains("tiempo de lectura", DATELINE),
    contains("tempo di lettura", DATELINE),
    contains("reading time:", DATELINE),
    contains(" min read", DATELINE),
    contains("©", COPYRIGHT),
    contains("all rights reserved", COPYRIGHT),
    contains("derechos reservados", COPYRIGHT),
    contains("tous droits réservés", COPYRIGHT),
    contains("tutti i diritti riservati", COPYRIGHT),
    contains("riproduzione riservata", COPYRIGHT),
    contains("alle rechte vorbehalten", COPYRIGHT),
    contains("direitos reservados", COPYRIGHT),
    contains("queda prohibida la reproducción", COPYRIGHT),
];

/// Words that, beside "cookie", make a line a consent notice rather than news about cookies.
const COOKIE_CONSENT_WORDS: &[&str] = &[
    "we use",
    "this site uses",
    "this website uses",
    "accept",
    "consent",
    "enable",
    "privacy",
    "usamos",
    "utilizamos",
    "acepta",
    "política de",
    "privacidad",
    "nous utilisons",
    "utilise des",
    "accepte",
    "confidentialité",
    "paramètres",
    "gérer vos",
    "utilizziamo",
    "utilizza",
    "utilizzo",
    "accett",
    "wir verwenden",
    "akzeptier",
    "datenschutz",
    "privacidade",
];

/// Trailing characters that do not change what a short line is ("Related »", "Read more…").
const IGNORED_TRAILING: &[char] = &[':', '»', '›', '…', '.', '|', '-', '–', ' '];

/// Why `line` is clutter, or `None` when it is (or may be) article content.
pub fn classify_line(line: &str) -> Option<&'static str> {
    let line = line.trim();
    let chars = line.chars().count();
    if line.is_empty() || chars > MAX_NOTICE_LINE_CHARS {
        return None;
    }
    if is_code(line) {
        return Some(CODE);
    }
    let short = chars <= MAX_PREFIX_LINE_CHARS;
    let lower = lowercase(line);
    let bare = lower.trim_end_matches(IGNORED_TRAILING);
    // Words counted no further than needed: most lines are sentences.
    let few_words = lower.split_whitespace().nth(MAX_CHROME_WORDS).is_none();
    let from_table = PatternIndex::get().first_match(&lower, bare, short, few_words).map(|at| PATTERNS[at].reason);
    from_table.or_else(|| {
        if is_breadcrumb(line) {
            Some(BREADCRUMB)
        } else if is_company_line(&lower) {
            Some(COPYRIGHT)
        } else if is_dateline(&lower) {
            Some(DATELINE)
        } else if is_form_field(line) {
            Some(FORM_FIELD)
        } else {
            None
        }
    })
}

/// `text.to_lowercase()`, made faster for the text of the corpora's languages: ASCII and the
/// Latin-1 letters are lower-cased by their code, any other character as `char::to_lowercase`
/// does (as `str::to_lowercase` does, except for a final capital sigma, left to it).
fn lowercase(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    if text.contains('Σ') {
        return text.to_lowercase();
    }
    let mut lower = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            // The capitals of ASCII and Latin-1 ('×' is not one) are their small letters' codes less 32.
            'A'..='Z' | 'À'..='Ö' | 'Ø'..='Þ' => {
                lower.push(char::from_u32(c as u32 + 32).expect("a Latin-1 letter"))
            }
            '\0'..='\u{ff}' => lower.push(c),
            _ => lower.extend(c.to_lowercase()),
        }
    }
    lower
}

/// Whether `pattern` matches a line, `lower` (trimmed and lower-cased), whose `bare` form has no
/// [`IGNORED_TRAILING`] characters; `short` when it has at most [`MAX_PREFIX_LINE_CHARS`]
/// characters, `few_words` when at most [`MAX_CHROME_WORDS`] words.
fn matches(pattern: &Pattern, lower: &str, bare: &str, short: bool, few_words: bool) -> bool {
    match pattern.rule {
        Rule::Mentions(word, others) => lower.contains(word) && others.iter().any(|other| lower.contains(other)),
        _ if !short => false,
        Rule::Exact(text) => bare == text,
        Rule::Prefix(text) => lower.starts_with(text),
        Rule::Contains(text) => lower.contains(text),
        Rule::EndsWith(word) => few_words && bare.ends_with(word),
    }
}

/// [`PATTERNS`] arranged for testing a line against all of them at once, rather than one after
/// the other (every line of every article is tested): the exact texts by their text, the
/// prefixes by their first byte, and the texts that may occur anywhere (`Contains`, and the first
/// word of `Mentions`) searched for together by one automaton. The answer is still the first
/// pattern of the table that the line matches.
struct PatternIndex {
    /// Each exact text, with the first pattern that has it, and the longest's length (most
    /// lines are longer: no need to hash them).
    exact: std::collections::HashMap<&'static str, usize>,
    longest_exact: usize,
    /// The prefix patterns by the first byte of their text, in table order.
    prefixes: Vec<Vec<usize>>,
    ends_with: Vec<usize>,
    anywhere: aho_corasick::AhoCorasick,
    /// The pattern of each of `anywhere`'s texts.
    anywhere_patterns: Vec<usize>,
}

impl PatternIndex {
    fn get() -> &'static PatternIndex {
        static INDEX: std::sync::OnceLock<PatternIndex> = std::sync::OnceLock::new();
        INDEX.get_or_init(|| {
            let mut exact = std::collections::HashMap::new();
            let mut prefixes = vec![Vec::new(); 256];
            let (mut ends_with, mut anywhere, mut anywhere_patterns) = (Vec::new(), Vec::new(), Vec::new());
            for (at, pattern) in PATTERNS.iter().enumerate() {
                match pattern.rule {
                    Rule::Exact(text) => {
                        exact.entry(text).or_insert(at);
                    }
                    Rule::Prefix(text) => prefixes[text.as_bytes()[0] as usize].push(at),
                    Rule::EndsWith(_) => ends_with.push(at),
                    Rule::Contains(text) | Rule::Mentions(text, _) => {
                        anywhere.push(text);
                        anywhere_patterns.push(at);
                    }
                }
            }
            let anywhere = aho_corasick::AhoCorasick::new(anywhere).expect("a few short texts");
            let longest_exact = exact.keys().map(|text| text.len()).max().unwrap_or(0);
            PatternIndex { exact, longest_exact, prefixes, ends_with, anywhere, anywhere_patterns }
        })
    }

    /// The first pattern of [`PATTERNS`] that [`matches`] the line.
    fn first_match(&self, lower: &str, bare: &str, short: bool, few_words: bool) -> Option<usize> {
        let mut first = usize::MAX;
        let mut consider = |at: usize| {
            if at < first && matches(&PATTERNS[at], lower, bare, short, few_words) {
                first = at;
            }
        };
        if short {
            if let Some(&at) = (bare.len() <= self.longest_exact).then(|| self.exact.get(bare)).flatten() {
                consider(at);
            }
            if let Some(&byte) = lower.as_bytes().first() {
                self.prefixes[byte as usize].iter().for_each(|&at| consider(at));
            }
            self.ends_with.iter().for_each(|&at| consider(at));
        }
        for found in self.anywhere.find_overlapping_iter(lower) {
            consider(self.anywhere_patterns[found.pattern().as_usize()]);
        }
        (first != usize::MAX).then_some(first)
    }
}

/// A line of CSS or script: a rule (`.alogo{display: block;}`), a lone declaration
/// (`-webkit-transition: all 0.9s ease 0s;`) or a statement (`if (a == b || typeof(c)) {`).
/// News prose has no braces around `property: value;` pairs and no `==`.
pub fn is_code(line: &str) -> bool {
    let line = line.trim();
    let braced = (line.contains('{') || line.contains('}')) && line.contains(':') && line.contains(';');
    let operators = [
        "==",
        "!=",
        "&&",
        "||",
        "=>",
        "){",
        "function(",
        "function (",
        "typeof",
        "document.",
        "window.",
        "$(",
        "new Array(",
        "new Date(",
        "');",
        "\");",
    ];
    let statement = line.contains('(')
        && line.ends_with(['{', '}', ';', ')', ']', '+', ','])
        && operators.iter().any(|operator| line.contains(*operator))
        && !line.contains(". ");
    // A page template's placeholder left unfilled ("Get email notifications on {{subject}}").
    let template = line.contains("{{") && line.contains("}}");
    // `if (response.ghettoize) {`, `} else {`: a block of script opening.
    let block = line.ends_with('{')
        && ["if (", "if(", "for (", "while (", "switch (", "} else", "else {", "try {", "} catch"]
            .iter()
            .any(|keyword| line.starts_with(keyword));
    braced
        || statement
        || block
        || template
        || is_css_declaration(line)
        || is_script_declaration(line)
        || is_assignment(line)
        || is_quoted_list(line)
        || is_only_brackets(line)
}

/// `var names = new Array(…`, `let counter;`, `function send() {`: script opens so, prose never
/// with a lower-case keyword followed by one identifier and `=`, `;` or `(`.
fn is_script_declaration(line: &str) -> bool {
    let line = line.strip_prefix('!').unwrap_or(line);
    let Some((keyword, rest)) = line.split_once(' ') else { return false };
    if !matches!(keyword, "var" | "let" | "const" | "function") {
        return false;
    }
    let rest = rest.trim_start();
    let name_end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$')).unwrap_or(rest.len());
    let (name, after) = rest.split_at(name_end);
    let opens = match keyword {
        "function" => after.trim_start().starts_with('('),
        _ => after.trim_start().starts_with(['=', ';']),
    };
    !name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit()) && opens
}

/// `attemptCounter = 0;`, `output += '<p class="error">…</p>' ;`: one identifier (dots and
/// brackets allowed), an assignment, a closing semicolon. Prose has spaces before its `=`.
fn is_assignment(line: &str) -> bool {
    let Some(statement) = line.strip_suffix(';') else { return false };
    let Some(at) = statement.find(" = ").or_else(|| statement.find(" += ")) else { return false };
    let target = &statement[..at];
    !target.is_empty()
        && target.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '.' | '[' | ']' | '\'' | '"'))
        && target.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '$')
}

/// A line of an array's quoted items (`"Giovedì", "Venerdì", "Sabato");`): two or more items,
/// each in straight quotes, and nothing else but commas and the closing brackets.
fn is_quoted_list(line: &str) -> bool {
    let body = line.trim_end_matches([')', ']', ';', ',']).trim_end();
    if body.len() == line.len() {
        return false;
    }
    let items: Vec<&str> = body.split(',').map(str::trim).collect();
    items.len() >= 2
        && items.iter().all(|item| {
            item.len() >= 2
                && ((item.starts_with('"') && item.ends_with('"')) || (item.starts_with('\'') && item.ends_with('\'')))
        })
}

/// `}`, `});`, `})();`, `{`: what closes or opens a block of script or a style sheet.
fn is_only_brackets(line: &str) -> bool {
    line.contains(['{', '}']) && line.chars().all(|c| matches!(c, '{' | '}' | '(' | ')' | '[' | ']' | ';' | ',' | ' '))
}

/// A comment of script or style (`// Clear the captcha field`, `* Used to avoid bots…`): code
/// only beside code, since a line of prose may open with an asterisk (a footnote) too.
pub(crate) fn is_code_comment(line: &str) -> bool {
    let line = line.trim_start();
    line.starts_with("//") || line.starts_with("/*") || line.starts_with("*/") || line.starts_with("* ")
}

/// `property: value;` with a CSS property name (lower-case ASCII and hyphens) and a value that
/// reads like CSS (a number, a colour, a function call) rather than words.
fn is_css_declaration(line: &str) -> bool {
    let Some(body) = line.strip_suffix(';') else {
        return false;
    };
    let Some((property, value)) = body.split_once(':') else {
        return false;
    };
    let property_shape = !property.is_empty()
        && property.chars().all(|c| c.is_ascii_lowercase() || c == '-')
        && property.trim_start_matches('-').contains(|c: char| c.is_ascii_lowercase());
    let value = value.trim();
    let value_shape = value.is_ascii()
        && !value.is_empty()
        && (value.contains(|c: char| c.is_ascii_digit() || c == '#' || c == '(') || !value.contains(' '));
    property_shape && value_shape
}

/// Separators of a navigation trail ("Mundo > CONFLICTO", "Home › World › Middle East").
/// The label of a required field of a sign-up form ("First Name *", "Correo electrónico *"): a
/// few words closed by the asterisk that forms put after required fields. Prose does not end a
/// line of four words or fewer with a lone asterisk.
fn is_form_field(line: &str) -> bool {
    let Some(label) = line.strip_suffix('*') else { return false };
    let words = label.split_whitespace().count();
    (1..=4).contains(&words) && label.chars().any(char::is_alphabetic) && !label.trim_end().ends_with('*')
}

const CRUMB_SEPARATORS: &[&str] = &[" > ", " › ", " » ", " >> "];

/// A navigation trail: two or more short parts between crumb separators, nothing like a sentence.
fn is_breadcrumb(line: &str) -> bool {
    let Some(separator) = CRUMB_SEPARATORS.iter().find(|separator| line.contains(*separator)) else {
        return false;
    };
    let parts: Vec<&str> = line.split(separator).map(str::trim).collect();
    let words = line.split_whitespace().count();
    parts.len() >= 2
        && words <= 2 * MAX_CHROME_WORDS
        && parts.iter().all(|part| (1..=3).contains(&part.split_whitespace().count()))
        && !line.contains(['.', ',', ';', '?', '!', '"', '“', '«'])
}

/// Legal forms that end a publisher's imprint ("El León de El Español Publicaciones S.A.").
const COMPANY_SUFFIXES: &[&str] =
    &[" s.a.", " s.l.", " s.p.a.", " s.r.l.", " inc.", " ltd.", " ltd", " gmbh", " sarl", " ag"];

/// A publisher's imprint: a few words ending in a company's legal form.
fn is_company_line(lower: &str) -> bool {
    COMPANY_SUFFIXES.iter().any(|suffix| lower.ends_with(suffix))
        && lower.split_whitespace().count() <= 2 * MAX_CHROME_WORDS
}

/// Month and weekday names and the words around a date stamp, in the corpora's languages.
const DATE_WORDS: &[&str] = &[
    "jan",
    "january",
    "feb",
    "february",
    "mar",
    "march",
    "apr",
    "april",
    "may",
    "jun",
    "june",
    "jul",
    "july",
    "aug",
    "august",
    "sep",
    "sept",
    "september",
    "oct",
    "october",
    "nov",
    "november",
    "dec",
    "december",
    "ene",
    "enero",
    "febrero",
    "marzo",
    "abr",
    "abril",
    "mayo",
    "junio",
    "julio",
    "ago",
    "agosto",
    "septiembre",
    "setiembre",
    "octubre",
    "noviembre",
    "dic",
    "diciembre",
    "janv",
    "janvier",
    "févr",
    "février",
    "mars",
    "avr",
    "avril",
    "mai",
    "juin",
    "juil",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "déc",
    "décembre",
    "gen",
    "gennaio",
    "febbraio",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "settembre",
    "ottobre",
    "dicembre",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "lunes",
    "martes",
    "miércoles",
    "jueves",
    "viernes",
    "sábado",
    "domingo",
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
    "lunedì",
    "martedì",
    "mercoledì",
    "giovedì",
    "venerdì",
    "sabato",
    "domenica",
    "updated",
    "actualizado",
    "actualizada",
    "aggiornato",
    "alle",
    "mis",
    "à",
    "jour",
    "le",
    "el",
    "de",
    "del",
    "a",
    "las",
    "h",
    "am",
    "pm",
    "gmt",
    "cet",
    "utc",
    "published",
    "publicado",
    "publié",
    "pubblicato",
    "at",
    "on",
];

/// A line that is only a date stamp ("31 jul 2020", "Jueves 17/02/2011. Actualizado 10:23h.").
fn is_dateline(lower: &str) -> bool {
    // A date stamp needs a year or a time: the cheaper test first, for the lines of prose.
    if !has_year_or_time(lower) {
        return false;
    }
    let tokens: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || matches!(c, '•' | '|' | ',' | '-' | '–' | '·'))
        .map(|token| token.trim_matches(|c: char| matches!(c, '.' | ':' | '(' | ')')))
        .filter(|token| !token.is_empty())
        .collect();
    let is_number = |token: &&str| token.starts_with(|c: char| c.is_ascii_digit());
    (2..=10).contains(&tokens.len()) && tokens.iter().all(|token| is_number(token) || DATE_WORDS.contains(token))
}

/// Four digits in a row (a year) or a clock time ("10:23", "10h16"): what makes a stamp a date
/// stamp and not a heading such as "10 de marzo".
fn has_year_or_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digit = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    (0..bytes.len()).any(|i| {
        (digit(i) && digit(i + 1) && digit(i + 2) && digit(i + 3))
            || (digit(i) && matches!(bytes.get(i + 1), Some(b':' | b'h')) && digit(i + 2) && digit(i + 3))
    })
}

/// The name in a byline: "By Jane Doe", "Por Jane Doe", "Par Khalil Habash", "Von Max Muster" →
/// the name; the word for "by" must be followed by a capitalised name of a few words, nothing more.
pub fn byline_name(line: &str) -> Option<&str> {
    let (by, name) = line.trim().split_once(' ')?;
    let name = name.trim();
    let name_words: Vec<&str> = name.split_whitespace().collect();
    let is_byline = ["by", "por", "par", "von"].contains(&by.to_lowercase().as_str())
        && (1..=MAX_BYLINE_WORDS).contains(&name_words.len())
        && name_words.iter().all(|word| word.starts_with(|c: char| c.is_uppercase()))
        && !name.ends_with(['.', '?', '!', ':'])
        // "Por Qué …" is a headline.
        && !["qué", "que", "quoi"].contains(&name_words[0].to_lowercase().as_str());
    is_byline.then_some(name)
}

const MAX_BYLINE_WORDS: usize = 6;

/// The outlet named by a "Site icon Outlet Name" line, which WordPress themes leave in copied text.
pub fn outlet_from_site_icon(line: &str) -> Option<&str> {
    let line = line.trim();
    if !line.get(..10)?.eq_ignore_ascii_case("site icon ") {
        return None;
    }
    let outlet = line.get(10..)?.trim();
    looks_like_outlet(outlet).then_some(outlet)
}

/// A title split into the headline proper and the outlet suffix it carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitTitle {
    pub title: String,
    pub outlet: String,
    /// The exact piece cut from the title, separator included (" – Middle East Monitor").
    pub removed: String,
}

/// Separators outlets put between headline and name, most specific first.
const TITLE_SEPARATORS: &[&str] = &[" | ", " – ", " — ", " - ", " :: ", " · "];

/// Words that follow a separator as a section label, not an outlet ("… – Analysis").
const NOT_OUTLETS: &[&str] = &[
    "analysis",
    "opinion",
    "live",
    "explainer",
    "update",
    "updates",
    "video",
    "photos",
    "report",
    "interview",
    "watch",
    "review",
    "editorial",
    "comment",
    "breaking",
];

/// Split "Headline – Outlet Name" into headline and outlet.
///
/// `known_outlet` (from HTML metadata or a JSON field) is trusted when the suffix equals it;
/// otherwise the suffix must look like a name: a few capitalised words, no sentence punctuation,
/// and clearly shorter than the headline.
pub fn split_outlet_suffix(title: &str, known_outlet: Option<&str>) -> Option<SplitTitle> {
    let title = title.trim();
    let (position, separator) = TITLE_SEPARATORS
        .iter()
        .filter_map(|separator| title.rfind(separator).map(|position| (position, *separator)))
        .max_by_key(|(position, _)| *position)?;
    let head = title[..position].trim();
    let suffix = title[position + separator.len()..].trim();
    if head.is_empty() || suffix.is_empty() {
        return None;
    }
    let matches_known = known_outlet.is_some_and(|known| known.trim().eq_ignore_ascii_case(suffix));
    let head_words = head.split_whitespace().count();
    let suffix_words = suffix.split_whitespace().count();
    let plausible = known_outlet.is_none()
        && looks_like_outlet(suffix)
        && head_words >= 3
        && head_words > suffix_words
        && !NOT_OUTLETS.contains(&suffix.to_lowercase().as_str());
    (matches_known || plausible).then(|| SplitTitle {
        title: head.to_string(),
        outlet: suffix.to_string(),
        removed: title[position..].to_string(),
    })
}

/// Small connecting words that may stay lower-case inside a name ("Voice of America").
const NAME_PARTICLES: &[&str] = &["of", "the", "and", "for", "de", "del", "la", "le", "al", "el", "du", "von", "&"];

/// Whether `text` reads like the name of an outlet: 1–5 words, capitalised, no sentence punctuation.
fn looks_like_outlet(text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() || words.len() > 5 || text.chars().count() > 40 {
        return false;
    }
    if text.chars().any(|c| matches!(c, '?' | '!' | ',' | ';' | ':' | '"' | '“' | '”')) {
        return false;
    }
    let starts_upper = |word: &str| word.chars().next().is_some_and(|c| c.is_uppercase() || c.is_ascii_digit());
    starts_upper(words[0])
        && words.iter().all(|word| starts_upper(word) || NAME_PARTICLES.contains(&word.to_lowercase().as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_is_str_to_lowercase() {
        for code in 0..0x3_0000u32 {
            let Some(c) = char::from_u32(code) else { continue };
            for text in [format!("{c}"), format!("Ab{c}é"), format!("x {c}. Σ{c}")] {
                assert_eq!(lowercase(&text), text.to_lowercase(), "{code:x}");
            }
        }
        for text in ["ÀÉÎÕÜ ÇÑ ÆØÅ ÞÐ ×÷ ßÿµ", "«Dijo ÉL» — l’État", "ΟΔΟΣ ΟΔΟΣ. Σ", ""]
        {
            assert_eq!(lowercase(text), text.to_lowercase(), "{text}");
        }
    }

    /// The index answers what testing the patterns one after the other answers, on lines made
    /// from every pattern's text (alone, with trailing marks, inside longer lines, short and
    /// long) and on ordinary prose.
    #[test]
    fn pattern_index_finds_the_first_matching_pattern() {
        let mut texts: Vec<&str> = Vec::new();
        for pattern in PATTERNS {
            match pattern.rule {
                Rule::Exact(text) | Rule::Prefix(text) | Rule::Contains(text) | Rule::EndsWith(text) => {
                    texts.push(text)
                }
                Rule::Mentions(word, others) => {
                    texts.push(word);
                    texts.extend(others);
                }
            }
        }
        let long = "la situación en libia sigue siendo tensa según fuentes oficiales ".repeat(4);
        let mut lines = vec!["".to_string(), "the minister spoke on monday.".to_string(), long.clone()];
        for text in &texts {
            for other in ["", "cookie", "privacy", "€", "navegador"] {
                lines.push(text.to_string());
                lines.push(format!("{text}:"));
                lines.push(format!("{text} {other} »"));
                lines.push(format!("news {text} {other}"));
                lines.push(format!("a b c d e {text}"));
                lines.push(format!("{long}{text} {other}"));
                lines.push(format!("{text} {other} {long}"));
            }
        }
        let index = PatternIndex::get();
        for lower in &lines {
            let bare = lower.trim_end_matches(IGNORED_TRAILING);
            for short in [true, false] {
                for few_words in [true, false] {
                    let in_order = PATTERNS.iter().position(|pattern| matches(pattern, lower, bare, short, few_words));
                    assert_eq!(index.first_match(lower, bare, short, few_words), in_order, "{lower:?}");
                }
            }
        }
    }

    #[test]
    fn classifies_seed_clutter() {
        assert_eq!(classify_line("READ: Turkey DM: Libya belongs to Libyans"), Some(RELATED_LINK));
        assert_eq!(classify_line("READ: UAE working against Turkey, but for how long?"), Some(RELATED_LINK));
        assert_eq!(classify_line("Leave A Reply"), Some(COMMENT_PROMPT));
        assert_eq!(classify_line("Site icon Turkish Minute"), Some(SITE_CHROME));
        assert_eq!(classify_line("Exit mobile version"), Some(SITE_CHROME));
        assert_eq!(classify_line("Share this"), Some(SHARE_PROMPT));
        assert_eq!(classify_line("ADVERTISEMENT"), Some(ADVERTISEMENT));
        assert_eq!(classify_line("Related:"), Some(RELATED_LINK));
        assert_eq!(classify_line("Read more »"), Some(RELATED_LINK));
        assert_eq!(classify_line("This website uses cookies to improve your experience. Accept"), Some(COOKIE_NOTICE));
        assert_eq!(classify_line("Subscribe to our newsletter"), Some(SUBSCRIBE_PROMPT));
        assert_eq!(classify_line("© 2020 Middle East Monitor. All rights reserved."), Some(COPYRIGHT));
    }

    #[test]
    fn classifies_furniture_in_other_languages() {
        let cases = [
            ("Usamos cookies a fin de mejorar nuestro servicio. Encontrará más información en nuestras Políticas de privacidad.", COOKIE_NOTICE),
            ("Nous utilisons les témoins de navigation (cookies) afin d'opérer et d'améliorer nos services", COOKIE_NOTICE),
            ("Cliccando sul pulsante \"Accettare e chiudere\", lei dà il pieno consenso all'utilizzo dei propri dai personali agli scopi sopraindicati.", COOKIE_NOTICE),
            ("Può ritirare il consenso esercitando la modalità indicata nell' Informativa sull'utilizzo dei dati personali.", COOKIE_NOTICE),
            ("Este post es parte de nuestra cobertura especial de las Protestas en Egipto 2011.", RELATED_LINK),
            ("Ce billet fait partie du dossier de Global Voices sur le soulèvement en Libye.", RELATED_LINK),
            ("Cet article fait partie de notre couverture spéciale des Evénements En Syrie en 2011.", RELATED_LINK),
            ("Este artículo fue publicado anteriormente en SyriaUntold [en].", RELATED_LINK),
            ("Este artículo es parte de la cobertura especial sobre la Revolución egipcia 2011.", RELATED_LINK),
            ("Lire notre dossier complet : Libye, la révolte", RELATED_LINK),
            ("veuillez revoir vos paramètres avant de poursuivre votre visite.Gérer vos témoins de navigationEn savoir plus", COOKIE_NOTICE),
            ("Cuenta de usuario", LOGIN_PROMPT),
            ("Para recuperar tu contraseña ingresa a continuación los datos solicitados.", LOGIN_PROMPT),
            ("Consulta la edición digital y contenidos exclusivos. Sé parte de El Economista Club.", SUBSCRIBE_PROMPT),
            ("¿Ya eres suscriptor/a? Inicia sesión", LOGIN_PROMPT),
            ("ti trovi qui:", SITE_CHROME),
            ("L'édition abonnés 100% digital Accès illimité à tous les contenus payants sur tous vos écrans", SUBSCRIBE_PROMPT),
            ("Collegamenti ad aree di contenuto della pagina", SITE_CHROME),
            ("Esta es tu última noticia por ver este mes", SUBSCRIBE_PROMPT),
            ("Ahora y solo aquí suscríbete por solo 3€ el primer mes", SUBSCRIBE_PROMPT),
            ("Suscribite por $70", SUBSCRIBE_PROMPT),
            ("S'abonner, c'est soutenir un journalisme de qualitéDécouvrir les offres", SUBSCRIBE_PROMPT),
            (
                "Le respect de votre vie privée est important pour nous. Si vous n'êtes pas à l'aise avec l'utilisation de ces informations,",
                COOKIE_NOTICE,
            ),
            ("Como desbloquear las notificaciones.", NOTIFICATION_PROMPT),
            ("No Cookies To use this website, cookies must be enabled in your browser.", COOKIE_NOTICE),
            ("ABBONATI 1 EURO AL MESE!", SUBSCRIBE_PROMPT),
            ("Reciba notificaciones de La Nación", NOTIFICATION_PROMPT),
            ("Su navegador tiene las notificaciones bloqueadas. Para obtener mas informacion sobre como", NOTIFICATION_PROMPT),
            ("Comparte esta actualización en", SHARE_PROMPT),
            ("Copiar el vínculo", SHARE_PROMPT),
            ("Función de búsqueda", SITE_CHROME),
            ("BBC News Mundo Navegación", SITE_CHROME),
            ("Menu di navigazione", SITE_CHROME),
            ("Lee también: El régimen sirio bombardea Idlib", RELATED_LINK),
            ("Leggi anche", RELATED_LINK),
            ("Lire aussi : Syrie, le régime bombarde Idlib", RELATED_LINK),
            ("Fuente de la imagen, EPA", PHOTO_CREDIT),
            ("CNN Sans ™ & © 2020 Cable News Network.", COPYRIGHT),
            ("El León de El Español Publicaciones S.A.", COPYRIGHT),
            ("Mundo > CONFLICTO", BREADCRUMB),
            ("31 jul 2020", DATELINE),
            ("— 11 novembre 2020         — Temps de lecture : 2 min", DATELINE),
            ("Temps de Lecture 3 min.", DATELINE),
            ("Jueves 17/02/2011. Actualizado 10:23h.", DATELINE),
            ("Giovedì • 10 Settembre 2015 • Aggiornato alle 14:54", DATELINE),
            ("First Name *", FORM_FIELD),
            ("Correo electrónico*", FORM_FIELD),
        ];
        for (line, reason) in cases {
            assert_eq!(classify_line(line), Some(reason), "{line}");
        }
    }

    #[test]
    fn classifies_css_and_script() {
        for line in [
            ".alogo{display: block;text-indent: -1000px;width: 330px;height: 80px;}",
            "-webkit-transition: all 0.9s ease 0s;",
            "padding-bottom: 3px;} #boro:hover{background:#000;}",
            "Close Get email notifications on {{subject}} daily!",
            "if (utag_data.switchAdv2017 == false || typeof(utag_data.switchAdv2017) == \"undefined\") {",
            "var d_names = new Array(\"Domenica\", \"Lunedì\", \"Martedì\", \"Mercoledì\",",
            "\"Giovedì\", \"Venerdì\", \"Sabato\");",
            "var d = new Date();",
            "if (minutes < 10){minutes = \"0\"+minutes;}",
            "document.write('<strong>' + d_names[d.getDay()] + ', ' + d.getDate() + ' ' + m_names[d.getMonth()]",
            "+ ' ' + d.getFullYear() + '</strong>');",
            "function gvAefGhettoize() {",
            "var response = jsonResponse;",
            "attemptCounter = 0;",
            "output += '<p class=\"error\">ERRORE! Risposta sbagliata.</p>' ;",
            "window.location = '?gv_email_ghetto=1&email_text=' + messageEscaped;",
            "var offsettop = $('#email-share-wrapper').offset().top;",
            "});",
            "}",
        ] {
            assert_eq!(classify_line(line), Some(CODE), "{line}");
        }
        assert!(!is_code("Nota: el ministro habló; la oposición calló."));
        assert!(!is_code("The vote (held on Monday) was close; the result: 52 to 48."));
        for prose in [
            "Let me be clear: nobody won.",
            "La variable clave = el precio del petróleo;",
            "\"Sí\", dijo.",
            "The answer (yes, no, maybe) was given,",
            "El tipo de cambio subió (1 dólar = 20 pesos);",
            "var i varijabla su riječi",
            "Il governo ha detto: \"Non è vero\", e poi ha aggiunto \"mai\");",
        ] {
            assert!(!is_code(prose), "{prose}");
        }
    }

    #[test]
    fn keeps_headlines_that_resemble_furniture() {
        assert_eq!(classify_line("Por qué la Siria de Bashar al Asad es tan importante para Rusia"), None);
        assert_eq!(classify_line("10 de marzo"), None);
        assert_eq!(classify_line("Siria: Assad vince > Le elezioni, il voto e i brogli denunciati"), None);
        assert_eq!(classify_line("Los cookies de la abuela, receta de Navidad"), None);
        assert_eq!(byline_name("Por Qué Siria Importa"), None);
        assert_eq!(byline_name("Par Khalil Habash"), Some("Khalil Habash"));
    }

    #[test]
    fn keeps_content_that_resembles_clutter() {
        assert_eq!(classify_line("Al-Sarraj comments:"), None);
        assert_eq!(classify_line("“Turkey is on the right side in the Libyan conflict”"), None);
        assert_eq!(classify_line("Chairman of the Presidential Council of Libya (PHOTO: Middle East Monitor)"), None);
        assert_eq!(classify_line("Share prices fell sharply on Monday."), None);
        assert_eq!(classify_line("Readers were surprised."), None);
        let long = format!("Read: {}", "the minister said the talks went well ".repeat(10));
        assert_eq!(classify_line(&long), None);
        assert_eq!(classify_line("*"), None);
        assert_eq!(
            classify_line("The minister, asked whether the talks would resume, said the rest was \"not for now\" *"),
            None
        );
    }

    #[test]
    fn site_icon_names_the_outlet() {
        assert_eq!(outlet_from_site_icon("Site icon Turkish Minute"), Some("Turkish Minute"));
        assert_eq!(outlet_from_site_icon("Site icon"), None);
        assert_eq!(outlet_from_site_icon("Turkish Minute"), None);
    }

    #[test]
    fn splits_outlet_suffixes() {
        let split = split_outlet_suffix(
            "Turkey, Qatar sign military cooperation agreement with Libyan government – Middle East Monitor",
            None,
        )
        .expect("suffix");
        assert_eq!(split.title, "Turkey, Qatar sign military cooperation agreement with Libyan government");
        assert_eq!(split.outlet, "Middle East Monitor");
        assert_eq!(split.removed, " – Middle East Monitor");

        let split = split_outlet_suffix("Libya talks resume in Geneva | Al Jazeera", None).expect("suffix");
        assert_eq!(split.outlet, "Al Jazeera");
        let split = split_outlet_suffix("Libya talks resume in Geneva - BBC News", None).expect("suffix");
        assert_eq!(split.outlet, "BBC News");
        let split = split_outlet_suffix("Libya talks - and what comes next - aljazeera.com", Some("aljazeera.com"))
            .expect("known outlet");
        assert_eq!(split.title, "Libya talks - and what comes next");
    }

    #[test]
    fn leaves_titles_without_outlet_alone() {
        assert_eq!(split_outlet_suffix("Turkey and Qatar to rebuild the Libyan army", None), None);
        assert_eq!(split_outlet_suffix("Libya's war – what comes next?", None), None);
        assert_eq!(split_outlet_suffix("Haftar offensive stalls – Analysis", None), None);
        assert_eq!(split_outlet_suffix("Al Jazeera – Libya", None), None);
        // A known outlet that differs from the suffix means the suffix is part of the headline.
        assert_eq!(split_outlet_suffix("Turkey and Qatar sign deal – Libya Herald", Some("Reuters")), None);
    }
}

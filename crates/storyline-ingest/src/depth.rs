//! How deep an HTML page nests, measured before the page is parsed.
//!
//! The tree builder is what must be guarded: html5ever checks scopes by walking the stack of open
//! elements for each tag, so 100,000 nested `<div>`s cost 10¹⁰ steps before Readability's
//! recursion overflows the stack. html5ever's tokenizer is linear, so the depth is measured over
//! its tokens with a model of the stack of open elements. The model errs on the deep side: it
//! closes what HTML closes implicitly in real pages (an open `<p>` before a block, `<li>` before
//! `<li>`, table cells and rows) and keeps formatting elements that the tree builder would
//! reopen (`<div><b></div>` leaves a `<b>` that comes back in the next block). Scanning stops as
//! soon as the limit is passed, so every stack walk here is bounded by the limit.
//!
//! The same pass counts the elements, and adds up how deeply each is nested: the tree builder and
//! Readability (which matches descendants from every ancestor) work in proportion to that sum,
//! and a parsed element costs hundreds of bytes, so a page of many elements, each within the
//! depth limit, can be as hostile as a deep one.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts};
use html5ever::{LocalName, TokenizerResult};

/// The size of a page's tree: the deepest nesting of elements and how many there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TreeShape {
    pub depth: usize,
    pub elements: usize,
    /// The depths of all elements added up.
    pub work: usize,
}

/// Bounds on a [`TreeShape`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct MaxShape {
    pub depth: usize,
    pub elements: usize,
    pub work: usize,
}

/// The shape of `html`'s tree, measured until one of `max`'s bounds is passed (that count is
/// then just over its bound).
pub(crate) fn measure(html: &str, max: MaxShape) -> TreeShape {
    let sink = DepthSink { max, state: RefCell::new(OpenElements::default()) };
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from(html));
    // The sink pauses the tokenizer (as a script would) once the limit is passed.
    if let TokenizerResult::Done = tokenizer.feed(&input) {
        tokenizer.end();
    }
    let state = tokenizer.sink.state.borrow();
    TreeShape { depth: state.deepest, elements: state.elements, work: state.work }
}

struct DepthSink {
    max: MaxShape,
    state: RefCell<OpenElements>,
}

/// The modelled stack of open elements, and the formatting elements waiting to be reopened.
#[derive(Default)]
struct OpenElements {
    open: Vec<LocalName>,
    /// Formatting elements closed implicitly, by name and attributes; the tree builder reopens
    /// them inside the next element, at most three alike (its "Noah's Ark" rule).
    reopened: Vec<(LocalName, String)>,
    /// Attributes of the formatting elements on `open`, by their position there.
    formatting_attributes: Vec<(usize, String)>,
    deepest: usize,
    elements: usize,
    work: usize,
}

impl TokenSink for DepthSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let Token::TagToken(tag) = token else {
            return TokenSinkResult::Continue;
        };
        let mut state = self.state.borrow_mut();
        let result = match tag.kind {
            TagKind::StartTag => {
                state.elements += 1;
                state.work += state.open.len() + state.reopened.len() + 1;
                state.start(&tag)
            }
            TagKind::EndTag => {
                state.end(&tag.name);
                TokenSinkResult::Continue
            }
        };
        state.deepest = state.deepest.max(state.open.len() + state.reopened.len());
        let max = &self.max;
        if state.deepest > max.depth || state.elements > max.elements || state.work > max.work {
            return TokenSinkResult::Script(());
        }
        result
    }
}

const VOID: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input", "keygen", "link",
    "meta", "param", "source", "track", "wbr",
];
const FORMATTING: &[&str] =
    &["a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u"];
/// Elements that are neither formatting nor "special" to the tree builder: a formatting end tag
/// above them closes them too.
const PHRASING: &[&str] = &[
    "span", "abbr", "cite", "label", "time", "sub", "sup", "q", "mark", "data", "dfn", "kbd", "samp", "var", "bdi",
    "bdo", "ruby", "rt", "rp", "ins", "del", "output", "meter", "progress",
];
/// Start tags that close an open `<p>`.
const CLOSES_P: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "center",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "header",
    "hgroup",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "section",
    "summary",
    "ul",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "listing",
    "form",
    "table",
    "xmp",
    "plaintext",
    "li",
    "dd",
    "dt",
];
const HEADINGS: &[&str] = &["h1", "h2", "h3", "h4", "h5", "h6"];
/// End tags that clear the formatting elements waiting to be reopened (scope markers).
const MARKERS: &[&str] = &["td", "th", "caption", "applet", "object", "marquee", "template"];

impl OpenElements {
    fn start(&mut self, tag: &Tag) -> TokenSinkResult<()> {
        let name = &*tag.name;
        let foreign = self.is_open(&["svg", "math"]);
        if VOID.contains(&name) || (tag.self_closing && foreign) {
            return TokenSinkResult::Continue;
        }
        if matches!(name, "html" | "head" | "body") && self.is_open(&[name]) {
            return TokenSinkResult::Continue;
        }
        if CLOSES_P.contains(&name) {
            self.close_within("p", &["button", "table", "td", "th", "caption", "html", "object", "template"]);
        }
        match name {
            "li" => self.close_within("li", &["ul", "ol", "menu"]),
            "dd" | "dt" => {
                self.close_within("dd", &["dl"]);
                self.close_within("dt", &["dl"]);
            }
            "option" | "optgroup" => self.close_within("option", &["select", "optgroup", "datalist"]),
            "tr" => self.close_within("tr", &["table", "tbody", "thead", "tfoot"]),
            "td" | "th" => {
                self.close_within("td", &["tr", "table"]);
                self.close_within("th", &["tr", "table"]);
            }
            "tbody" | "thead" | "tfoot" => {
                for section in ["tbody", "thead", "tfoot"] {
                    self.close_within(section, &["table"]);
                }
            }
            // A link inside a link ends the first one.
            "a" | "nobr" => {
                self.reopened.retain(|(reopened, _)| &**reopened != name);
                if self.is_open(&[name]) {
                    self.end(&tag.name);
                }
            }
            _ => {}
        }
        if HEADINGS.contains(&name) && self.open.last().is_some_and(|top| HEADINGS.contains(&&**top)) {
            self.pop();
        }
        if FORMATTING.contains(&name) {
            self.formatting_attributes.push((self.open.len(), attributes(tag)));
        }
        self.open.push(tag.name.clone());
        match name {
            "script" => TokenSinkResult::RawData(RawKind::ScriptData),
            "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => {
                TokenSinkResult::RawData(RawKind::Rawtext)
            }
            "title" | "textarea" => TokenSinkResult::RawData(RawKind::Rcdata),
            "plaintext" => TokenSinkResult::Plaintext,
            _ => TokenSinkResult::Continue,
        }
    }

    fn end(&mut self, name: &LocalName) {
        let Some(at) = self.open.iter().rposition(|open| open == name) else {
            // A formatting end tag with its element closed already drops it from those reopened.
            if let Some(at) = self.reopened.iter().rposition(|(reopened, _)| reopened == name) {
                self.reopened.remove(at);
            }
            return;
        };
        if FORMATTING.contains(&&**name) {
            let blocks_above = self.open[at + 1..]
                .iter()
                .any(|above| !FORMATTING.contains(&&**above) && !PHRASING.contains(&&**above));
            // The tree builder moves the blocks out of the formatting element and reopens it inside
            // them (the adoption agency): the depth stays.
            if blocks_above {
                return;
            }
        }
        while self.open.len() > at + 1 {
            let popped = self.pop();
            self.reopen(popped);
        }
        self.pop();
        if MARKERS.contains(&&**name) {
            self.reopened.clear();
        }
    }

    /// Pops the element `name` and everything above it, unless a `boundary` comes first.
    fn close_within(&mut self, name: &str, boundaries: &[&str]) {
        let found = self.open.iter().rev().find(|open| &***open == name || boundaries.contains(&&***open));
        if found.is_some_and(|open| &**open == name) {
            let name = LocalName::from(name);
            while let Some(popped) = self.pop() {
                if popped.0 == name {
                    break;
                }
                self.reopen(Some(popped));
            }
        }
    }

    fn pop(&mut self) -> Option<(LocalName, Option<String>)> {
        let name = self.open.pop()?;
        let attributes = match self.formatting_attributes.last() {
            Some((at, _)) if *at == self.open.len() => self.formatting_attributes.pop().map(|(_, a)| a),
            _ => None,
        };
        Some((name, attributes))
    }

    /// A formatting element closed implicitly waits to be reopened, three alike at most.
    fn reopen(&mut self, popped: Option<(LocalName, Option<String>)>) {
        let Some((name, Some(attributes))) = popped else { return };
        let alike = self.reopened.iter().filter(|(n, a)| *n == name && *a == attributes).count();
        if alike >= 3 {
            if let Some(first) = self.reopened.iter().position(|(n, a)| *n == name && *a == attributes) {
                self.reopened.remove(first);
            }
        }
        self.reopened.push((name, attributes));
    }

    fn is_open(&self, names: &[&str]) -> bool {
        self.open.iter().any(|open| names.contains(&&**open))
    }
}

/// A formatting element's attributes, as the tree builder compares them.
fn attributes(tag: &Tag) -> String {
    let mut pairs: Vec<String> = tag.attrs.iter().map(|a| format!("{}={}", &*a.name.local, a.value)).collect();
    pairs.sort();
    pairs.join("\u{0}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNBOUNDED: MaxShape = MaxShape { depth: usize::MAX, elements: usize::MAX, work: usize::MAX };

    fn depth(html: &str) -> usize {
        measure(html, UNBOUNDED).depth
    }

    #[test]
    fn counts_nested_elements() {
        assert_eq!(depth("plain text"), 0);
        assert_eq!(depth("<html><body><div><p>x</p></div></body></html>"), 4);
        assert_eq!(depth("<div><br><img src=x><hr></div>"), 1);
        let nested = format!("{}x{}", "<div>".repeat(300), "</div>".repeat(300));
        assert_eq!(depth(&nested), 300);
        // Nesting in a script is text, not elements.
        assert_eq!(depth(&format!("<script>{}</script>", "<div>".repeat(300))), 1);
        assert_eq!(depth(&format!("<!-- {} -->", "<div>".repeat(300))), 0);
    }

    #[test]
    fn sloppy_real_pages_stay_shallow() {
        // Paragraphs, list items and cells left open are closed by the next one.
        let sloppy = "<ul>".to_string() + &"<li><p>item".repeat(1000) + "</ul>";
        assert!(depth(&sloppy) <= 4, "{}", depth(&sloppy));
        let table = "<table>".to_string() + &"<tr><td>a<td>b".repeat(1000) + "</table>";
        assert!(depth(&table) <= 4, "{}", depth(&table));
        // An unclosed <font> per paragraph is reopened, three alike at most.
        let fonts = "<p><font face=x>text".repeat(1000);
        assert!(depth(&fonts) <= 6, "{}", depth(&fonts));
        let links = "<a href=1>one<a href=2>two".repeat(1000);
        assert!(depth(&links) <= 2, "{}", depth(&links));
    }

    #[test]
    fn misnested_formatting_counts_what_the_tree_builder_builds() {
        // Each round leaves a <div> and a reopened <b> open in the tree.
        let rounds = "<b><div></b>".repeat(400);
        assert!(depth(&rounds) >= 400, "{}", depth(&rounds));
        // Formatting elements closed by an outer end tag come back in the next block.
        let distinct: String = (0..400).map(|i| format!("<div><b id={i}></div>")).collect();
        assert!(depth(&distinct) >= 400, "{}", depth(&distinct));
    }

    #[test]
    fn stops_just_past_a_limit() {
        let nested = "<div>".repeat(100_000);
        let shape = measure(&nested, MaxShape { depth: 512, ..UNBOUNDED });
        assert_eq!((shape.depth, shape.elements), (513, 513));
        let flat = "<p>x".repeat(100_000);
        let shape = measure(&flat, MaxShape { elements: 1000, ..UNBOUNDED });
        assert_eq!((shape.depth, shape.elements), (1, 1001));
        // <br> is an element one level down; the second <p> closes the first.
        assert_eq!(measure("<p>a<br>b</p><p>c</p>", UNBOUNDED), TreeShape { depth: 1, elements: 3, work: 4 });
        // Paragraphs 20 deep: each adds 21 to the work.
        let deep_paragraphs = format!("{}{}", "<div>".repeat(20), "<p>x".repeat(1000));
        let shape = measure(&deep_paragraphs, MaxShape { work: 5000, ..UNBOUNDED });
        assert!(shape.work > 5000 && shape.work <= 5000 + 21 && shape.elements < 300, "{shape:?}");
    }
}

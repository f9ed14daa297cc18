// storyline's web page: routes on the path and draws everything from the JSON API.
// Every piece of data reaches the page as a text node (h() below), never as markup.
'use strict';

const main = document.getElementById('main');
// Days are shown as their source stated them (the API writes dates in the stated offset), never
// moved into the reader's time zone: an evening in New York stays on its day.
const MONTHS = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
const LANGUAGES = typeof Intl.DisplayNames === 'function' ? new Intl.DisplayNames(undefined, { type: 'language' }) : null;
let features = {};

/** Builds an element: h('a', {href: '/x', class: 'c'}, 'text', child, ...). Strings become text nodes. */
function h(tag, attrs, ...children) {
  const el = tag === 'svg' || SVG_TAGS.has(tag) ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}
const SVG_TAGS = new Set(['g', 'path', 'circle', 'line', 'text', 'title', 'rect', 'polyline']);

async function api(path) {
  const response = await fetch(path, { headers: { Accept: 'application/json' } });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const message = body && body.error ? body.error.message : `${response.status} ${response.statusText}`;
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return body;
}

function date(value) {
  if (!value) return null;
  const d = new Date(`${value.slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? value : MONTHS.format(d);
}

// An article's own publication date (stored in UTC, with the offset its source stated it in).
function statedDate(article) {
  if (!article.published) return null;
  const moment = Date.parse(article.published) + (article.published_offset || 0) * 1000;
  return Number.isNaN(moment) ? article.published : new Date(moment).toISOString();
}

function dateRange(first, last) {
  const a = date(first);
  const b = date(last);
  if (!a && !b) return 'undated';
  return a === b || !b ? a : `${a} – ${b}`;
}

function language(code) {
  if (!code) return null;
  try { return (LANGUAGES && LANGUAGES.of(code)) || code; } catch { return code; }
}

function plural(n, one, many) { return `${n} ${n === 1 ? one : many || one + 's'}`; }

function link(href, ...children) { return h('a', { href, 'data-nav': true }, ...children); }

/** A link out to a page the data names: only http(s) addresses become links (a stored
 * `javascript:` or `data:` URL would run on a click); anything else is shown as text. */
function outLink(url, text) {
  let parsed = null;
  try { parsed = new URL(url); } catch { /* not an absolute URL */ }
  if (parsed && (parsed.protocol === 'http:' || parsed.protocol === 'https:')) {
    return h('a', { href: parsed.href, rel: 'noopener noreferrer nofollow', 'data-testid': 'out-link' }, text);
  }
  return h('span', { class: 'unlinked-url', title: 'not a web address, so not a link' }, `${text}: ${url}`);
}

function show(...nodes) {
  main.replaceChildren(...nodes);
  main.focus({ preventScroll: true });
}

function errorBox(error) {
  const title = error.status === 404 ? 'Not found' : 'Something went wrong';
  return h('section', { class: 'notice', role: 'alert' }, h('h1', {}, title), h('p', {}, error.message), h('p', {}, link('/', '← Front page')));
}

function meta(...parts) {
  return h('p', { class: 'meta' }, parts.filter(Boolean).map((part, i) => [i ? h('span', { class: 'sep', 'aria-hidden': 'true' }, '·') : null, part]));
}

function chips(items, cls) {
  return h('ul', { class: `chips ${cls || ''}` }, items.map((item) => h('li', {}, item)));
}

/** Text with the segments the server marked as matches wrapped in <mark>. */
function highlighted(segments) {
  return segments.map((s) => (s.mark ? h('mark', {}, s.text) : s.text));
}

/** `text` with every occurrence of `needle` wrapped in <mark>. */
function markWithin(text, needle) {
  if (!needle) return [text];
  const out = [];
  let at = 0;
  const lower = text.toLowerCase();
  const target = needle.toLowerCase();
  for (let i = lower.indexOf(target); i >= 0; i = lower.indexOf(target, at)) {
    out.push(text.slice(at, i), h('mark', {}, text.slice(i, i + needle.length)));
    at = i + needle.length;
  }
  out.push(text.slice(at));
  return out;
}

// ---------------------------------------------------------------- front page

async function frontPage() {
  document.title = 'storyline';
  const [stats, events, storylines] = await Promise.all([
    api('/api/stats'),
    api('/api/events?limit=40'),
    api('/api/storylines?limit=8').catch(() => ({ items: [] })),
  ]);
  if (!events.items.length) {
    show(h('section', { class: 'notice' }, h('h1', {}, 'No articles yet'),
      h('p', {}, 'Ingest some with ', h('code', {}, 'storyline ingest FOLDER'), ' or ', h('code', {}, 'POST /api/articles'), '.')));
    return;
  }
  const cards = events.items.map(eventCard);
  const lines = storylines.items.filter((s) => s.event_count > 1);
  show(
    h('div', { class: 'front' },
      h('section', { class: 'events', 'aria-labelledby': 'events-h' },
        h('div', { class: 'section-head' },
          h('h1', { id: 'events-h' }, 'Current events'),
          h('p', { class: 'meta' }, `${plural(stats.articles, 'article')} in ${plural(stats.events, 'event')} · ${plural(stats.copies, 'copy', 'copies')} of other articles`)),
        h('ol', { class: 'cards' }, cards.map((c) => c.node))),
      lines.length ? h('aside', { class: 'rail', 'aria-labelledby': 'lines-h' },
        h('h2', { id: 'lines-h' }, 'Storylines'),
        h('ol', { class: 'storyline-list' }, lines.map((s) => h('li', {},
          link(`/storyline/${s.id}`, s.title),
          h('p', { class: 'meta' }, `${plural(s.event_count, 'event')}, ${dateRange(s.first_published, s.last_published)}`))))) : null));
  if (features.coverage) fillSummaries(cards.slice(0, 12));
}

function eventCard(event) {
  const summary = h('p', { class: 'summary' });
  const node = h('li', { class: 'card', 'data-testid': 'event-card' },
    h('h2', {}, link(`/event/${event.id}`, event.title)),
    summary,
    meta(
      h('span', { class: 'count' }, plural(event.article_count, 'article')),
      event.outlets.length ? event.outlets.join(', ') : 'unknown outlet',
      event.languages.map(language).join(', ') || null,
      h('time', { datetime: event.last_published || '' }, dateRange(event.first_published, event.last_published))));
  return { node, summary, id: event.id };
}

/** Summaries are computed per event on the server; fetch a few at a time so the page shows first. */
async function fillSummaries(cards) {
  const queue = cards.slice();
  const worker = async () => {
    for (let card = queue.shift(); card; card = queue.shift()) {
      try {
        const coverage = await api(`/api/events/${card.id}/coverage`);
        const sentences = (coverage.summary && coverage.summary.sentences) || [];
        card.summary.textContent = sentences.slice(0, 2).map((s) => s.text).join(' ');
      } catch { /* the card keeps its title only */ }
    }
  };
  await Promise.all([worker(), worker(), worker()]);
}

// ---------------------------------------------------------------- event page

async function eventPage(id) {
  const [event, listing] = await Promise.all([api(`/api/events/${id}`), api(`/api/articles?event=${id}&limit=100`)]);
  document.title = `${event.title} — storyline`;
  const excerpts = new Map(listing.items.map((a) => [a.id, a]));
  const coverage = features.coverage ? await api(`/api/events/${id}/coverage`).catch(() => null) : null;

  const summarySentences = coverage && coverage.summary ? coverage.summary.sentences : [];
  const article = h('article', { class: 'event' },
    h('header', { class: 'event-head' },
      h('p', { class: 'kicker' }, link('/', 'Events'), ` / Event ${event.id}`),
      h('h1', {}, event.title),
      meta(plural(event.article_count, 'article'), event.outlets.join(', ') || null,
        event.languages.map(language).join(', ') || null, dateRange(event.first_published, event.last_published))),
    summarySentences.length ? h('section', { class: 'lede', 'aria-label': 'Summary' },
      summarySentences.map((s) => h('p', {}, s.text, ' ', h('span', { class: 'support', title: 'outlets reporting this' }, plural(s.outlets, 'outlet'))))) : null,
    h('div', { class: 'columns' },
      h('div', { class: 'primary' },
        articlesSection(event.members, excerpts),
        coverage ? coverageSection(coverage) : null,
        h('div', { id: 'extra-main' })),
      h('aside', { class: 'secondary' },
        event.storyline && event.storyline.timeline.length ? timelineSection(event.storyline, event.id) : null,
        h('div', { id: 'extra-side' }))));
  show(article);
  // Shown before the extras arrive; ready (for tests and scripts) once they are in.
  await extraSections(id);
}

/** Originals in arrival order, each with the articles that copy it nested beneath. */
function articlesSection(members, excerpts) {
  const ids = new Set(members.map((m) => m.id));
  const copies = new Map();
  const originals = [];
  for (const m of members) {
    const original = m.copy_of && ids.has(m.copy_of[0]) ? m.copy_of[0] : null;
    if (original) {
      if (!copies.has(original)) copies.set(original, []);
      copies.get(original).push(m);
    } else originals.push(m);
  }
  const item = (m, isCopy) => {
    const listed = excerpts.get(m.id);
    return h('li', { class: isCopy ? 'copy' : 'original', 'data-testid': isCopy ? 'copy-item' : 'article-item', 'data-article': m.id },
      h('h3', {}, link(`/article/${encodeURIComponent(m.id)}`, m.title || (listed && clipWords(listed.excerpt, 90)) || m.id)),
      isCopy ? h('p', { class: 'badge' }, m.copy_of[1] === 'republication' ? 'Republication' : m.copy_of[1] === 'exact' ? 'Exact copy' : 'Near-duplicate') : null,
      meta(m.outlet || 'unknown outlet', language(m.language), date(m.published) || 'undated'),
      listed && !isCopy ? h('p', { class: 'excerpt' }, listed.excerpt) : null,
      !isCopy && copies.has(m.id) ? h('ul', { class: 'copies', 'aria-label': `Copies of ${m.title || m.id}` }, copies.get(m.id).map((c) => item(c, true))) : null);
  };
  return h('section', { class: 'block', 'aria-labelledby': 'articles-h' },
    h('h2', { id: 'articles-h' }, 'Articles ', h('span', { class: 'count' }, String(members.length))),
    h('ol', { class: 'article-groups' }, originals.map((m) => h('li', { class: 'group', 'data-testid': 'article-group' }, h('ul', {}, item(m, false))))));
}

/** A part of a storyline's timeline (the API sends a bounded part of a long one), with how many
 * events come before and after it, linked to the storyline's page at that place. */
function timelineSection(storyline, current) {
  const before = storyline.timeline_offset;
  const after = storyline.event_count - before - storyline.timeline.length;
  const pageAt = (offset) => `/storyline/${storyline.id}${offset > 0 ? `?offset=${offset}` : ''}`;
  const more = (n, offset, word) => n > 0
    ? h('p', { class: 'meta', 'data-testid': `timeline-${word}` }, link(pageAt(offset), `${plural(n, `${word} event`)}`))
    : null;
  return h('section', { class: 'block timeline', 'data-testid': 'timeline', 'aria-labelledby': 'timeline-h' },
    h('h2', { id: 'timeline-h' }, 'Storyline'),
    h('p', { class: 'meta' }, link(`/storyline/${storyline.id}`, storyline.title), ' ', plural(storyline.event_count, 'event')),
    more(before, Math.max(0, before - TIMELINE_PAGE), 'earlier'),
    h('ol', {}, storyline.timeline.map((e) => h('li', { class: e.id === current ? 'current' : null, 'data-testid': 'timeline-event', 'aria-current': e.id === current ? 'page' : null },
      h('time', {}, dateRange(e.first_published, e.last_published)),
      e.id === current ? h('strong', {}, e.title) : link(`/event/${e.id}`, e.title),
      h('span', { class: 'meta' }, plural(e.article_count, 'article'))))),
    more(after, before + storyline.timeline.length, 'later'));
}

function coverageSection(coverage) {
  const outlets = coverage.outlets.map((o) => o.outlet);
  const head = h('tr', {}, h('th', { scope: 'col' }, 'What is reported'), outlets.map((o) => h('th', { scope: 'col' }, o)));
  const rows = [];
  for (const d of coverage.disagreements) {
    const byOutlet = new Map();
    for (const v of d.values) for (const o of v.outlets) byOutlet.set(o, v);
    rows.push(h('tr', { class: 'disputed', 'data-testid': 'disagreement' },
      h('th', { scope: 'row' }, h('span', { class: 'flag' }, 'Disagreement'), ' ', d.slot === 'name' ? `Name of ${d.subject}` : d.subject),
      outlets.map((o) => {
        const v = byOutlet.get(o);
        if (!v) return h('td', { class: 'none' }, '—');
        const evidence = v.evidence[0];
        return h('td', {}, h('mark', { class: 'value' }, v.value), evidence ? h('p', { class: 'evidence' }, markWithin(evidence[2], v.value)) : null);
      })));
  }
  const unique = new Set(coverage.unique);
  const claims = coverage.claims
    .map((c, i) => ({ c, i }))
    .sort((a, b) => b.c.outlets.length - a.c.outlets.length || a.i - b.i)
    .slice(0, 10);
  for (const { c, i } of claims) {
    rows.push(h('tr', { class: unique.has(i) ? 'unique' : null },
      h('th', { scope: 'row' }, c.statements[0].text, unique.has(i) ? h('span', { class: 'tag' }, 'one outlet only') : null),
      outlets.map((o) => (c.outlets.includes(o) ? h('td', { class: 'yes' }, h('span', { 'aria-label': 'reported' }, '●')) : h('td', { class: 'none' }, h('span', { 'aria-label': 'not reported' }, '—'))))));
  }
  const republished = coverage.outlets.flatMap((o) => o.republished_by.map((r) => h('li', {}, `${r.outlet} republished ${o.outlet}`)));
  return h('section', { class: 'block coverage', 'aria-labelledby': 'coverage-h' },
    h('h2', { id: 'coverage-h' }, 'Coverage'),
    h('p', { class: 'meta' }, `How ${plural(outlets.length, 'outlet')} told it. Rows in red are facts the outlets disagree on.`),
    h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Coverage table' },
      h('table', {}, h('thead', {}, head), h('tbody', {}, rows))),
    republished.length ? h('ul', { class: 'plain meta' }, republished) : null);
}

/** Sections whose data comes from endpoints that may not exist on this server. */
async function extraSections(id) {
  const side = document.getElementById('extra-side');
  const mainCol = document.getElementById('extra-main');
  if (features.entities) {
    const entities = await api(`/api/events/${id}/entities`).catch(() => null);
    const items = (entities && entities.items) || [];
    // The event's geocoded places, most mentioned first, on the offline map.
    const places = items.filter((e) => e.location).slice(0, 60)
      .map((e) => ({ name: e.name, lat: e.location.lat, lon: e.location.lon }));
    // Named in the entity list just below, so not listed twice.
    if (places.length) side.append(placesSection(places, { listed: false }));
    if (items.length) side.append(entitiesSection(items));
  }
  if (features.quotes) {
    const quotes = await api(`/api/events/${id}/quotes`).catch(() => null);
    if (quotes && quotes.items && quotes.items.length) mainCol.append(quotesSection(quotes.items));
  }
  if (features.coded_events) {
    const coded = await api(`/api/events/${id}/coded`).catch(() => null);
    if (coded && coded.items && coded.items.length) mainCol.append(codedSection(coded.items));
  }
}

function entitiesSection(items) {
  const groups = new Map();
  for (const e of items) {
    const kind = e.kind || 'other';
    if (!groups.has(kind)) groups.set(kind, []);
    groups.get(kind).push(e);
  }
  return h('section', { class: 'block entities', 'aria-labelledby': 'entities-h' },
    h('h2', { id: 'entities-h' }, 'People, places, organisations'),
    [...groups].map(([kind, list]) => h('div', {}, h('h3', {}, kind),
      chips(list.map((e) => link(`/entity/${encodeURIComponent(e.id)}`, e.name, e.mentions ? h('span', { class: 'count' }, String(e.mentions)) : null))))));
}

function quotesSection(items) {
  return h('section', { class: 'block quotes', 'aria-labelledby': 'quotes-h' },
    h('h2', { id: 'quotes-h' }, 'Quotes'),
    items.map((q) => h('figure', {}, h('blockquote', {}, q.text), h('figcaption', {}, '— ', q.speaker || 'unattributed', q.outlet ? `, in ${q.outlet}` : ''))));
}

function codedSection(items) {
  return h('section', { class: 'block', 'aria-labelledby': 'coded-h' },
    h('h2', { id: 'coded-h' }, 'Who did what to whom'),
    h('ul', { class: 'plain' }, items.map((c) => h('li', {}, [c.source, c.action || c.code, c.target].filter(Boolean).join(' → '), c.date ? h('span', { class: 'meta' }, ` ${date(c.date)}`) : null))));
}

let countryOutlines = null;

/** The country outlines, fetched once per page load; none when the server has not got them. */
function outlines() {
  countryOutlines ||= fetch('/api/map/countries').then((r) => (r.ok ? r.json() : [])).catch(() => []);
  return countryOutlines;
}

/**
 * Places on an equirectangular map (x = lon + 180, y = 90 - lat, in degrees), framed on the
 * places with some land around them: local data only, no tiles. The country outlines arrive
 * after the section is drawn and slide in beneath the dots.
 */
function placesSection(places, { listed = true } = {}) {
  const located = places.filter((p) => Number.isFinite(p.lat) && Number.isFinite(p.lon));
  const xs = located.map((p) => p.lon + 180);
  const ys = located.map((p) => 90 - p.lat);
  // Frame: the places plus 6 degrees around them, at least 36 by 18 degrees, two wide for one
  // high, within the world.
  let w = Math.max(36, (Math.max(...xs, 0) - Math.min(...xs, 360)) + 12);
  let hgt = Math.max(18, (Math.max(...ys, 0) - Math.min(...ys, 180)) + 12);
  if (!located.length) { w = 360; hgt = 180; }
  w = Math.min(360, Math.max(w, 2 * hgt));
  hgt = w / 2;
  const cx = located.length ? (Math.max(...xs) + Math.min(...xs)) / 2 : 180;
  const cy = located.length ? (Math.max(...ys) + Math.min(...ys)) / 2 : 90;
  const x0 = Math.min(Math.max(cx - w / 2, 0), 360 - w);
  const y0 = Math.min(Math.max(cy - hgt / 2, 0), 180 - hgt);
  const scale = w / 360;
  const lines = [];
  for (let lon = -150; lon <= 150; lon += 30) lines.push(h('line', { x1: lon + 180, y1: 0, x2: lon + 180, y2: 180 }));
  for (let lat = -60; lat <= 60; lat += 30) lines.push(h('line', { x1: 0, y1: 90 - lat, x2: 360, y2: 90 - lat }));
  const land = h('g', { class: 'land' });
  outlines().then((countries) => countries.forEach((c) => land.append(h('path', { d: c.path }, h('title', {}, c.name)))));
  const dots = located.map((p) => h('g', {}, h('circle', { cx: p.lon + 180, cy: 90 - p.lat, r: Math.max(0.35, 2.4 * scale) }), h('title', {}, p.name)));
  return h('section', { class: 'block places', 'aria-labelledby': 'places-h' },
    h('h2', { id: 'places-h' }, 'Places'),
    h('svg', { viewBox: `${x0} ${y0} ${w} ${hgt}`, role: 'img', 'aria-label': `Map of ${located.map((p) => p.name).join(', ')}` },
      h('rect', { width: 360, height: 180, class: 'sea' }), land, h('g', { class: 'graticule' }, lines), h('g', { class: 'dots' }, dots)),
    listed ? chips(places.map((p) => p.name)) : null);
}

// ---------------------------------------------------------------- article page

async function articlePage(id) {
  const a = await api(`/api/articles/${encodeURIComponent(id)}`);
  // An article without a headline is named by its opening words, as its event is.
  const headline = a.title || clipWords(a.text.trim().split('\n')[0], 90) || a.id;
  document.title = `${headline} — storyline`;
  const relations = a.duplicates.map((d) => {
    const other = d.copy === a.id ? d.original : d.copy;
    const role = d.copy === a.id ? `This article is a ${d.kind.replace('_', '-')} of` : `${d.kind === 'republication' ? 'Republished' : 'Copied'} by`;
    const pairs = d.evidence && d.evidence.pairs ? d.evidence.pairs.slice(0, 6) : [];
    return h('li', {}, role, ' ', link(`/article/${encodeURIComponent(other)}`, other), h('span', { class: 'meta' }, ` score ${d.score.toFixed(2)}`),
      pairs.length ? h('details', {}, h('summary', {}, `${pairs.length} aligned sentences`),
        h('table', { class: 'pairs' }, h('thead', {}, h('tr', {}, h('th', {}, 'Original'), h('th', {}, 'Copy'))),
          h('tbody', {}, pairs.map((p) => h('tr', {}, h('td', {}, p.original), h('td', {}, p.copy)))))) : null);
  });
  show(h('article', { class: 'reader' },
    h('p', { class: 'kicker' }, link(`/event/${a.event}`, `Event ${a.event}`)),
    h('h1', {}, headline),
    meta(a.outlet || 'unknown outlet', a.author, language(a.language && a.language.code), date(statedDate(a)) || 'undated',
      a.url ? outLink(a.url, 'original page') : null),
    relations.length ? h('section', { class: 'block relations' }, h('h2', {}, 'Duplicates'), h('ul', { class: 'plain' }, relations)) : null,
    h('div', { class: 'body' }, a.text.split(/\n\s*\n/).map((p) => h('p', {}, p))),
    a.removed.length ? h('details', { class: 'removed' }, h('summary', {}, `${plural(a.removed.length, 'piece')} of clutter removed`),
      h('ul', { class: 'plain' }, a.removed.map((r) => h('li', {}, h('span', { class: 'tag' }, r.reason), ' ', r.text)))) : null));
}

// ---------------------------------------------------------------- entity page

async function entityPage(id) {
  const e = await api(`/api/entities/${encodeURIComponent(id)}`);
  document.title = `${e.name} — storyline`;
  const disputes = (e.disagreements || []).map((d) => h('li', { 'data-testid': 'entity-disagreement' },
    `${d.field}: `, Object.entries(d.values).map(([value, articles]) => `"${value}" (${articles.join(', ')})`).join(' vs ')));
  show(h('article', { class: 'reader' },
    h('p', { class: 'kicker' }, link('/', 'Events'), ` / ${e.kind}`),
    h('h1', {}, e.name),
    meta(plural(e.mentions, 'mention'), plural(e.article_count, 'article'),
      e.country ? `country ${e.country}` : null,
      e.location ? `${e.location.name}${e.location.country && e.location.feature !== 'country' ? `, ${e.location.country}` : ''} (${e.location.lat.toFixed(2)}, ${e.location.lon.toFixed(2)})` : null),
    e.aliases.length > 1 ? h('section', { class: 'block' }, h('h2', {}, 'Also written'), chips(e.aliases.map((a) => h('span', {}, a)))) : null,
    e.roles.length ? h('section', { class: 'block' }, h('h2', {}, 'Roles'), chips(e.roles.map((r) => h('span', {}, r)))) : null,
    disputes.length ? h('section', { class: 'block' }, h('h2', {}, 'Outlets disagree'), h('ul', { class: 'plain' }, disputes)) : null,
    entityPlaces(e),
    e.quotes.length ? h('section', { class: 'block quotes' }, h('h2', {}, 'Quotes'),
      e.quotes.map((q) => h('figure', {}, h('blockquote', {}, q.text),
        h('figcaption', {}, '— ', q.speaker_text || e.name, ', in ', link(`/article/${encodeURIComponent(q.article)}`, q.article))))) : null,
    h('section', { class: 'block' }, h('h2', {}, 'Articles', e.article_count > e.articles.length ? h('span', { class: 'count' }, ` the first ${e.articles.length} of ${e.article_count}`) : null),
      h('ul', { class: 'plain' }, e.articles.map((a) => h('li', { 'data-testid': 'entity-article' },
        link(`/article/${encodeURIComponent(a.id)}`, a.headline || a.id)))))));
}

/** The entity's own point and the places mentioned alongside it, on the offline map. */
function entityPlaces(e) {
  const alongside = (e.places || []).filter((p) => p.coordinates)
    .map((p) => ({ name: p.name, lon: p.coordinates[0], lat: p.coordinates[1] }));
  const own = e.location ? [{ name: e.name, lat: e.location.lat, lon: e.location.lon }] : [];
  const places = [...own, ...alongside.filter((p) => !own.some((o) => o.name === p.name))].slice(0, 60);
  return places.length ? placesSection(places) : null;
}

// ---------------------------------------------------------------- storyline page

// Events per page of a storyline's timeline (the API's largest page).
const TIMELINE_PAGE = 100;

async function storylinePage(id, params) {
  const offset = Math.max(0, parseInt(params.get('offset') || '0', 10) || 0);
  const s = await api(`/api/storylines/${id}?limit=${TIMELINE_PAGE}&offset=${offset}`);
  document.title = `${s.title} — storyline`;
  show(h('article', { class: 'event' },
    h('p', { class: 'kicker' }, link('/', 'Events'), ` / Storyline ${s.id}`),
    h('h1', {}, s.title),
    meta(plural(s.event_count, 'event'), dateRange(s.first_published, s.last_published)),
    s.summary && s.summary.length ? summarySection(s.summary) : null,
    h('div', { class: 'narrow' }, timelineSection(s, null))));
}

// What happened on the storyline's most reported days, each sentence linked to its article.
function summarySection(days) {
  return h('section', { class: 'narrow', 'data-testid': 'storyline-summary' },
    h('h2', {}, 'What happened'),
    h('dl', {}, days.flatMap((day) => [
      h('dt', {}, date(day.date)),
      ...day.sentences.map((s) => h('dd', { 'data-testid': 'summary-sentence' }, s.text, ' ',
        link(`/article/${encodeURIComponent(s.article)}`, 'source'))),
    ])));
}

// ---------------------------------------------------------------- search

async function searchPage(params) {
  const q = (params.get('q') || '').trim();
  document.getElementById('q').value = q;
  if (!q) {
    show(h('section', { class: 'notice' }, h('h1', {}, 'Search'), h('p', {}, 'Type words to find in titles and texts.')));
    return;
  }
  document.title = `${q} — search — storyline`;
  const offset = Number(params.get('offset') || 0) || 0;
  const results = await api(`/api/search?q=${encodeURIComponent(q)}&limit=20&offset=${offset}`);
  const more = results.next_offset ? link(`/search?q=${encodeURIComponent(q)}&offset=${results.next_offset}`, 'More results →') : null;
  show(h('section', { class: 'results' },
    h('h1', {}, 'Results for ', h('q', {}, q)),
    h('p', { class: 'meta' }, plural(results.total, 'article')),
    h('ol', { class: 'hits' }, results.items.map((hit) => h('li', { 'data-testid': 'search-hit', 'data-article': hit.id },
      h('h2', {}, link(`/article/${encodeURIComponent(hit.id)}`, hit.title_highlight.length ? highlighted(hit.title_highlight) : untitled(hit))),
      h('p', { class: 'snippet' }, highlighted(hit.snippet), '…'),
      meta(hit.outlet || 'unknown outlet', language(hit.language), date(hit.published) || 'undated', link(`/event/${hit.event}`, `event ${hit.event}`))))),
    more));
}

/** At most `max` characters of `text`, ending on a whole word, with "…" when cut. */
function clipWords(text, max) {
  if (text.length <= max) return text;
  const cut = text.slice(0, max + 1);
  const space = cut.lastIndexOf(' ');
  const kept = space > max / 2 ? cut.slice(0, space) : text.slice(0, max);
  return `${kept.replace(/[\s,;:.\u2013\u2014-]+$/, '')}…`;
}

/** A name for an article without a headline: its opening words. */
function untitled(hit) {
  const text = hit.snippet.map((s) => s.text).join('').trim();
  const words = text.split(/\s+/).slice(0, 12).join(' ');
  return words ? `${words}…` : hit.id;
}

// ---------------------------------------------------------------- routing

async function route() {
  const path = decodeURIComponent(location.pathname);
  const params = new URLSearchParams(location.search);
  try {
    let m;
    if (path === '/') await frontPage();
    else if ((m = path.match(/^\/event\/(\d+)$/))) await eventPage(m[1]);
    else if ((m = path.match(/^\/storyline\/(\d+)$/))) await storylinePage(m[1], params);
    else if ((m = path.match(/^\/entity\/(\d+)$/))) await entityPage(m[1]);
    else if ((m = location.pathname.match(/^\/article\/(.+)$/))) await articlePage(decodeURIComponent(m[1]));
    else if (path === '/search') await searchPage(params);
    else throw Object.assign(new Error(`Nothing at ${path}`), { status: 404 });
  } catch (error) {
    show(errorBox(error));
  }
  document.body.dataset.ready = 'true';
}

document.addEventListener('click', (event) => {
  const a = event.target.closest('a[data-nav]');
  if (!a || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  document.body.dataset.ready = 'false';
  history.pushState(null, '', a.getAttribute('href'));
  route().then(() => window.scrollTo(0, 0));
});
window.addEventListener('popstate', route);
document.querySelector('form.search').addEventListener('submit', (event) => {
  event.preventDefault();
  const q = document.getElementById('q').value.trim();
  if (!q) return;
  document.body.dataset.ready = 'false';
  history.pushState(null, '', `/search?q=${encodeURIComponent(q)}`);
  route();
});

api('/api/stats').then((s) => { features = s.features || {}; }).catch(() => {}).finally(route);

// End-to-end tests of the web page in headless Chromium, against a running `storyline serve`
// holding the seed articles. scripts/browser-test.sh starts the server and sets STORYLINE_URL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const BASE = process.env.STORYLINE_URL;
const ARTIFACTS = process.env.ARTIFACTS || 'target/test-artifacts';
const SEED_000 = '000_ea50157a1f620560';
const SEED_001 = '001_39be850b2c363a0b';
const SEED_004 = '004_3a28729955fca061';
assert.ok(BASE, 'STORYLINE_URL must name the server under test');
mkdirSync(ARTIFACTS, { recursive: true });

let browser;
let page;
const pageErrors = [];

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    // This machine's network is closed: keep Chromium from trying to reach anything.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
});

after(async () => {
  await browser?.close();
});

async function api(path, init) {
  const response = await fetch(BASE + path, init);
  return response.json();
}

/** Opens a path and waits until the script has drawn it. */
async function open(path) {
  await page.goto(BASE + path);
  await page.waitForSelector('body[data-ready="true"]');
}

async function shot(name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function seedEvent() {
  return (await api(`/api/articles/${SEED_000}`)).event;
}

test('the front page lists current events', async () => {
  await open('/');
  const cards = page.getByTestId('event-card');
  assert.ok((await cards.count()) >= 2, 'at least two events');
  const first = await cards.first().textContent();
  assert.match(first, /article/);
  await shot('front-page');
  assert.deepEqual(pageErrors, []);
});

test('the seeds\' main event opens from the front page, 001 nested under 000 as a republication', async () => {
  const event = await seedEvent();
  await open('/');
  await page.locator(`[data-testid="event-card"] a[href="/event/${event}"]`).click();
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(new URL(page.url()).pathname, `/event/${event}`);
  const nested = page.locator(`[data-article="${SEED_000}"] .copies [data-article="${SEED_001}"]`);
  assert.equal(await nested.count(), 1, '001 is listed under 000');
  assert.match(await nested.locator('.badge').textContent(), /Republication/);
  await shot('event-page');
  assert.deepEqual(pageErrors, []);
});

test('the main event has four articles: 000 (with 001 nested), 002 and 004', async () => {
  await open(`/event/${await seedEvent()}`);
  const all = page.locator('[data-testid="article-item"], [data-testid="copy-item"]');
  assert.equal(await all.count(), 4);
  assert.equal(await page.locator(`[data-article="${SEED_004}"]`).count(), 1, 'the Arabic translation 004 is in the event');
});

test('the event page maps its places over country outlines, offline', async () => {
  await open(`/event/${await seedEvent()}`);
  const map = page.locator('.places svg');
  assert.equal(await map.count(), 1, 'the event has a map');
  assert.match(await map.getAttribute('aria-label'), /Libya/);
  assert.ok((await map.locator('.dots circle').count()) >= 3, 'Libya, Turkey and Qatar at least');
  // The outlines come from the server's own data (scripts/setup.d/15-world-map.sh), no tiles.
  await page.waitForFunction(() => document.querySelectorAll('.places .land path').length > 100);
  const libya = map.locator('.land path', { has: page.locator('title', { hasText: /^Libya$/ }) });
  assert.equal(await libya.count(), 1, 'Libya is drawn');
  await map.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(ARTIFACTS, 'event-map.png') });
});

test('the storyline timeline shows two events, 003\'s first', async () => {
  await open(`/event/${await seedEvent()}`);
  const entries = page.getByTestId('timeline-event');
  assert.equal(await entries.count(), 2);
  assert.match(await entries.first().textContent(), /accepts Turkey/i);
  await shot('storyline-timeline');
});

test('the coverage table highlights the Salam/Salah disagreement', async () => {
  await open(`/event/${await seedEvent()}`);
  const row = page.getByTestId('disagreement').filter({ hasText: 'Salam' });
  assert.equal(await row.count(), 1);
  assert.match(await row.textContent(), /Salah/);
  const background = await row.locator('th').evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.notEqual(background, 'rgba(0, 0, 0, 0)', 'the disagreement row is highlighted');
  await row.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(ARTIFACTS, 'coverage-disagreement.png') });
});

test('an entity page shows the aliases and the disputed first name of Al-Namroush', async () => {
  await open(`/event/${await seedEvent()}`);
  const chip = page.locator('.entities a', { hasText: 'Namroush' }).first();
  assert.equal(await chip.count(), 1, 'Al-Namroush is among the event\'s entities');
  await chip.click();
  await page.waitForSelector('body[data-ready="true"] h1');
  assert.match(new URL(page.url()).pathname, /^\/entity\/\d+$/);
  const text = await page.locator('main').textContent();
  assert.match(text, /Salam/);
  assert.match(text, /Salah/);
  assert.ok((await page.getByTestId('entity-article').count()) >= 2);
  await shot('entity-page');
  assert.deepEqual(pageErrors, []);
});

test('searching "Misrata" finds the seeds, matches highlighted', async () => {
  await open('/');
  await page.fill('#q', 'Misrata');
  await page.press('#q', 'Enter');
  await page.waitForSelector('body[data-ready="true"] [data-testid="search-hit"]');
  const hits = page.getByTestId('search-hit');
  assert.ok((await hits.count()) >= 1);
  const ids = await hits.evaluateAll((nodes) => nodes.map((n) => n.dataset.article));
  assert.ok(ids.every((id) => /^00[0-4]_/.test(id)), `only seeds: ${ids}`);
  const marks = await page.locator('[data-testid="search-hit"] mark').allTextContents();
  assert.ok(marks.some((m) => m.toLowerCase() === 'misrata'), `marks: ${marks}`);
  assert.match(new URL(page.url()).search, /q=Misrata/);
  await shot('search-misrata');
});

test('an article page shows the text and its duplicate relation', async () => {
  await open(`/article/${SEED_001}`);
  assert.match(await page.locator('.relations').textContent(), new RegExp(SEED_000));
  assert.ok((await page.locator('.body p').count()) > 3);
  await shot('article-page');
});

test('markup in stored data is shown as text, never run', async () => {
  const title = '<img src=x onerror="window.__xss=1">Evil <b>title</b>';
  const posted = await api('/api/articles', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ id: 'xss-probe', title, text: 'A harmless body about <script>window.__xss=2</script> nothing at all.', source: '<i>Outlet</i>' }),
  });
  assert.ok(posted.id, JSON.stringify(posted));
  await open('/article/xss-probe');
  assert.equal(await page.locator('h1').textContent(), title);
  assert.equal(await page.locator('.reader img, .reader b, .reader script, .reader i').count(), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
});

test('only http(s) addresses become links; a javascript: URL is shown as text', async () => {
  const post = (id, url) => api('/api/articles', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ id, url, title: `Link probe ${id}`, text: `A short article about link handling number ${id}, nothing else.` }),
  });
  await post('link-probe-js', 'javascript:window.__clicked=1');
  await post('link-probe-web', 'https://example.org/story');
  await open('/article/link-probe-js');
  assert.equal(await page.locator('.reader a[href^="javascript:" i]').count(), 0);
  assert.equal(await page.getByTestId('out-link').count(), 0);
  assert.match(await page.locator('.reader .unlinked-url').textContent(), /javascript:window\.__clicked=1/);
  await open('/article/link-probe-web');
  assert.equal(await page.getByTestId('out-link').getAttribute('href'), 'https://example.org/story');
  assert.deepEqual(pageErrors, []);
});

test('the event page reads well on a phone', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await open(`/event/${await seedEvent()}`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  assert.equal(overflow, false, 'no sideways scrolling');
  await shot('event-page-phone');
  await page.setViewportSize({ width: 1280, height: 900 });
});

test('an unknown event shows a clear message', async () => {
  await open('/event/999999');
  assert.match(await page.locator('main').textContent(), /Not found/);
  assert.deepEqual(pageErrors, []);
});

import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cordon.js';
import {
  freePort,
  generatedTokens,
  http,
  spawnCordon,
  tempHome,
  waitReady,
  type CordonProcess,
} from '../helpers/process.js';
import { createTestRedis, type TestRedis } from '../helpers/redis.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * The console in a real browser (Debian's chromium driven by playwright-core, which downloads
 * no browser) against a real `cordon start` on its own Redis prefix: sign in as the approver
 * with the sign-in link, ingest the README quick-start's extraction burst, watch the incident
 * appear without a reload, approve with a comment, see the run reach `resolved`. Saves a
 * screenshot of each page to a temporary directory, or to CORDON_SCREENSHOTS_DIR when set
 * (`CORDON_SCREENSHOTS_DIR=docs/screenshots` refreshes the README's): a test run leaves the
 * checkout as it found it.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = process.env.CORDON_SCREENSHOTS_DIR
  ? resolve(REPO_ROOT, process.env.CORDON_SCREENSHOTS_DIR)
  : tempDir('console-shots');
const WAIT = { timeout: 30_000 };

let store: TestRedis;
let cordon: CordonProcess | undefined;
let browser: Browser | undefined;
let consoleUrl: string;
let tokens: Record<string, string>;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `The console's browser test needs Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run installs it), or set CHROMIUM_PATH.`,
    );
  store = createTestRedis('console-e2e');
  const home = tempHome();
  const [port, consolePort] = [await freePort(), await freePort()];
  cordon = spawnCordon({
    home,
    prefix: store.prefix,
    port,
    env: { CORDON_CONSOLE_PORT: String(consolePort), CORDON_LOG_LEVEL: 'warn' },
  });
  await waitReady(cordon, 30_000);
  tokens = generatedTokens(home);
  consoleUrl = `http://127.0.0.1:${consolePort}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Root in a container has no user namespace for Chromium's sandbox.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  mkdirSync(SHOTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (cordon && cordon.child.exitCode === null) {
    cordon.child.kill('SIGTERM');
    await cordon.exited();
  }
  await store?.cleanup();
}, 30_000);

/**
 * WCAG AA contrast of every visible text against the background it is drawn on (4.5:1, 3:1 for
 * large text), computed in the page. Returns the failures as "text: ratio (colour on colour)".
 * (A string: this file is type-checked without the DOM library.)
 */
const CONTRAST_AUDIT = `(() => {
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (el) => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
    if (c[3] > 0.5) return c; } return [255, 255, 255, 1]; };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim() !== '');
    if (!own) continue;
    const r = el.getBoundingClientRect(); const st = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || st.visibility === 'hidden' || st.opacity === '0') continue;
    if (el.closest('svg')) continue;
    const fg = parse(st.color); const bg = background(el);
    const a = fg[3]; const mix = [0, 1, 2].map((i) => fg[i] * a + bg[i] * (1 - a));
    const [l1, l2] = [lum(mix), lum(bg)].sort((x, y) => y - x);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const size = parseFloat(st.fontSize); const bold = Number(st.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < need) out.push(el.textContent.trim().slice(0, 40) + ': ' + ratio.toFixed(2) + ' (' + st.color + ' on ' + bg.join(',') + ')');
  }
  return out;
})()`;

/**
 * Tab through the page: every link, button and field is reached, and each shows a focus
 * indicator (an outline or a box shadow). Returns what was missed or not indicated.
 */
async function keyboardAudit(page: Page): Promise<string[]> {
  const CONTROLS = `[...document.querySelectorAll('a[href], button:not([disabled]), input:not([type=hidden]), textarea, select')]
    .filter((e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; })`;
  const controls = await page.evaluate<number>(`${CONTROLS}.length`);
  const problems: string[] = [];
  await page.evaluate('document.activeElement?.blur?.()');
  for (let i = 0; i < controls + 5; i += 1) {
    await page.keyboard.press('Tab');
    const focus = await page.evaluate<{ name: string; shown: boolean } | null>(`(() => {
      const e = document.activeElement; if (!e || e === document.body) return null;
      e.setAttribute('data-tabbed', '');
      const s = getComputedStyle(e);
      const shown = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
      return { name: (e.tagName + ' ' + (e.textContent || e.getAttribute('aria-label') || '')).trim().slice(0, 40), shown }; })()`);
    if (focus && !focus.shown) problems.push(`${focus.name}: no visible focus indicator`);
  }
  const missed = await page.evaluate<string[]>(
    `${CONTROLS}.filter((e) => !e.hasAttribute('data-tabbed')).map((e) => (e.tagName + ' ' + (e.textContent || e.getAttribute('aria-label') || '')).trim().slice(0, 40))`,
  );
  for (const m of missed) problems.push(`${m}: never reached with Tab`);
  return [...new Set(problems)];
}

async function accessible(page: Page, name: string, keyboard = false): Promise<void> {
  expect(await page.evaluate(CONTRAST_AUDIT), `${name}: contrast`).toEqual([]);
  if (keyboard) expect(await keyboardAudit(page), `${name}: keyboard`).toEqual([]);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

it('signs in with the link, sees an incident arrive live, approves it, and watches the run resolve', async () => {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));

  await page.goto(`${consoleUrl}/#token=${tokens.approver}`);
  const nav = page.getByRole('navigation', { name: 'Console' });
  await page.getByRole('heading', { name: 'Incidents', level: 1 }).waitFor(WAIT);
  await page.getByText('approver', { exact: true }).waitFor(WAIT);
  expect(page.url()).not.toContain('token');
  await page.getByText('No incidents yet.').waitFor(WAIT);
  // Live before anything happens: what follows must come over the stream.
  await page.getByText('Live', { exact: true }).waitFor(WAIT);
  // (Expressions as text: this file is type-checked without the DOM library.)
  await page.evaluate('window.marker = 42');

  const now = Date.now();
  const body = Array.from({ length: 120 }, (_, i) =>
    JSON.stringify({
      kind: 'inference',
      time: now - 30_000 + (i + 1) * 100,
      name: 'chat.completions',
      entity: { api_key: 'key-demo', model: 'support-llm' },
    }),
  ).join('\n');
  const ingest = await http(
    cordon!.url,
    'POST',
    '/v1/ingest/events',
    tokens.ingest!,
    body,
    'application/x-ndjson',
  );
  expect(ingest.status).toBe(202);

  const title = 'Model extraction by query volume (api_key=key-demo)';
  await page.getByRole('link', { name: title }).waitFor(WAIT);
  await nav.getByLabel('1 pending').waitFor(WAIT);
  // The same document: no reload brought it.
  expect(await page.evaluate('window.marker')).toBe(42);
  await shot(page, 'incidents');
  await accessible(page, 'incidents', true);

  await page.getByRole('link', { name: title }).click();
  await page.getByRole('heading', { name: title, level: 1 }).waitFor(WAIT);
  await page.getByRole('heading', { name: 'Evidence' }).waitFor(WAIT);
  // The chart of the 101 contributing events against the rule's threshold.
  await page
    .getByRole('img', { name: /^101 contributing events between .* UTC; threshold 100/ })
    .waitFor(WAIT);
  await page.getByRole('link', { name: 'contain-abusive-key' }).first().waitFor(WAIT);
  await shot(page, 'incident');
  await accessible(page, 'incident');

  await nav.getByRole('link', { name: /Approvals/ }).click();
  const card = page.getByRole('link', { name: 'Decide: ticket.open on cases' });
  await card.waitFor(WAIT);
  await shot(page, 'approvals');
  await card.click();
  await page.getByRole('heading', { name: 'Approve ticket.open on cases?' }).waitFor(WAIT);
  await page.getByText('Model extraction by query volume (api_key=key-demo)').first().waitFor(WAIT);
  await shot(page, 'approval');
  await accessible(page, 'approval', true);
  await page.getByLabel(/Comment/).fill('confirmed scraping');
  await page.getByRole('button', { name: 'Approve: ticket.open on cases' }).click();
  await page.getByText(/You approved/).waitFor(WAIT);
  await nav.getByLabel(/pending/).waitFor({ state: 'detached', ...WAIT });

  await page.getByRole('link', { name: 'Follow the run' }).click();
  await page.getByRole('heading', { name: /contain-abusive-key/, level: 1 }).waitFor(WAIT);
  const meta = page.locator('p.meta').first();
  await meta.getByText('resolved', { exact: true }).waitFor(WAIT);
  await page
    .getByRole('list', { name: 'Playbook states' })
    .locator('[aria-current="step"]', { hasText: 'done' })
    .waitFor(WAIT);
  await page.getByText(/approval\.approved \(by approver\)/).waitFor(WAIT);
  await page.getByText('“confirmed scraping”', { exact: false }).first().waitFor(WAIT);
  await shot(page, 'run');
  await accessible(page, 'run');

  await nav.getByRole('link', { name: 'Runs' }).click();
  await page.getByRole('heading', { name: 'Runs', level: 1 }).waitFor(WAIT);
  await page.getByRole('link', { name: 'contain-abusive-key' }).waitFor(WAIT);
  await shot(page, 'runs');
  await nav.getByRole('link', { name: 'Rules' }).click();
  await page.getByRole('link', { name: 'Model extraction by query volume' }).waitFor(WAIT);
  await shot(page, 'rules');
  await accessible(page, 'rules');
  // The run's throttle of key-demo stays after it resolved, until its expiry an hour on.
  await nav.getByRole('link', { name: 'Containment' }).click();
  const contained = page.getByRole('row', { name: /^key-demo/ });
  await contained.waitFor(WAIT);
  await contained.getByText('built-in limiter').waitFor(WAIT);
  await contained.getByText('throttled').waitFor(WAIT);
  await shot(page, 'containment');
  await accessible(page, 'containment', true);
  // A responder lifts it by hand: the real API clears the limiter and the row goes.
  await contained.getByRole('button', { name: 'Lift key-demo…' }).click();
  await page.getByLabel('Why? (required)').fill('customer confirmed the traffic');
  await page.getByRole('button', { name: 'Lift every limit' }).click();
  await page.getByText('Lifted key-demo.').waitFor(WAIT);
  await contained.waitFor({ state: 'detached', ...WAIT });
  await page.getByText('Nothing is contained right now.').waitFor(WAIT);
  await nav.getByRole('link', { name: 'Sources' }).click();
  await page.getByRole('rowheader', { name: 'events' }).waitFor(WAIT);
  await shot(page, 'sources');
  await accessible(page, 'sources', true);

  // Phone width: the approval page and the nav still fit (no horizontal scrolling).
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${consoleUrl}/incidents`);
  await page.getByRole('link', { name: title }).waitFor(WAIT);
  const overflow = await page.evaluate(
    'document.documentElement.scrollWidth - document.documentElement.clientWidth',
  );
  expect(overflow).toBeLessThanOrEqual(0);
  await shot(page, 'incidents-phone');

  // The strict CSP refused nothing the console does, and nothing failed in the page.
  expect(problems).toEqual([]);
  await context.close();
}, 90_000);

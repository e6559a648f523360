#!/usr/bin/env node
// Browser smoke test of the GraphiQL explorer served by a gateway (the Node fallback
// gateway, or any server serving the same page).
//
//   node gateway/test/graphiql-smoke.mjs [http://127.0.0.1:4000/]
//
// Opens the page in headless Chromium, types an Authorization header into the headers
// editor, runs `{ __typename }` and checks that the result panel shows
// "__typename": "Query" and that the request carried the header. Fails on page errors,
// console errors and on any request that leaves the page's origin (no CDN).
// Env: SCREENSHOT_PATH  write a PNG of the page there (also on failure)
//      CHROMIUM_PATH    browser binary (default /usr/bin/chromium)
// Needs playwright-core (a devDependency in supergraph/package.json); never downloads a browser.
import { requireDep } from '../lib/deps.mjs';

const { chromium } = requireDep('playwright-core');

const target = process.argv[2] || 'http://127.0.0.1:4000/';
const origin = new URL(target).origin;
const screenshotPath = process.env.SCREENSHOT_PATH;
const TOKEN = 'Bearer graphiql-smoke-token';
const TIMEOUT = 20_000;

const problems = [];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync',
  ],
});
let ok = false;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(TIMEOUT);
  const graphqlPosts = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (!['data:', 'blob:'].includes(u.protocol) && u.origin !== origin) problems.push(`request left the origin: ${r.url()}`);
    if (r.method() === 'POST' && u.pathname === '/graphql') graphqlPosts.push(r);
  });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
  });

  const res = await page.goto(target, { waitUntil: 'load' });
  if (!res || res.status() !== 200) throw new Error(`page answered HTTP ${res?.status()}`);
  await page.waitForSelector('.graphiql-query-editor .CodeMirror');

  // Headers tab -> Authorization header.
  await page.getByRole('button', { name: 'Headers', exact: true }).click().catch(() =>
    page.locator('.graphiql-editor-tools button', { hasText: 'Headers' }).first().click());
  const headersEditor = page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror').first();
  await headersEditor.waitFor();
  await headersEditor.evaluate((el, token) => el.CodeMirror.setValue(JSON.stringify({ Authorization: token }, null, 2)), TOKEN);

  // Query editor -> { __typename }, run it.
  await page.locator('.graphiql-query-editor .CodeMirror').first()
    .evaluate((el) => el.CodeMirror.setValue('{ __typename }'));
  // GraphiQL re-reads the operation name a moment after an edit; running before that
  // would send the old name. The tab title becomes <untitled> for an anonymous query.
  await page.waitForFunction(
    () => document.querySelector('.graphiql-tab-active .graphiql-tab-button, .graphiql-tab-button')?.textContent.trim() === '<untitled>',
    null,
    { timeout: 5000 },
  ).catch(() => page.waitForTimeout(1000));
  await page.locator('.graphiql-execute-button').click();
  const result = page.locator('.result-window .CodeMirror').first();
  await page.waitForFunction(
    () => document.querySelector('.result-window .CodeMirror')?.CodeMirror?.getValue().includes('"__typename": "Query"'),
    null,
    { timeout: TIMEOUT },
  ).catch(async () => {
    const shown = await result.evaluate((el) => el.CodeMirror.getValue()).catch(() => '(no result panel)');
    throw new Error(`result panel does not show "__typename": "Query"; it shows: ${shown.slice(0, 500)}`);
  });

  const run = graphqlPosts.find((r) => (r.postData() || '').includes('__typename }'));
  if (!run) problems.push('no POST /graphql carried the query');
  else if ((await run.allHeaders()).authorization !== TOKEN) {
    problems.push(`the query was sent without the Authorization header from the headers editor (got ${JSON.stringify((await run.allHeaders()).authorization)})`);
  }
  if (screenshotPath) await page.screenshot({ path: screenshotPath });
  ok = problems.length === 0;
} catch (e) {
  problems.push(e.message);
  if (screenshotPath) {
    const page = browser.contexts()[0]?.pages()[0];
    await page?.screenshot({ path: screenshotPath }).catch(() => {});
  }
} finally {
  await browser.close();
}
for (const p of problems) console.error(`FAIL: ${p}`);
console.log(`graphiql-smoke ${target}: ${ok ? 1 : 0} passed, ${ok ? 0 : 1} failed`);
process.exit(ok ? 0 : 1);

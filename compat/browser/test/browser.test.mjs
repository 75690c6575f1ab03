// @frontegg/rest-api, bundled for the browser, in headless Chromium against a running
// Latchkey: sign up, log in, reload and recover the session through the HttpOnly refresh
// cookie alone, log out, and a refresh after logout fails.
//
// Page and server are the same site (both `localhost`, different ports), so the
// `SameSite=Lax` cookie over plain HTTP rides along on credentialed CORS requests.
//
// Environment (compat/browser/run.sh sets all of it):
//   LATCHKEY_URL        http://localhost:<port> of the server
//   LATCHKEY_CLIENT_ID  its client id
//   PAGE_PORT           the port this test serves the page on (the server's CORS allow-list
//                       holds http://localhost:<PAGE_PORT>)
//   BUNDLE_DIR          where run.sh put index.html and the esbuild bundle app.js
//   OUT_DIR             where screenshots go
//   CHROMIUM            the browser binary (default /usr/bin/chromium)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createServer } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { chromium } from 'playwright-core';

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (!value) throw new Error(`${name} is not set (compat/browser/run.sh sets it)`);
  return value;
};
const LATCHKEY_URL = env('LATCHKEY_URL');
const CLIENT_ID = env('LATCHKEY_CLIENT_ID');
const PAGE_PORT = Number(env('PAGE_PORT'));
const BUNDLE_DIR = env('BUNDLE_DIR');
const OUT_DIR = env('OUT_DIR');
const CHROMIUM = env('CHROMIUM', '/usr/bin/chromium');

const PAGE_URL = `http://localhost:${PAGE_PORT}/`;
const COOKIE = `fe_refresh_${CLIENT_ID.replace('-', '')}`;
const STEP_TIMEOUT = 15_000;

const stamp = `${Date.now()}-${process.pid}`;
const person = {
  email: `grace.${stamp}@example.com`,
  password: 'correct horse battery staple',
  name: 'Grace Hopper',
  companyName: `Compilers ${stamp}`,
};

// --- the page's static server ------------------------------------------------------------

let pageServer;
async function startPageServer() {
  const files = {
    '/': ['text/html; charset=utf-8', await readFile(path.join(BUNDLE_DIR, 'index.html'))],
    '/app.js': ['text/javascript; charset=utf-8', await readFile(path.join(BUNDLE_DIR, 'app.js'))],
    '/config.js': [
      'text/javascript; charset=utf-8',
      Buffer.from(`window.COMPAT_CONFIG = ${JSON.stringify({ latchkeyUrl: LATCHKEY_URL, clientId: CLIENT_ID })};\n`),
    ],
  };
  const server = createServer((req, res) => {
    const file = files[new URL(req.url, PAGE_URL).pathname];
    if (req.method !== 'GET' || !file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': file[0], 'cache-control': 'no-store' }).end(file[1]);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(PAGE_PORT, '127.0.0.1', resolve);
  });
  return server;
}

// --- the browser ------------------------------------------------------------------------

let profileDir;
let context;
let page;
const browserLog = []; // console messages, page errors and Latchkey exchanges, for failures
const pageErrors = [];
const failedRequests = [];

before(async () => {
  pageServer = await startPageServer();
  profileDir = await mkdtemp(path.join(tmpdir(), 'latchkey-compat-chromium-'));
  // launchPersistentContext is how Playwright takes a --user-data-dir: a fresh, empty one.
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1000, height: 760 },
    timeout: 30_000,
  });
  context.setDefaultTimeout(STEP_TIMEOUT);
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => browserLog.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => {
    pageErrors.push(e);
    browserLog.push(`pageerror: ${e.stack ?? e}`);
  });
  page.on('requestfailed', (r) => {
    failedRequests.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`);
    browserLog.push(`requestfailed: ${r.method()} ${r.url()}: ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => {
    if (r.url().startsWith(LATCHKEY_URL)) browserLog.push(`${r.request().method()} ${r.url()} -> ${r.status()}`);
  });
});

after(async () => {
  await context?.close().catch(() => {});
  await new Promise((resolve) => (pageServer ? pageServer.close(resolve) : resolve()));
  if (profileDir) await rm(profileDir, { recursive: true, force: true });
});

// --- helpers ----------------------------------------------------------------------------

const state = { failed: false };
// Each step needs the ones before it: after a failure the rest are skipped, not failed.
function step(name, fn) {
  test(name, async (t) => {
    if (state.failed) {
      t.skip('an earlier step failed');
      return;
    }
    try {
      await fn(t);
      assert.deepEqual(pageErrors.map(String), [], 'no uncaught error in the page');
    } catch (error) {
      state.failed = true;
      await page?.screenshot({ path: path.join(OUT_DIR, 'browser-failure.png'), fullPage: true }).catch(() => {});
      console.error(`--- browser log (last 40) ---\n${browserLog.slice(-40).join('\n')}\n---`);
      throw error;
    }
  });
}

/** Wait for the page to record step number `index` (0-based) and return it. */
async function stepResult(index) {
  await page.waitForFunction((i) => window.compat?.steps.length > i, index, { timeout: STEP_TIMEOUT });
  return page.evaluate((i) => window.compat.steps[i], index);
}

async function stepCount() {
  return page.evaluate(() => window.compat.steps.length);
}

async function loadPage() {
  await page.goto(PAGE_URL, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"]');
  const boot = await stepResult(0);
  assert.equal(boot.name, 'boot');
  return boot;
}

async function refreshCookie() {
  const cookies = await context.cookies(LATCHKEY_URL);
  return cookies.find((c) => c.name === COOKIE);
}

function assertUnauthorized(entry, what) {
  assert.equal(entry.ok, false, `${what} must fail`);
  assert.equal(entry.error.isFronteggApiError, true, `${what}: FronteggApiError, got ${entry.error.type}: ${entry.error.message}`);
  assert.equal(entry.error.statusCode, 401, `${what}: ${entry.error.message}`);
  assert.match(String(entry.error.traceId ?? ''), /^[0-9a-f]{32}$/, `${what}: frontegg-trace-id readable cross-origin`);
}

async function noTokenInJsStorage() {
  const storage = await page.evaluate(() => ({
    local: Object.keys(localStorage),
    session: Object.keys(sessionStorage),
    cookie: document.cookie,
  }));
  assert.deepEqual(storage.local, [], 'nothing in localStorage');
  assert.deepEqual(storage.session, [], 'nothing in sessionStorage');
  assert.ok(!storage.cookie.includes(COOKIE), 'the refresh cookie is HttpOnly: invisible to JS');
}

const s = {}; // what the steps learn, for the later ones

// --- the steps --------------------------------------------------------------------------

step('first visit: no session, the start-up refresh is refused with 401', async () => {
  const boot = await loadPage();
  assertUnauthorized(boot, 'start-up refresh without a cookie');
  assert.equal(await page.textContent('#state'), 'signed out');
  assert.equal(await refreshCookie(), undefined);
});

step('sign up from the page: user and tenant shown, refresh cookie set', async () => {
  await page.fill('#signup-email', person.email);
  await page.fill('#signup-password', person.password);
  await page.fill('#signup-name', person.name);
  await page.fill('#signup-company', person.companyName);
  const index = await stepCount();
  await page.click('#signup');
  const entry = await stepResult(index);
  assert.equal(entry.name, 'signUp');
  assert.ok(entry.ok, `sign-up failed: ${JSON.stringify(entry.error)}`);
  const r = entry.result;
  assert.equal(r.email, person.email);
  assert.equal(r.userId, r.signUpUserId);
  assert.equal(r.activeTenant?.tenantId, r.signUpTenantId);
  assert.equal(r.activeTenant?.name, person.companyName);
  assert.equal(await page.textContent('#user-email'), person.email);
  assert.equal(await page.textContent('#tenant-name'), person.companyName);

  const cookie = await refreshCookie();
  assert.ok(cookie, `sign-up set ${COOKIE} for localhost`);
  assert.equal(cookie.domain, 'localhost');
  assert.equal(cookie.path, '/');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.secure, false);
  assert.equal(cookie.sameSite, 'Lax');
  Object.assign(s, { userId: r.userId, tenantId: r.signUpTenantId });
});

step('log in from a fresh browser state: token, user, tenants, new cookie', async () => {
  await context.clearCookies(); // forget the sign-up session
  await loadPage(); // a new page load: no SDK state either
  assert.equal(await page.textContent('#state'), 'signed out');

  await page.fill('#login-email', person.email);
  await page.fill('#login-password', person.password);
  const index = await stepCount();
  await page.click('#login');
  const entry = await stepResult(index);
  assert.equal(entry.name, 'login');
  assert.ok(entry.ok, `login failed: ${JSON.stringify(entry.error)}`);
  const r = entry.result;
  assert.equal(r.userId, s.userId);
  assert.equal(r.email, person.email);
  assert.equal(r.name, person.name);
  assert.equal(r.tokenTenantId, s.tenantId);
  assert.deepEqual(r.tenants.map((t) => t.tenantId), [s.tenantId]);
  assert.equal(r.activeTenant?.tenantId, s.tenantId);
  assert.equal(await page.textContent('#state'), 'signed in');

  const cookie = await refreshCookie();
  assert.ok(cookie, `login set ${COOKIE}`);
  s.loginCookie = cookie.value;
  s.loginAccessToken = r.accessToken;
});

step('reload: the session comes back through the refresh cookie alone', async () => {
  await noTokenInJsStorage();
  const boot = await loadPage(); // a full reload: the SDK's in-memory token is gone
  assert.ok(boot.ok, `start-up refresh failed: ${JSON.stringify(boot.error)}`);
  const r = boot.result;
  assert.equal(r.userId, s.userId);
  assert.equal(r.email, person.email);
  assert.equal(r.activeTenant?.tenantId, s.tenantId);
  // (Not asserted: that the token differs from the login's. Latchkey's JWT has no jti, so a
  // refresh within the same second as the login yields a byte-identical token.)
  const claims = JSON.parse(Buffer.from(r.accessToken.split('.')[1], 'base64url').toString('utf8'));
  assert.equal(claims.sub, s.userId);
  assert.equal(claims.aud, CLIENT_ID);
  assert.equal(await page.textContent('#state'), 'signed in');
  assert.equal(await page.textContent('#user-email'), person.email);
  assert.equal(await page.textContent('#tenant-name'), person.companyName);
  await noTokenInJsStorage();

  const cookie = await refreshCookie();
  assert.ok(cookie, 'the refresh set a cookie');
  assert.notEqual(cookie.value, s.loginCookie, 'the refresh token rotated');
  s.restoredCookie = cookie.value;
  await page.screenshot({ path: path.join(OUT_DIR, 'browser-restored.png'), fullPage: true });
});

step('refresh again by hand: rotates once more', async () => {
  const index = await stepCount();
  await page.click('#refresh');
  const entry = await stepResult(index);
  assert.ok(entry.ok, `refresh failed: ${JSON.stringify(entry.error)}`);
  assert.equal(entry.result.userId, s.userId);
  const cookie = await refreshCookie();
  assert.notEqual(cookie?.value, s.restoredCookie, 'rotated');
});

step('log out: the cookie is gone', async () => {
  const index = await stepCount();
  await page.click('#logout');
  const entry = await stepResult(index);
  assert.equal(entry.name, 'logout');
  assert.ok(entry.ok, `logout failed: ${JSON.stringify(entry.error)}`);
  assert.equal(await page.textContent('#state'), 'signed out');
  assert.equal(await refreshCookie(), undefined, 'logout expired the refresh cookie');
});

step('refresh after logout fails with 401, by hand and after a reload', async () => {
  let index = await stepCount();
  await page.click('#refresh'); // the SDK still sends its old access token: must not matter
  assertUnauthorized(await stepResult(index), 'refresh after logout');

  const boot = await loadPage();
  assertUnauthorized(boot, 'start-up refresh after logout');
  assert.equal(await page.textContent('#state'), 'signed out');
  assert.deepEqual(failedRequests, [], 'no request was blocked (CORS) or failed at the network level');
  await page.screenshot({ path: path.join(OUT_DIR, 'browser-final.png'), fullPage: true });
});

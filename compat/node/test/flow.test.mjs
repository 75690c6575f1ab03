// Frontegg's @frontegg/rest-api, unchanged, against a running Latchkey, from Node:
// sign up, log in, load the user, refresh through the cookie, log out, refresh fails.
//
// Needs LATCHKEY_URL (the server's base URL) and LATCHKEY_CLIENT_ID; compat/node/run.sh
// starts a server and sets both.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { CookieJar } from '../cookie-jar.mjs';

const BASE_URL = process.env.LATCHKEY_URL;
const CLIENT_ID = process.env.LATCHKEY_CLIENT_ID;
if (!BASE_URL || !CLIENT_ID) {
  throw new Error('set LATCHKEY_URL and LATCHKEY_CLIENT_ID (compat/node/run.sh does)');
}
// The name Latchkey emits: fe_refresh_ + the client id with its first dash removed.
const COOKIE = `fe_refresh_${CLIENT_ID.replace('-', '')}`;

// The SDK is written for browsers: every request reads `window.location.search` (the
// `?tenantId=` scoping, FetchClient.getScopedTenant), so Node needs a `window` with a
// location. Nothing else of the DOM is touched on these paths.
globalThis.window ??= { location: new URL('http://localhost/') };

// The SDK calls the global `fetch` and has no option for another one, so the global is
// wrapped with a browser-like cookie jar (context.beforeRequestInterceptor can add headers
// but never sees the response's Set-Cookie).
const jar = new CookieJar();
globalThis.fetch = jar.wrap(globalThis.fetch);

const { api, ContextHolder, FronteggApiError } = await import('@frontegg/rest-api');

const context = ContextHolder.for('default');
context.setContext({
  baseUrl: BASE_URL,
  clientId: CLIENT_ID,
  requestCredentials: 'include',
  logLevel: 'error',
});

const stamp = `${Date.now()}-${process.pid}`;
const person = {
  email: `ada.${stamp}@example.com`,
  password: 'correct horse battery staple',
  companyName: `Analytical Engines ${stamp}`,
  name: 'Ada Lovelace',
};

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
    } catch (error) {
      state.failed = true;
      throw error;
    }
  });
}

function lastExchange(pathEnd) {
  const hit = jar.log.findLast((e) => new URL(e.url).pathname.endsWith(pathEnd));
  assert.ok(hit, `no request to …${pathEnd} was made`);
  return hit;
}

function refreshCookie() {
  return jar.get(COOKIE, BASE_URL);
}

function decodeJwt(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

async function rejectsWithStatus(promise, status) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof FronteggApiError, `expected FronteggApiError, got ${error?.constructor?.name}: ${error?.message}`);
    assert.equal(error.statusCode, status, `status: ${error.message}`);
    assert.match(String(error.traceId ?? ''), /^[0-9a-f]{32}$/, 'frontegg-trace-id is copied into the error');
    return true;
  });
}

const s = {}; // what the steps learn, for the later ones

step('public configuration: sign-ups allowed, email strategy active', async () => {
  const config = await api.auth.getVendorConfig();
  assert.equal(config.allowSignups, true);
  assert.equal(config.authStrategy, 'EmailAndPassword');
  const strategies = await api.auth.getSignUpStrategies();
  assert.ok(Array.isArray(strategies), 'sign-up strategies is a list');
  const email = strategies.find((x) => x.strategy === 'email');
  assert.ok(email?.isActive, 'the email sign-up strategy is active');
});

step('sign up: user, tenant, session and refresh cookie', async () => {
  const result = await api.auth.signUpUser({
    email: person.email,
    password: person.password,
    companyName: person.companyName,
    name: person.name,
    metadata: JSON.stringify({ source: 'compat-node' }),
  });
  assert.equal(result.shouldActivate, false);
  assert.ok(result.userId, 'userId');
  assert.ok(result.tenantId, 'tenantId');
  assert.equal(lastExchange('/users/v1/signUp').status, 201);

  // signUp ran generateLoginResponseV3: /me and /me/tenants were loaded with the new token.
  const { user, tenants, activeTenant } = result;
  assert.equal(user.id, result.userId);
  assert.equal(user.email, person.email);
  assert.ok(user.accessToken, 'user.accessToken');
  assert.equal(context.getAccessToken(), user.accessToken, 'the SDK keeps the access token');
  assert.equal(context.getUser()?.email, person.email, 'the SDK keeps the user');
  assert.ok(tenants.some((x) => x.tenantId === result.tenantId), 'the new tenant is listed');
  assert.equal(activeTenant?.tenantId, result.tenantId);
  assert.equal(tenants.find((x) => x.tenantId === result.tenantId).name, person.companyName);

  const cookie = refreshCookie();
  assert.ok(cookie, `sign-up set ${COOKIE}`);
  assert.equal(cookie.value, user.refreshToken, 'the cookie holds the body’s refreshToken');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.path, '/');
  assert.equal(cookie.sameSite?.toLowerCase(), 'lax');
  Object.assign(s, { userId: result.userId, tenantId: result.tenantId });
});

step('log in (loginv2) from a clean client: token, user, tenants, new cookie', async () => {
  // Forget the sign-up session, as a new browser would.
  context.setAccessToken(null);
  context.setUser(null);
  jar.clear();

  const { user, tenants, activeTenant } = await api.auth.loginv2({ email: person.email, password: person.password });
  const exchange = lastExchange('/auth/v1/user');
  assert.equal(exchange.status, 200);
  assert.equal(exchange.sentCookie, null, 'the clean client sent no cookie');

  assert.equal(user.mfaRequired, false);
  assert.equal(user.tokenType, 'bearer');
  assert.equal(user.id, s.userId);
  assert.equal(user.userId, s.userId);
  assert.equal(user.email, person.email);
  assert.equal(user.tenantId, s.tenantId);
  assert.deepEqual(user.tenantIds, [s.tenantId]);
  assert.ok(user.expiresIn > 0, 'expiresIn');
  assert.ok(!Number.isNaN(Date.parse(user.expires)), 'expires is a date');

  const claims = decodeJwt(user.accessToken);
  assert.equal(claims.sub, s.userId);
  assert.equal(claims.aud, CLIENT_ID);
  assert.equal(claims.tenantId, s.tenantId);
  assert.equal(claims.type, 'userToken');
  assert.equal(context.getAccessToken(), user.accessToken);

  assert.deepEqual(tenants.map((x) => x.tenantId), [s.tenantId]);
  assert.equal(activeTenant?.tenantId, s.tenantId);

  const cookie = refreshCookie();
  assert.ok(cookie, `login set ${COOKIE}`);
  assert.equal(cookie.value, user.refreshToken);
  s.loginAccessToken = user.accessToken;
  s.loginCookie = cookie.value;
});

step('load the user: getMeV2 and getCurrentUserTenantsV3 with the bearer token', async () => {
  const me = await api.auth.getMeV2();
  assert.match(lastExchange('/users/v2/me').url, /\/frontegg\/identity\/resources\/users\/v2\/me$/);
  assert.equal(me.id, s.userId);
  assert.equal(me.email, person.email);
  assert.equal(me.name, person.name);
  assert.equal(me.tenantId, s.tenantId);
  assert.deepEqual(me.tenantIds, [s.tenantId]);
  assert.ok(Array.isArray(me.roles) && Array.isArray(me.permissions), 'roles and permissions are lists');
  assert.ok(me.tenants.some((x) => x.tenantId === s.tenantId), 'me.tenants');
  assert.equal(typeof me.metadata, 'string', 'metadata is a JSON string, as in Frontegg');
  assert.deepEqual(JSON.parse(me.metadata), { source: 'compat-node' });

  const mine = await api.users.getCurrentUserTenantsV3();
  assert.equal(mine.activeTenant.tenantId, s.tenantId);
  assert.deepEqual(mine.tenants.map((x) => x.tenantId), [s.tenantId]);
  assert.equal(mine.tenants[0].name, person.companyName);

  // Without a token, /me is refused.
  context.setAccessToken(null);
  try {
    await rejectsWithStatus(api.auth.getMeV2(), 401);
  } finally {
    context.setAccessToken(s.loginAccessToken);
  }
});

step('refresh (refreshTokenV3) through the cookie alone: rotated cookie, new token', async () => {
  const { user, tenants, activeTenant } = await api.auth.refreshTokenV3();
  const exchange = lastExchange('/auth/v1/user/token/refresh');
  assert.equal(exchange.status, 200);
  assert.equal(exchange.sentCookie, `${COOKIE}=${s.loginCookie}`, 'the refresh sent the login cookie');

  assert.equal(user.id, s.userId);
  assert.equal(user.email, person.email);
  assert.ok(user.accessToken, 'a new access token');
  assert.equal(context.getAccessToken(), user.accessToken);
  assert.equal(decodeJwt(user.accessToken).sub, s.userId);
  assert.deepEqual(tenants.map((x) => x.tenantId), [s.tenantId]);
  assert.equal(activeTenant?.tenantId, s.tenantId);

  const cookie = refreshCookie();
  assert.ok(cookie, 'the refresh set a cookie');
  assert.notEqual(cookie.value, s.loginCookie, 'the refresh token rotated');
  assert.equal(cookie.value, user.refreshToken);
  s.refreshedCookie = cookie.value;

  // And once more, with the rotated cookie.
  const again = await api.auth.refreshTokenV3();
  assert.equal(again.user.id, s.userId);
  assert.equal(lastExchange('/auth/v1/user/token/refresh').sentCookie, `${COOKIE}=${s.refreshedCookie}`);
  s.lastCookie = refreshCookie().value;
  assert.notEqual(s.lastCookie, s.refreshedCookie);
});

step('log out: 201, the cookie is expired', async () => {
  await api.auth.logout();
  const exchange = lastExchange('/auth/v1/logout');
  assert.equal(exchange.status, 201);
  assert.equal(exchange.sentCookie, `${COOKIE}=${s.lastCookie}`, 'logout sent the session cookie');
  assert.ok(
    exchange.setCookie.some((h) => h.startsWith(`${COOKIE}=`) && /max-age=0/i.test(h)),
    `logout answers with an expiring ${COOKIE}: ${JSON.stringify(exchange.setCookie)}`,
  );
  assert.equal(refreshCookie(), undefined, 'the jar dropped the cookie');
});

step('refresh after logout fails with 401 (no cookie; then the revoked cookie replayed)', async () => {
  // The SDK still holds the old access token and sends it: the server must ignore it.
  assert.ok(context.getAccessToken(), 'the SDK still has an access token');
  await rejectsWithStatus(api.auth.refreshTokenV3(), 401);
  assert.equal(lastExchange('/auth/v1/user/token/refresh').sentCookie, null);

  // A client that kept the cookie (a stale tab, a WebView) must not get back in either.
  jar.put(BASE_URL, COOKIE, s.lastCookie);
  await rejectsWithStatus(api.auth.refreshTokenV3(), 401);
  assert.equal(lastExchange('/auth/v1/user/token/refresh').sentCookie, `${COOKIE}=${s.lastCookie}`);
});

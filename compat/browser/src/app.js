// The page's script, bundled with @frontegg/rest-api by esbuild. It keeps no token in any
// JS storage: after a reload the session comes back only through the HttpOnly refresh
// cookie, the way Frontegg's web SDK restores it (a refresh call at start-up).
//
// Every action is recorded in window.compat.steps (and listed on the page), so that the
// Playwright test can assert on each one.
import { api, ContextHolder, FronteggApiError } from '@frontegg/rest-api';

const config = window.COMPAT_CONFIG; // served by the test's static server as /config.js

ContextHolder.for('default').setContext({
  baseUrl: config.latchkeyUrl,
  clientId: config.clientId,
  requestCredentials: 'include', // what @frontegg/redux-store sets: cross-origin, with cookies
  logLevel: 'error',
});

const $ = (id) => document.getElementById(id);

const compat = {
  steps: [],
  ready: false,
  session: null,
};
window.compat = compat;

function summarize({ user, tenants, activeTenant }) {
  return {
    userId: user.id,
    email: user.email,
    name: user.name ?? null,
    accessToken: user.accessToken,
    tokenTenantId: user.tenantId,
    tenantIds: user.tenantIds,
    tenants: (tenants ?? []).map((t) => ({ tenantId: t.tenantId, name: t.name })),
    activeTenant: activeTenant ? { tenantId: activeTenant.tenantId, name: activeTenant.name } : null,
  };
}

function show(session) {
  compat.session = session;
  $('session').dataset.state = session ? 'signed-in' : 'signed-out';
  $('state').textContent = session ? 'signed in' : 'signed out';
  $('user-email').textContent = session?.email ?? '–';
  $('user-id').textContent = session?.userId ?? '–';
  $('tenant-name').textContent = session?.activeTenant?.name ?? '–';
}

async function run(name, action) {
  const entry = { name, ok: false };
  try {
    entry.result = await action();
    entry.ok = true;
  } catch (error) {
    entry.error = {
      type: error?.constructor?.name,
      isFronteggApiError: error instanceof FronteggApiError,
      message: String(error?.message ?? error),
      statusCode: error?.statusCode,
      errorCode: error?.errorCode,
      traceId: error?.traceId,
    };
  }
  compat.steps.push(entry);
  const li = document.createElement('li');
  li.className = entry.ok ? 'ok' : 'fail';
  li.dataset.step = name;
  li.textContent = entry.ok
    ? `${name}: ok`
    : `${name}: ${entry.error.statusCode ?? ''} ${entry.error.errorCode ?? ''} ${entry.error.message}`;
  $('steps').append(li);
  return entry;
}

async function signUp() {
  // Frontegg's sign-up form loads the public configuration first (allowSignups).
  const vendor = await api.auth.getVendorConfig();
  if (!vendor.allowSignups) throw new Error('sign-ups are not allowed');
  const result = await api.auth.signUpUser({
    email: $('signup-email').value,
    password: $('signup-password').value,
    name: $('signup-name').value || undefined,
    companyName: $('signup-company').value,
    metadata: JSON.stringify({ source: 'compat-browser' }),
  });
  if (result.shouldActivate || !result.user) throw new Error('sign-up did not log the user in');
  const session = { ...summarize(result), signUpUserId: result.userId, signUpTenantId: result.tenantId };
  show(session);
  return session;
}

async function logIn() {
  const result = await api.auth.loginv2({ email: $('login-email').value, password: $('login-password').value });
  if (!result.user?.accessToken) throw new Error('login did not return an access token');
  const session = summarize(result);
  show(session);
  return session;
}

async function refresh() {
  const result = await api.auth.refreshTokenV3();
  const session = summarize(result);
  show(session);
  return session;
}

async function logOut() {
  await api.auth.logout();
  // The access token stays in ContextHolder on purpose: Frontegg's web SDK still sends it
  // (Authorization: Bearer) with a refresh after logout, and that must be refused anyway.
  show(null);
  return {};
}

$('signup-form').addEventListener('submit', (e) => {
  e.preventDefault();
  run('signUp', signUp);
});
$('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  run('login', logIn);
});
$('refresh').addEventListener('click', () => run('refresh', refresh));
$('logout').addEventListener('click', () => run('logout', logOut));

// Start-up: try to restore the session from the refresh cookie alone.
run('boot', refresh).then((entry) => {
  if (!entry.ok) show(null);
  compat.ready = true;
  document.body.dataset.ready = 'true';
});

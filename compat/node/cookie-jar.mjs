// A browser-like cookie jar around a fetch function: Node's fetch keeps no cookies, and the
// refresh session lives only in the HttpOnly cookie. Enough of RFC 6265 for this test:
// host-only cookies (or Domain= for a parent domain), Path, Max-Age (0 or negative deletes),
// Expires, Secure (sent over https only); cookies are per host, whatever the port, as in a
// browser. `credentials: 'omit'` sends and stores nothing, as in a browser.

export class CookieJar {
  /** @type {Map<string, {name: string, value: string, domain: string, hostOnly: boolean, path: string, secure: boolean, httpOnly: boolean, sameSite: string|undefined, expiresAt: number|undefined}>} */
  #cookies = new Map();

  /** Every response's Set-Cookie headers, for assertions: [{url, status, setCookie: [..]}]. */
  log = [];

  #key(c) {
    return `${c.domain};${c.path};${c.name}`;
  }

  #purgeExpired(now = Date.now()) {
    for (const [k, c] of this.#cookies) {
      if (c.expiresAt !== undefined && c.expiresAt <= now) this.#cookies.delete(k);
    }
  }

  static #defaultPath(url) {
    const p = url.pathname;
    if (!p.startsWith('/') || p.lastIndexOf('/') === 0) return '/';
    return p.slice(0, p.lastIndexOf('/'));
  }

  static #domainMatches(host, domain) {
    return host === domain || (host.endsWith(`.${domain}`) && !/^[\d.]+$/.test(host));
  }

  static #pathMatches(reqPath, cookiePath) {
    if (reqPath === cookiePath) return true;
    if (!reqPath.startsWith(cookiePath)) return false;
    return cookiePath.endsWith('/') || reqPath[cookiePath.length] === '/';
  }

  /** Store one Set-Cookie header value received from `url`. */
  setCookie(header, url) {
    const u = new URL(url);
    const [pair, ...attrs] = header.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) return;
    const cookie = {
      name: pair.slice(0, eq).trim(),
      value: pair.slice(eq + 1).trim(),
      domain: u.hostname,
      hostOnly: true,
      path: CookieJar.#defaultPath(u),
      secure: false,
      httpOnly: false,
      sameSite: undefined,
      expiresAt: undefined,
    };
    let maxAge;
    let expires;
    for (const attr of attrs) {
      const i = attr.indexOf('=');
      const k = (i < 0 ? attr : attr.slice(0, i)).trim().toLowerCase();
      const v = i < 0 ? '' : attr.slice(i + 1).trim();
      if (k === 'max-age' && /^-?\d+$/.test(v)) maxAge = Number(v);
      else if (k === 'expires') expires = Date.parse(v);
      else if (k === 'path' && v.startsWith('/')) cookie.path = v;
      else if (k === 'domain' && v) {
        const d = v.replace(/^\./, '').toLowerCase();
        if (!CookieJar.#domainMatches(u.hostname, d)) return; // a browser rejects it
        cookie.domain = d;
        cookie.hostOnly = false;
      } else if (k === 'secure') cookie.secure = true;
      else if (k === 'httponly') cookie.httpOnly = true;
      else if (k === 'samesite') cookie.sameSite = v;
    }
    if (cookie.secure && u.protocol !== 'https:') return; // browsers refuse these over http
    if (maxAge !== undefined) cookie.expiresAt = Date.now() + maxAge * 1000;
    else if (expires !== undefined && !Number.isNaN(expires)) cookie.expiresAt = expires;
    const key = this.#key(cookie);
    if (cookie.expiresAt !== undefined && cookie.expiresAt <= Date.now()) {
      this.#cookies.delete(key);
      return;
    }
    this.#cookies.set(key, cookie);
  }

  /** The cookies a browser would send to `url`, longest path first. */
  cookiesFor(url) {
    const u = new URL(url);
    this.#purgeExpired();
    return [...this.#cookies.values()]
      .filter((c) => (c.hostOnly ? c.domain === u.hostname : CookieJar.#domainMatches(u.hostname, c.domain)))
      .filter((c) => CookieJar.#pathMatches(u.pathname, c.path))
      .filter((c) => !c.secure || u.protocol === 'https:')
      .sort((a, b) => b.path.length - a.path.length);
  }

  get(name, url) {
    return this.cookiesFor(url).find((c) => c.name === name);
  }

  /** Put a cookie back by hand (to replay an old one, as a stale tab or WebView might). */
  put(url, name, value) {
    this.setCookie(`${name}=${value}; Path=/`, url);
  }

  clear() {
    this.#cookies.clear();
  }

  /** Wrap `fetch` so that requests carry the jar's cookies and responses fill it. */
  wrap(fetchImpl) {
    const jar = this;
    return async function fetchWithCookies(input, init = {}) {
      const url = input instanceof Request ? input.url : String(input);
      const method = init.method ?? (input instanceof Request ? input.method : 'GET');
      const credentials = init.credentials ?? (input instanceof Request ? input.credentials : 'same-origin');
      const useCookies = credentials !== 'omit';
      const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
      if (useCookies) {
        const cookies = jar.cookiesFor(url);
        if (cookies.length > 0) headers.set('cookie', cookies.map((c) => `${c.name}=${c.value}`).join('; '));
      }
      const response = await fetchImpl(input, { ...init, headers });
      const setCookie = response.headers.getSetCookie();
      jar.log.push({ url, method, status: response.status, sentCookie: headers.get('cookie'), setCookie });
      if (useCookies) for (const h of setCookie) jar.setCookie(h, url);
      return response;
    };
  }
}

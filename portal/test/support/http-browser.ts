/**
 * Just enough of a browser to drive the login over HTTP: a cookie jar per host name (cookies ignore
 * ports, as in browsers) honouring Path and Max-Age, manual redirects, and the IdP's login form.
 */
export interface Cookie {
  name: string;
  value: string;
  path: string;
  attributes: string[];
  raw: string;
}

export interface Exchange {
  url: string;
  status: number;
  headers: Headers;
  text: string;
}

export class HttpBrowser {
  readonly jar = new Map<string, Map<string, Cookie>>();
  /** Every response seen, for checks such as "no token ever reached the browser". */
  readonly seen: Exchange[] = [];
  origin: string | undefined;

  constructor(origin?: string) {
    this.origin = origin;
  }

  cookie(host: string, name: string): Cookie | undefined {
    return this.jar.get(host)?.get(name);
  }

  #store(url: URL, headers: Headers): void {
    for (const raw of headers.getSetCookie()) {
      const [pair, ...rest] = raw.split(';').map((s) => s.trim());
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at);
      const value = pair!.slice(at + 1);
      const path = rest.find((a) => /^path=/i.test(a))?.slice(5) ?? '/';
      const maxAge = rest.find((a) => /^max-age=/i.test(a));
      const cookies = this.jar.get(url.hostname) ?? new Map<string, Cookie>();
      this.jar.set(url.hostname, cookies);
      if (maxAge && Number(maxAge.slice(8)) <= 0) cookies.delete(name);
      else cookies.set(name, { name, value, path, attributes: rest, raw });
    }
  }

  #cookieHeader(url: URL): string {
    return [...(this.jar.get(url.hostname)?.values() ?? [])]
      .filter((c) => url.pathname.startsWith(c.path))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  async request(url: string | URL, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Exchange> {
    const target = new URL(url);
    const cookie = this.#cookieHeader(target);
    const response = await fetch(target, {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...init.headers },
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
    this.#store(target, response.headers);
    const exchange = { url: target.href, status: response.status, headers: response.headers, text: await response.text() };
    this.seen.push(exchange);
    return exchange;
  }

  /** A request the portal's SPA would make: same-origin, with the CSRF header on unsafe methods. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test convenience over many response shapes
  async api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Exchange & { json: any }> {
    const unsafe = !['GET', 'HEAD'].includes(method);
    const exchange = await this.request(`${this.origin}${path}`, {
      method,
      headers: {
        ...(unsafe ? { 'x-crosswire-csrf': '1', origin: this.origin! } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    let json: unknown;
    try {
      json = exchange.text ? JSON.parse(exchange.text) : undefined;
    } catch {
      json = undefined;
    }
    return { ...exchange, json };
  }

  /** Follows redirects from `url` until a response is not a redirect, or `stop` says so. */
  async follow(url: string, stop: (location: URL) => boolean = () => false): Promise<{ last: Exchange; stoppedAt?: URL }> {
    let current = new URL(url);
    for (let hops = 0; hops < 20; hops++) {
      const exchange = await this.request(current);
      const location = exchange.headers.get('location');
      if (exchange.status < 300 || exchange.status >= 400 || !location) return { last: exchange };
      const next = new URL(location, current);
      if (stop(next)) return { last: exchange, stoppedAt: next };
      current = next;
    }
    throw new Error('too many redirects');
  }

  /**
   * Starts a login at the portal and signs in at the IdP's form. With `stopAtCallback` it stops
   * before the browser would reach the portal's callback and returns that URL.
   */
  async login(username: string, password = username, options: { returnTo?: string; stopAtCallback?: boolean } = {}) {
    const start = `${this.origin}/bff/login${options.returnTo !== undefined ? `?returnTo=${encodeURIComponent(options.returnTo)}` : ''}`;
    const isCallback = (url: URL) => options.stopAtCallback === true && url.pathname === '/bff/callback';
    const toForm = await this.follow(start, isCallback);
    // Still signed in at the IdP (single sign-on): no form, straight back to the portal.
    if (toForm.stoppedAt || toForm.last.url.startsWith(`${this.origin}/`)) return { submit: undefined, final: toForm.last, callback: toForm.stoppedAt };
    const action = /<form method="post" action="([^"]+\/login)"/.exec(toForm.last.text)?.[1];
    if (!action) throw new Error(`no login form at ${toForm.last.url} (${toForm.last.status}): ${toForm.last.text.slice(0, 300)}`);
    const submit = await this.request(new URL(action.replaceAll('&amp;', '&'), toForm.last.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username, password }).toString(),
    });
    if (submit.status !== 303 && submit.status !== 302) return { submit, final: submit, callback: undefined };
    const done = await this.follow(new URL(submit.headers.get('location')!, submit.url).href, isCallback);
    return { submit, final: done.last, callback: done.stoppedAt };
  }
}

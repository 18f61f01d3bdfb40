// Turns the element's attributes into the settings the SIP stack needs.

/**
 * Splits the credentials. With a token, user is the token username
 * "<expiry unix seconds>:<user>[:<destinations>]" that callgate checks with
 * HMAC-SHA256 (in the style of the TURN REST API), and the token itself is
 * the digest password (RFC 3261 §22.4). The registered address uses only
 * <user>; the whole token username goes in the Authorization header.
 * @param {{user?: string|null, password?: string|null, token?: string|null}} c
 * @returns {{aorUser: string, authUser: string, secret: string, tokenExpiry: number|null}}
 */
export function credentials(c) {
  const user = String(c.user ?? '').trim();
  const token = String(c.token ?? '').trim();
  if (token) {
    const m = /^(\d{1,12}):([^:]+)(?::.*)?$/.exec(user);
    if (m) return { aorUser: m[2], authUser: user, secret: token, tokenExpiry: Number(m[1]) * 1000 };
    return { aorUser: user, authUser: user, secret: token, tokenExpiry: null };
  }
  return { aorUser: user, authUser: user, secret: String(c.password ?? ''), tokenExpiry: null };
}

/**
 * Reports whether a token with expiry (milliseconds since the epoch) has
 * run out at now.
 * @param {number|null} expiry
 * @param {number} now
 */
export function tokenExpired(expiry, now) {
  return expiry !== null && expiry <= now;
}

/**
 * The WebSocket URL used when the element has no server attribute: "/ws"
 * on the origin the script was loaded from (so an element embedded in
 * another site still reaches the gateway that served it), or on the page's
 * origin when the script's URL is not http(s).
 * @param {string|undefined} scriptUrl import.meta.url
 * @param {string} pageUrl location.href
 */
export function defaultServer(scriptUrl, pageUrl) {
  let base;
  try {
    base = new URL(scriptUrl ?? '');
  } catch {
    base = null;
  }
  if (!base || (base.protocol !== 'http:' && base.protocol !== 'https:')) base = new URL(pageUrl);
  const ws = base.protocol === 'https:' ? 'wss:' : 'ws:';
  return ws + '//' + base.host + '/ws';
}

/**
 * Checks and completes a server attribute: ws:// and wss:// URLs are kept,
 * http(s):// become ws(s)://, a path alone is resolved against the page.
 * RFC 7118 §4: SIP over WebSocket uses the ws/wss schemes.
 * @param {string} server
 * @param {string} pageUrl
 * @returns {string}
 */
export function resolveServer(server, pageUrl) {
  const u = new URL(server, pageUrl);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') {
    throw new TypeError(`server must be a ws:// or wss:// URL, not ${u.protocol}`);
  }
  u.hash = '';
  return u.href;
}

/**
 * The SIP domain to register in when no domain attribute is set: the
 * gateway's host name, which callgate accepts as its domain or as an IP
 * literal.
 * @param {string} server a ws(s):// URL
 */
export function domainFromServer(server) {
  return new URL(server).hostname;
}

/**
 * Parses the ice-servers attribute: a JSON array of RTCIceServer objects
 * ({"urls": ..., "username": ..., "credential": ...}). Empty means none: no
 * public STUN server is contacted unless the page asks for one.
 * @param {string|null|undefined} json
 * @returns {RTCIceServer[]}
 */
export function parseIceServers(json) {
  if (json == null || String(json).trim() === '') return [];
  const v = JSON.parse(String(json));
  if (!Array.isArray(v)) throw new TypeError('ice-servers must be a JSON array');
  for (const s of v) {
    const urls = s && s.urls;
    const ok = typeof urls === 'string' || (Array.isArray(urls) && urls.length > 0 && urls.every((x) => typeof x === 'string'));
    if (!ok) throw new TypeError('each ice server needs "urls"');
  }
  return v;
}

/**
 * Reads a boolean attribute: present and not "false" means true.
 * @param {string|null} value
 */
export function boolAttr(value) {
  return value !== null && value !== 'false';
}

// Dial strings: what a person types or pastes into the number field, and the
// SIP target it becomes.

// Characters people use to group digits when they write a number down:
// spaces (including no-break and thin spaces), dashes of every kind, dots,
// slashes and parentheses. They carry no meaning for dialling.
const SEPARATORS = /[\s\u00a0\u2000-\u200b\u202f\u205f\u3000\-\u2010-\u2015\u2212.\/()]/g;

// Characters a telephone keypad can send as DTMF (RFC 4733 §3.2 events
// 0-15: digits, *, # and A-D).
const DTMF = /^[0-9*#A-D]$/i;

/**
 * Cleans a typed or pasted dial string. A telephone number loses its
 * separators ("+44 (20) 7946-0958" becomes "+442079460958"); a SIP address
 * or user name ("alice", "sip:bob@example.com") is only trimmed, because
 * its dots and dashes matter.
 * @param {string} input
 * @returns {string}
 */
export function normalizeNumber(input) {
  const s = String(input ?? '').trim();
  if (s === '') return '';
  if (looksLikeAddress(s)) return s.replace(/\s+/g, '');
  return s.replace(SEPARATORS, '');
}

/**
 * Reports whether s is a SIP address or a user name rather than a number:
 * it has an "@" or a "sip:" scheme, or something other than digits, "*",
 * "#", a leading "+" and separators.
 * @param {string} s
 */
export function looksLikeAddress(s) {
  if (/@|^sips?:/i.test(s)) return true;
  return !/^\+?[0-9*#]*$/.test(s.replace(SEPARATORS, ''));
}

/**
 * Reports whether a normalised dial string can be called.
 * @param {string} s
 */
export function isDialable(s) {
  if (!s) return false;
  if (looksLikeAddress(s)) return /^(sips?:)?[^\s@:]+(@[^\s@]+)?$/i.test(s);
  return /^\+?[0-9*#]+$/.test(s);
}

/**
 * Builds the SIP URI to call (RFC 3261 §19.1.1): a full "sip:" or "sips:"
 * URI is kept; "user@host" gets the "sip:" scheme; anything else becomes
 * "sip:<user>@<domain>". The user part is escaped as RFC 3261 §25.1 asks
 * for characters outside "unreserved / user-unreserved" ("#" must become
 * "%23").
 * @param {string} dial a normalised dial string
 * @param {string} domain the gateway's SIP domain
 * @returns {string}
 */
export function toTarget(dial, domain) {
  if (/^sips?:/i.test(dial)) return dial;
  if (dial.includes('@')) return 'sip:' + dial;
  return 'sip:' + escapeUser(dial) + '@' + domain;
}

/**
 * Escapes a SIP URI user part (RFC 3261 §25.1: user = 1*( unreserved /
 * escaped / user-unreserved )).
 * @param {string} user
 */
export function escapeUser(user) {
  return user.replace(/[^A-Za-z0-9\-_.!~*'()&=+$,;?\/]/g, (c) =>
    Array.from(new TextEncoder().encode(c), (b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join(''));
}

/**
 * Reports whether key is a DTMF tone the keypad can send.
 * @param {string} key
 */
export function isDtmfKey(key) {
  return typeof key === 'string' && DTMF.test(key);
}

/**
 * Returns the user part of a SIP URI string or object for display
 * ("sip:1001@example.com" gives "1001"); unescapes %XX.
 * @param {string|{user?: string, host?: string}|null|undefined} uri
 */
export function displayUser(uri) {
  if (!uri) return '';
  if (typeof uri === 'object') {
    return uri.user ? safeDecode(uri.user) : String(uri.host ?? '');
  }
  const m = /^(?:sips?:)?([^@;>]*)@?/i.exec(String(uri));
  return m && m[1] ? safeDecode(m[1]) : String(uri);
}

function safeDecode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

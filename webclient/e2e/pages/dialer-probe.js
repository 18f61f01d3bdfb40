// Probe added to callgate's own dialer page ("/") before its scripts run
// (driver.mjs "open" with "init"). It reads the <callgate-dialer> element
// and exposes window.cg for the Go test: the state the element shows, the
// events it dispatched, getStats() summaries and a WebAudio analyser on the
// remote <audio> in its shadow root. It never clicks or types: the test
// does that with the browser's real mouse and keyboard.
import { tone, listenTo, rtpStats, waitFor } from './common.js';

const dialer = () => document.querySelector('callgate-dialer');
const inside = (id) => {
  const d = dialer();
  return d && d.shadowRoot ? d.shadowRoot.getElementById(id) : null;
};
const text = (el) => (el ? el.textContent.trim() : '');

/** The element's events, in order, from the start of the page. */
const events = [];
for (const type of ['callgate:registered', 'callgate:unregistered', 'callgate:incoming', 'callgate:waiting', 'callgate:ended', 'callgate:transfer', 'callgate:error']) {
  document.addEventListener(type, (e) => events.push({ type, detail: e.detail ?? null }));
}

/** What the element's live regions said, in order (polite and urgent). */
const said = [];
const watchRegions = setInterval(() => {
  const live = inside('live');
  const alert = inside('alert');
  if (!live || !alert) return;
  clearInterval(watchRegions);
  for (const region of [live, alert]) {
    new MutationObserver(() => {
      const t = text(region);
      if (t) said.push(t);
    }).observe(region, { childList: true, characterData: true, subtree: true });
  }
}, 50);

/** focused names the element that has keyboard focus, inside the dialer's
 * shadow root when focus is there. */
function focused() {
  let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  if (!a || a === document.body) return '';
  return a.dataset.testid || a.id || a.tagName.toLowerCase();
}

/** snapshot is what cg.state() returns (dialerState in dialer_test.go). */
function snapshot() {
  const d = dialer();
  const message = inside('message');
  const login = document.getElementById('login');
  return {
    defined: Boolean(customElements.get('callgate-dialer')),
    registration: d ? d.getAttribute('data-registration') || '' : '',
    call: d ? d.getAttribute('data-state') || '' : '',
    regText: text(inside('reg-text')),
    holdPressed: inside('hold') ? inside('hold').getAttribute('aria-pressed') : '',
    callLabel: text(inside('call-label')),
    peer: text(inside('call-peer')),
    message: message && !message.hidden ? text(inside('message-text')) : '',
    messageKind: message && !message.hidden ? message.dataset.kind || '' : '',
    dtmfSent: text(inside('dtmf-sent')),
    number: inside('number') ? inside('number').value : '',
    focus: focused(),
    loginShown: Boolean(login && !login.hidden),
    loginError: text(document.getElementById('login-error')),
    account: text(document.getElementById('account-user')),
    calls: d ? Number(d.getAttribute('data-calls') || 0) : 0,
    otherShown: Boolean(inside('other-call') && !inside('other-call').hidden),
    otherPeer: text(inside('other-peer')),
    otherState: text(inside('other-state')),
  };
}

window.cg = {
  state: () => snapshot(),
  /** waitState resolves with the state once every field of want matches. */
  async waitState(want, ms = 10000) {
    let last = null;
    await waitFor(() => {
      last = snapshot();
      return Object.entries(want).every(([k, v]) => last[k] === v);
    }, ms, 'dialer ' + JSON.stringify(want)).catch((e) => {
      throw new Error(`${e.message.split(';')[0]}; dialer shows ${JSON.stringify(last)}`);
    });
    return last;
  },
  /** events returns the element's events of type (all when empty). */
  events: (type = '') => events.filter((e) => !type || e.type === type),
  /** announcements returns what the live regions said so far. */
  announcements: () => said.slice(),
  /** waitEvent resolves with the first event of type, waiting up to ms. */
  async waitEvent(type, ms = 10000) {
    await waitFor(() => events.some((e) => e.type === type), ms, 'event ' + type).catch(() => {
      throw new Error(`no ${type} within ${ms} ms; events: ${JSON.stringify(events)}; dialer shows ${JSON.stringify(snapshot())}`);
    });
    return events.find((e) => e.type === type);
  },
  stats: () => rtpStats(dialer()),
  /** tone analyses the far end's audio that the element plays. */
  tone(ms) {
    const audio = inside('remote-audio');
    if (!audio || !audio.srcObject) throw new Error('the dialer plays no remote stream');
    listenTo(audio.srcObject);
    return tone(ms);
  },
  /** focusTop moves keyboard focus to the page's first link, the place a
   * keyboard user starts from (blur alone would leave Chromium's
   * sequential focus starting point where focus was). */
  focusTop() {
    const first = document.querySelector('a[href]');
    if (first) first.focus();
    return focused();
  },
  /** hangup ends every call (clean-up after a failed subtest). */
  async hangup() {
    const d = dialer();
    if (d) for (const c of d.calls || []) d.hangup(c.id);
    await waitFor(() => snapshot().call === 'idle', 10000, 'the dialer to be idle');
    return 'idle';
  },
};

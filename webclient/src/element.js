// The <callgate-dialer> custom element: a compact SIP-over-WebSocket phone
// for a web page. JsSIP does the signalling (phone.js, call.js); this file
// is the user interface and the public API.

import css from './styles.css';
import { template, KEYS } from './template.js';
import { icons } from './icons.js';
import { Phone } from './phone.js';
import { Call } from './call.js';
import { CallList } from './calls.js';
import { Tones } from './tones.js';
import { openMicrophone, stopStream, listDevices, canPickSpeaker } from './media.js';
import { askPermission, notifyIncoming } from './notify.js';
import { HistoryStore, endStatus, isMissed } from './history.js';
import { normalizeNumber, isDialable, toTarget, displayUser, isDtmfKey } from './number.js';
import { credentials, tokenExpired, defaultServer, resolveServer, domainFromServer, parseIceServers, boolAttr } from './config.js';
import { registrationFailure, connectionLost, callEnd, mediaError, announce, announceWaiting, secondCallLabel, transferMessage } from './messages.js';
import { keyAction } from './keyboard.js';
import { formatDuration, formatWhen, spokenDuration } from './format.js';

/** Attributes that change how the phone connects. */
const CONNECTION_ATTRS = new Set(['server', 'user', 'password', 'token', 'domain', 'display-name']);

/** Call-end codes reported as callgate:error (failures not chosen by the other party). */
const ERROR_END_CODES = new Set(['mic-denied', 'media', 'unreachable', 'auth-failed', 'dropped', 'not-allowed']);

/**
 * How long an attended transfer may wait for its final NOTIFY (RFC 3515
 * §2.4.5) before the dialer gives up on it and offers both calls again.
 * The target is already connected, so the answer normally takes seconds.
 */
const TRANSFER_TIMEOUT_MS = 20000;

/** Registration failures after which the dialer stops instead of retrying. */
const FATAL_REGISTRATION = new Set(['auth-failed', 'forbidden', 'token-expired', 'not-found']);

const STORAGE_PREFIX = 'callgate-dialer:';

let sheet = null;

/** Styles as a constructed stylesheet: not subject to a page's style-src CSP. */
function styleSheet() {
  if (sheet === null) {
    try {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
    } catch {
      sheet = undefined;
    }
  }
  return sheet;
}

/** localStorage, or null where the browser blocks it. */
function storage() {
  try {
    const s = globalThis.localStorage;
    s.getItem('x');
    return s;
  } catch {
    return null;
  }
}

/**
 * The dialer element. Attributes: server, user, password, token,
 * display-name, domain, autoregister, ice-servers, theme, no-notifications.
 * Events (bubbling and composed): callgate:registered, callgate:unregistered,
 * callgate:incoming, callgate:waiting (a call rings while another is
 * active), callgate:state, callgate:ended, callgate:transfer,
 * callgate:error, callgate:connection. Methods: register, unregister,
 * call, answer, decline, hangup, sendDTMF, mute, hold, swap, transfer,
 * attendedTransfer, focus, and getStats (the current call's
 * RTCStatsReport) for monitoring.
 *
 * Call waiting: a second incoming call rings softly beside the current
 * one and is shown in a compact row; answering it holds the current call.
 * The state, the events and the main controls describe the foreground
 * ("current") call; a third call is refused with 486 Busy Here.
 */
export class CallgateDialer extends HTMLElement {
  static get observedAttributes() {
    return ['server', 'user', 'password', 'token', 'display-name', 'domain', 'autoregister', 'ice-servers'];
  }

  #phone = new Phone();
  #tones = new Tones();
  /** @type {CallList<Call>} */
  #calls = new CallList();
  /** @type {Call|null} the foreground call the panel shows now */
  #shown = null;
  /** @type {import('./calls.js').ToneName} */
  #tone = null;
  /** @type {Call|null} a ringing call whose answer waits for the microphone */
  #pendingAnswer = null;
  /** @type {{transferee: Call, target: Call}|null} attended transfer in progress */
  #transfer = null;
  #transferTimer = 0;
  /** @type {HistoryStore} */
  #history;
  #historyUser = '';
  #password = undefined;
  #token = undefined;
  #registration = 'offline';
  #wasRegistered = false;
  #callState = 'idle';
  #timer = 0;
  #notification = null;
  #interacted = false;
  #restartQueued = false;
  #restartAfterCall = false;
  #resumeOnShow = false;
  #keypadOpen = false;
  #dtmfSent = '';
  #micId = '';
  #speakerId = '';
  #zeroHold = 0;
  #zeroHeldLong = false;
  #activeCreds = '';
  #listeners = [];
  #audioBlocked = false;
  /** @type {Record<string, any>} elements of the shadow tree by camel-cased id */
  #el = {};

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    const s = styleSheet();
    if (s) {
      root.adoptedStyleSheets = [s];
      root.innerHTML = template;
    } else {
      root.innerHTML = `<style>${css}</style>${template}`;
    }
    for (const el of root.querySelectorAll('[id]')) this.#el[el.id.replace(/-(\w)/g, (_, c) => c.toUpperCase())] = el;
    const st = storage();
    this.#micId = (st && st.getItem(STORAGE_PREFIX + 'mic')) || '';
    this.#speakerId = (st && st.getItem(STORAGE_PREFIX + 'speaker')) || '';
    this.#history = new HistoryStore(st, STORAGE_PREFIX + 'history:', {});
    this.#wire();
    this.#wirePhone();
  }

  // ---- public properties -------------------------------------------------

  /** WebSocket URL of the gateway; default "/ws" on the script's origin. */
  get server() {
    return this.getAttribute('server') || defaultServer(import.meta.url, location.href);
  }
  set server(v) { this.#setAttr('server', v); }

  /** SIP user name, or the token username "<expiry>:<user>" with token. */
  get user() { return this.getAttribute('user') || ''; }
  set user(v) { this.#setAttr('user', v); }

  /** Digest password. Set as a property it is not reflected into the DOM. */
  get password() { return this.#password ?? this.getAttribute('password') ?? ''; }
  set password(v) {
    this.#password = v == null ? undefined : String(v);
    this.#connectionChanged();
  }

  /** Short-lived token used as the digest password. Not reflected. */
  get token() { return this.#token ?? this.getAttribute('token') ?? ''; }
  set token(v) {
    this.#token = v == null ? undefined : String(v);
    this.#connectionChanged();
  }

  /** Display name sent in From. */
  get displayName() { return this.getAttribute('display-name') || ''; }
  set displayName(v) { this.#setAttr('display-name', v); }

  /** SIP domain; default: the server's host name. */
  get domain() {
    const d = this.getAttribute('domain');
    if (d) return d;
    try {
      return domainFromServer(this.#serverUrl());
    } catch {
      return location.hostname;
    }
  }
  set domain(v) { this.#setAttr('domain', v); }

  /** Registers as soon as credentials are present. */
  get autoregister() { return boolAttr(this.getAttribute('autoregister')); }
  set autoregister(v) { this.toggleAttribute('autoregister', Boolean(v)); }

  /** RTCIceServer list from the ice-servers attribute (JSON); default none. */
  get iceServers() {
    try {
      return parseIceServers(this.getAttribute('ice-servers'));
    } catch {
      return [];
    }
  }
  set iceServers(v) {
    if (v == null) this.removeAttribute('ice-servers');
    else this.setAttribute('ice-servers', typeof v === 'string' ? v : JSON.stringify(v));
  }

  /** "offline", "connecting", "registering", "registered", "reconnecting" or "failed". */
  get registrationState() { return this.#registration; }

  /** "idle", "calling", "ringing", "incoming", "answering" or "in-call". */
  get callState() { return this.#callState; }

  /** The foreground call (what the panel, state and events describe). */
  get #call() {
    return this.#calls.current;
  }

  /**
   * The calls, foreground first: at most two (one ringing beside the
   * other, or one on hold).
   * @returns {{id: number, direction: 'in'|'out', peer: string, name: string, state: string, held: boolean, current: boolean}[]}
   */
  get calls() {
    return this.#calls.all().map((c, i) => ({
      id: c.id, direction: c.direction, peer: c.peer, name: c.name, state: c.state, held: c.held, current: i === 0,
    }));
  }

  /** Whether the microphone is muted in the current call. */
  get muted() { return Boolean(this.#call && this.#call.muted); }

  /** Whether the current call is on hold from this side. */
  get held() { return Boolean(this.#call && this.#call.held); }

  /**
   * Media statistics of the current call: RTCPeerConnection.getStats() of
   * its peer connection (inbound-rtp, outbound-rtp, codec, candidate-pair
   * …), or null when no call has media. Read-only; for monitoring and
   * tests. The far end's audio plays in the shadow root's
   * <audio id="remote-audio"> (data-testid "remote-audio").
   * @returns {Promise<RTCStatsReport|null>}
   */
  async getStats() {
    const pc = this.#call && this.#call.pc;
    return pc ? pc.getStats() : null;
  }

  // ---- public methods ----------------------------------------------------

  /** Connects and registers with the gateway. */
  register() {
    const c = credentials({ user: this.user, password: this.password, token: this.token });
    if (!c.aorUser || !c.secret) {
      this.#fail('config', 'Enter a user name and password (or a token) to go online.');
      return false;
    }
    // A token's expiry is not checked against this device's clock, which
    // may be wrong by minutes: callgate decides and answers 403 Token
    // Expired (see the registration handler).
    let server;
    try {
      server = this.#serverUrl();
    } catch (e) {
      this.#fail('config', `The server address is not valid: ${e.message}`);
      return false;
    }
    this.#clearMessage();
    this.#ensureHistory(c.aorUser, server);
    try {
      this.#phone.start({ server, aorUser: c.aorUser, authUser: c.authUser, secret: c.secret, domain: this.domain, displayName: this.displayName });
    } catch (e) {
      this.#fail('config', `The dialer settings are not valid: ${e.message}`);
      this.#setRegistration('offline');
      return false;
    }
    this.#activeCreds = this.#credsKey();
    this.#setRegistration('connecting');
    return true;
  }

  /** Unregisters and closes the connection; ends a call in progress. */
  unregister() {
    this.#restartAfterCall = false;
    for (const c of this.#calls.all()) c.hangup();
    this.#phone.stop();
    this.#setRegistration('offline');
  }

  /**
   * Calls a number or SIP address (default: the number field).
   * @param {string} [number]
   */
  async call(number) {
    if (this.#calls.size > 0) return false;
    const dial = normalizeNumber(number ?? this.#el.number.value);
    if (number !== undefined) this.#el.number.value = dial;
    if (!isDialable(dial)) {
      this.#fail('invalid-number', dial ? `“${dial}” is not a number or address that can be called.` : 'Type a number to call.', { silentEvent: !dial });
      this.#el.number.focus();
      return false;
    }
    if (!this.#phone.canCall) {
      this.#fail('offline', this.#phone.running ? 'Not connected to the gateway yet. Try again in a moment.' : 'You are offline. Select “Go online” first.');
      return false;
    }
    this.#clearMessage();
    let stream;
    try {
      stream = await openMicrophone(this.#micId);
    } catch (e) {
      const m = mediaError(e);
      this.#fail(m.code, m.text);
      return false;
    }
    if (this.#calls.size > 0 || !this.#phone.canCall) {
      stopStream(stream);
      return false;
    }
    const call = new Call({ direction: 'out', peer: dial });
    this.#calls.dial(call);
    this.#attach(call);
    try {
      const session = this.#phone.call(toTarget(dial, this.domain), { mediaStream: stream, pcConfig: this.#pcConfig(), eventHandlers: call.handlers() });
      call.bindOutgoing(session, stream);
    } catch (e) {
      stopStream(stream);
      if (this.#call === call) call.onEnd({ cause: 'Internal Error', originator: 'local' });
      this.#fail('call-failed', `The call could not be started: ${e.message}`);
      return false;
    }
    return true;
  }

  /**
   * Answers the ringing incoming call: the current one, else the waiting
   * one, which puts the current call on hold first.
   */
  async answer() {
    const call = this.#calls.ringing;
    if (!call) return false;
    this.#pendingAnswer = call;
    this.#updateTone();
    this.#closeNotification();
    let stream;
    try {
      stream = await openMicrophone(this.#micId);
    } catch (e) {
      this.#pendingAnswer = null;
      const m = mediaError(e);
      this.#fail(m.code, m.text);
      this.#updateTone();
      return false;
    }
    this.#pendingAnswer = null;
    if (!this.#calls.has(call) || call.state !== 'incoming') {
      stopStream(stream);
      this.#updateTone();
      return false;
    }
    const r = this.#calls.answer(call, stream, this.#pcConfig());
    if (this.#call !== this.#shown) this.#currentChanged();
    this.#updateTone();
    if (r && r.holdRefused) this.#info(`${r.holdRefused.peer} could not be put on hold; use Swap to hold it.`);
    return true;
  }

  /**
   * Declines the ringing incoming call: 603 Decline for the current one,
   * 486 Busy Here (RFC 3261 §21.4.24) for a call waiting beside another.
   */
  decline() {
    const call = this.#calls.ringing;
    if (!call) return;
    if (call === this.#call) call.hangup();
    else call.hangup({ busy: true, byUser: true });
  }

  /**
   * Ends a call: cancels, declines or hangs up as the state requires. The
   * current call unless callId (see calls) names another.
   * @param {number} [callId]
   */
  hangup(callId) {
    const call = callId === undefined ? this.#call : this.#calls.all().find((c) => c.id === callId);
    if (call) call.hangup();
  }

  /**
   * Holds the current call and resumes the one on hold, which becomes the
   * current call. Returns false when there are not two connected calls or
   * a re-INVITE is still pending.
   */
  swap() {
    if (!this.#calls.swap()) return false;
    this.#currentChanged();
    return true;
  }

  /**
   * Attended transfer between the two calls (RFC 5589 §7): the party on
   * hold gets a REFER to the current call's party with Replaces (RFC 3891)
   * naming the current call. Progress comes in callgate:transfer events;
   * both calls end here once the transfer succeeded.
   */
  attendedTransfer() {
    const p = this.#calls.transferParties();
    if (!p || this.#transfer) return false;
    const identity = p.target.session && p.target.session.remote_identity;
    const target = identity && identity.uri ? identity.uri : toTarget(p.target.peer, this.domain);
    if (!p.transferee.transfer(target, { replaces: p.target })) return false;
    this.#transfer = p;
    this.#transferTimer = setTimeout(() => {
      if (this.#transfer !== p) return;
      this.#onTransfer(p.transferee, { phase: 'failed', code: null, reason: '', attended: true, timeout: true });
    }, TRANSFER_TIMEOUT_MS);
    this.#info(`Transferring ${p.transferee.peer} to ${p.target.peer}…`);
    this.#render();
    return true;
  }

  /**
   * Sends DTMF digits in the current call.
   * @param {string} digits
   */
  sendDTMF(digits) {
    let sent = false;
    for (const d of String(digits)) {
      if (isDtmfKey(d) && this.#call && this.#call.sendDTMF(d)) {
        sent = true;
        this.#dtmfSent = (this.#dtmfSent + d).slice(-24);
      }
    }
    if (sent) this.#render();
    return sent;
  }

  /** @param {boolean} [on] mutes (default) or unmutes the microphone */
  mute(on = true) {
    if (this.#call) this.#call.setMuted(Boolean(on));
  }

  /** @param {boolean} [on] holds (default) or resumes the call */
  hold(on = true) {
    return Boolean(this.#call && this.#call.setHeld(Boolean(on)));
  }

  /**
   * Blind transfer of the current call to a number or SIP address.
   * @param {string} target
   */
  transfer(target) {
    const dial = normalizeNumber(target);
    if (!this.#call || this.#call.state !== 'in-call' || !isDialable(dial)) return false;
    this.#announce(`Transferring to ${dial}.`);
    return this.#call.transfer(toTarget(dial, this.domain));
  }

  /** Moves focus to the control that matters now (number field, Answer, Hang up). */
  focus(options) {
    this.#primaryControl().focus(options);
  }

  // ---- lifecycle ---------------------------------------------------------

  connectedCallback() {
    // Properties set before the element was defined sit on the instance and
    // hide the accessors: move them through the setters.
    for (const name of ['server', 'user', 'password', 'token', 'displayName', 'domain', 'autoregister', 'iceServers']) {
      if (Object.prototype.hasOwnProperty.call(this, name)) {
        const v = this[name];
        delete this[name];
        this[name] = v;
      }
    }
    if (!this.hasAttribute('data-state')) this.setAttribute('data-state', this.#callState);
    if (!this.hasAttribute('data-registration')) this.setAttribute('data-registration', this.#registration);
    this.#listen(window, 'beforeunload', (e) => {
      // Leaving the page ends the call: let the browser ask first.
      if (this.#calls.all().some((c) => c.state !== 'incoming')) e.preventDefault();
    });
    this.#listen(window, 'online', () => {
      if (this.#registration === 'reconnecting') this.#info('Back online. Reconnecting…');
    });
    this.#listen(window, 'offline', () => {
      if (this.#phone.running) this.#fail('unreachable', connectionLost({ server: this.server, online: false }).text);
    });
    this.#listen(window, 'pagehide', (e) => {
      if (this.#phone.running && e.persisted) {
        this.#resumeOnShow = true;
        this.unregister();
      }
    });
    this.#listen(window, 'pageshow', (e) => {
      if (e.persisted && this.#resumeOnShow) {
        this.#resumeOnShow = false;
        this.register();
      }
    });
    const md = globalThis.navigator && navigator.mediaDevices;
    if (md && typeof md.addEventListener === 'function') {
      this.#listen(md, 'devicechange', () => {
        if (!this.#el.devices.hidden) this.#refreshDevices();
      });
    }
    this.#render();
    this.#renderHistory();
    if (this.autoregister && !this.#phone.running) queueMicrotask(() => this.#autoStart());
  }

  disconnectedCallback() {
    for (const [target, type, fn] of this.#listeners) target.removeEventListener(type, fn);
    this.#listeners = [];
    // A move within the document disconnects and reconnects at once.
    queueMicrotask(() => {
      if (this.isConnected) return;
      this.unregister();
      this.#tones.close();
    });
  }

  attributeChangedCallback(name, oldValue, value) {
    if (oldValue === value) return;
    if (name === 'password') this.#password = undefined;
    if (name === 'token') this.#token = undefined;
    if (name === 'autoregister') {
      if (boolAttr(value) && this.isConnected && !this.#phone.running) queueMicrotask(() => this.#autoStart());
      return;
    }
    if (CONNECTION_ATTRS.has(name)) this.#connectionChanged();
  }

  // ---- connection --------------------------------------------------------

  #autoStart() {
    if (!this.isConnected || this.#phone.running || !this.autoregister) return;
    const c = credentials({ user: this.user, password: this.password, token: this.token });
    if (c.aorUser && c.secret) this.register();
  }

  #credsKey() {
    return JSON.stringify([this.getAttribute('server'), this.getAttribute('domain'), this.displayName, credentials({ user: this.user, password: this.password, token: this.token }).aorUser]);
  }

  /** Applies changed settings once all attribute changes of a task are in. */
  #connectionChanged() {
    if (this.#restartQueued) return;
    this.#restartQueued = true;
    queueMicrotask(() => {
      this.#restartQueued = false;
      if (!this.isConnected) return;
      if (!this.#phone.running) {
        if (this.autoregister) this.#autoStart();
        return;
      }
      const c = credentials({ user: this.user, password: this.password, token: this.token });
      if (this.#credsKey() === this.#activeCreds) {
        // Same account: new password or refreshed token, used from the next
        // REGISTER refresh on; calls and the connection stay up.
        this.#phone.updateCredentials(c.authUser, c.secret);
        return;
      }
      if (this.#calls.size > 0) {
        this.#restartAfterCall = true;
        return;
      }
      this.register();
    });
  }

  #serverUrl() {
    return resolveServer(this.server, location.href);
  }

  #pcConfig() {
    let iceServers = [];
    try {
      iceServers = parseIceServers(this.getAttribute('ice-servers'));
    } catch (e) {
      this.#fail('config', `ice-servers is not valid: ${e.message}`);
    }
    // No STUN/TURN unless configured: callgate is ICE-lite on a reachable
    // address (RFC 8445 §2.5), so host candidates are enough.
    return { iceServers, rtcpMuxPolicy: 'require', bundlePolicy: 'max-bundle' };
  }

  #wirePhone() {
    const p = this.#phone;
    p.addEventListener('connection', (e) => {
      const d = e.detail;
      this.#emit('callgate:connection', d);
      if (d.state === 'connecting') {
        this.#setRegistration(d.attempts > 0 || this.#wasRegistered ? 'reconnecting' : 'connecting');
      } else if (d.state === 'connected') {
        this.#setRegistration('registering');
      } else if (d.state === 'disconnected') {
        this.#setRegistration('reconnecting');
        if (d.error) this.#fail('unreachable', connectionLost({ server: this.server, online: navigator.onLine }).text);
      }
    });
    p.addEventListener('registration', (e) => {
      const d = e.detail;
      if (d.state === 'registered') {
        this.#clearMessage('unreachable');
        this.#setRegistration('registered');
      } else if (d.state === 'unregistered') {
        if (this.#registration === 'registered') this.#setRegistration('registering');
      } else {
        const c = credentials({ user: this.user, password: this.password, token: this.token });
        // A 403 for a token whose expiry has passed by this clock too is
        // an expired token whatever the reason phrase says.
        const expired = d.code === 403 && tokenExpired(c.tokenExpiry, Date.now());
        const m = registrationFailure({ cause: d.cause, code: d.code, reason: d.reason, token: Boolean(this.token), tokenExpired: expired });
        if (FATAL_REGISTRATION.has(m.code)) {
          // Retrying wrong credentials only gets the source banned.
          this.#phone.stop();
          this.#setRegistration('failed');
        } else {
          this.#setRegistration('reconnecting');
        }
        this.#fail(m.code, m.text, { sipCode: d.code ?? null });
      }
    });
    p.addEventListener('incoming', (e) => this.#onIncoming(e.detail.session));
  }

  #setRegistration(state) {
    const prev = this.#registration;
    if (prev === state) return;
    this.#registration = state;
    this.setAttribute('data-registration', state);
    if (state === 'registered') {
      this.#wasRegistered = true;
      this.#emit('callgate:registered', { user: credentials({ user: this.user, token: this.token }).aorUser });
      this.#announce(`Online as ${credentials({ user: this.user, token: this.token }).aorUser}.`);
    } else if (prev === 'registered') {
      this.#emit('callgate:unregistered', { state });
      if (state === 'offline') this.#announce('Offline.');
    }
    if (state === 'offline' || state === 'failed') this.#wasRegistered = false;
    this.#render();
  }

  // ---- calls -------------------------------------------------------------

  #onIncoming(session) {
    const peer = displayUser(session.remote_identity && session.remote_identity.uri) || 'Unknown';
    const name = (session.remote_identity && session.remote_identity.display_name) || '';
    const call = new Call({ direction: 'in', peer, name });
    call.bindIncoming(session);
    const current = this.#call;
    const verdict = this.#calls.offer(call);
    if (verdict === 'busy') {
      // Two calls already: RFC 3261 §21.4.24 486 Busy Here.
      this.#history.add({ direction: 'in', number: peer, name, status: 'busy' });
      call.hangup({ busy: true });
      this.#renderHistory();
      return;
    }
    this.#attach(call);
    this.#closeNotification();
    this.#notification = notifyIncoming(name ? `${name} (${peer})` : peer, () => this.focus());
    this.#emit('callgate:incoming', { from: peer, displayName: name, callId: call.id, waiting: verdict === 'waiting' });
    if (verdict === 'waiting' && current) {
      this.#emit('callgate:waiting', { from: peer, displayName: name, callId: call.id, activePeer: current.peer, activeCallId: current.id });
      this.#announce(announceWaiting(peer, current.peer, current.state === 'in-call'));
    }
  }

  /** Starts, changes or stops the ring, call-waiting or ringback tone. */
  #updateTone() {
    const want = this.#calls.tone(this.#pendingAnswer);
    if (want === this.#tone) return;
    this.#tone = want;
    if (want) this.#tones.play(want).then(() => this.#render());
    else this.#tones.stop();
  }

  /** @param {Call} call a call just added to the list */
  #attach(call) {
    call.historyId = this.#history.add({ direction: call.direction, number: call.peer, name: call.name, status: 'ringing' });
    call.addEventListener('state', (e) => this.#onCallState(call, e.detail.state));
    call.addEventListener('flags', () => {
      this.#renderKeepingFocus();
      if (call === this.#call) this.#emitState();
    });
    call.addEventListener('track', (e) => {
      if (call === this.#call) this.#playRemote(e.detail.stream);
    });
    call.addEventListener('early-media', () => this.#updateTone());
    call.addEventListener('ended', (e) => this.#onEnded(call, e.detail));
    call.addEventListener('transfer', (e) => this.#onTransfer(call, e.detail));
    if (call === this.#call) {
      this.#currentChanged();
    } else {
      this.#updateTone();
      this.#renderKeepingFocus();
    }
  }

  /**
   * Shows the foreground call after it changed: a new first call, an
   * answered waiting call, a swap, or the second call left alone when the
   * first ended.
   * @param {string} [prefix] said before the new state's announcement
   */
  #currentChanged(prefix = '') {
    const call = this.#call;
    this.#shown = call;
    this.#dtmfSent = '';
    this.#keypadOpen = false;
    this.#el.transferForm.hidden = true;
    const a = this.#el.remoteAudio;
    if (call && call.remoteStream) this.#playRemote(call.remoteStream);
    else a.srcObject = null;
    if (call && call.state === 'in-call') {
      this.#startTimer();
    } else {
      this.#stopTimer();
      this.#el.timer.textContent = '0:00';
    }
    this.#updateTone();
    this.#setCallState(call ? call.state : 'idle', prefix);
  }

  #onCallState(call, state) {
    if (!this.#calls.has(call) || state === 'ended') return; // an end is handled with its details
    if (state === 'in-call') this.#history.update(call.historyId, { status: 'answered', answeredAt: call.answeredAt });
    if ((state === 'answering' || state === 'in-call') && !this.#calls.ringing) this.#closeNotification();
    this.#updateTone();
    if (call !== this.#call) {
      this.#renderKeepingFocus();
      return;
    }
    if (call !== this.#shown) {
      this.#currentChanged();
      return;
    }
    if (state === 'in-call') this.#startTimer();
    this.#setCallState(state);
  }

  /**
   * @param {string} state
   * @param {string} [prefix] said before the state's announcement
   */
  #setCallState(state, prefix = '') {
    const focused = this.shadowRoot.activeElement;
    this.#callState = state;
    this.setAttribute('data-state', state);
    this.#render();
    const o = this.#calls.other;
    const said = announce(state, { peer: this.#call ? this.#call.peer : '', held: this.held, other: o ? { peer: o.peer, state: o.state, held: o.held } : null });
    this.#announce([prefix, said].filter(Boolean).join(' '));
    this.#emitState();
    // Keep keyboard focus inside the dialer when its control disappears.
    if (focused && !this.#visible(focused)) this.#primaryControl().focus();
  }

  /** @param {Call|null} [c] the call described; the current one by default */
  #emitState(c = this.#call) {
    this.#emit('callgate:state', {
      state: this.#callState,
      direction: c ? c.direction : null,
      peer: c ? c.peer : null,
      muted: Boolean(c && c.muted),
      held: Boolean(c && c.held),
      remoteHeld: Boolean(c && c.remoteHeld),
      calls: this.#calls.size,
    });
  }

  /** @param {Call} call @param {import('./call.js').EndInfo} info */
  #onEnded(call, info) {
    const r = this.#calls.remove(call);
    if (!r) return;
    const focused = this.shadowRoot.activeElement;
    if (this.#transfer && (this.#transfer.transferee === call || this.#transfer.target === call) && !call.transferred) {
      // One of the two calls ended before the transfer finished.
      this.#endTransfer();
    }
    if (!this.#calls.ringing) this.#closeNotification();
    const status = endStatus({ direction: call.direction, answered: info.answered, originator: info.originator, cause: info.cause, declinedLocally: call.declinedLocally });
    this.#history.update(call.historyId, {
      status, code: info.code, cause: info.cause, endedAt: Date.now(), answeredAt: call.answeredAt ?? undefined,
    });
    const m = callEnd({ ...info, direction: call.direction, peer: call.peer, token: Boolean(this.token) });
    // With another call left, name the one that ended.
    const text = this.#calls.size > 0 && m.code === 'ended' && info.originator === 'local' ? `Call with ${call.peer} ended.` : m.text;
    const duration = call.answeredAt ? (Date.now() - call.answeredAt) / 1000 : 0;
    if (r.wasCurrent) {
      this.#stopTimer();
      this.#el.remoteAudio.srcObject = null;
      this.#shown = null;
      this.#callState = 'ended';
      this.setAttribute('data-state', 'ended');
      this.#emitState(call);
    }
    this.#emit('callgate:ended', {
      cause: info.cause, code: info.code, reason: info.reason, originator: info.originator,
      direction: call.direction, peer: call.peer, answered: info.answered, duration: Math.round(duration), message: text, status,
      callId: call.id,
    });
    let said = '';
    if (call.transferred) {
      // The transfer's own message stays.
    } else if (m.kind === 'error') {
      this.#showMessage(text, 'error');
      this.#announce(text, true);
      if (ERROR_END_CODES.has(m.code)) this.#emit('callgate:error', { code: m.code, message: text, sipCode: info.code });
    } else {
      this.#showMessage(duration ? `${text} Duration ${formatDuration(duration)}.` : text, 'info');
      said = duration ? `${text} Duration ${spokenDuration(duration)}.` : text;
    }
    this.#updateTone();
    this.#renderHistory();
    if (!r.wasCurrent) {
      this.#announce(said);
      this.#renderKeepingFocus(focused);
      return;
    }
    if (r.promoted) {
      // The second call comes to the foreground as it is (still on hold,
      // or still ringing); its announcement follows the end's.
      this.#currentChanged(said);
      return;
    }
    this.#announce(said);
    this.#callState = 'idle';
    this.setAttribute('data-state', 'idle');
    this.#render();
    this.#emitState();
    if (focused && !this.#visible(focused)) this.#primaryControl().focus();
    if (this.#restartAfterCall) {
      this.#restartAfterCall = false;
      this.register();
    }
  }

  /** Forgets the attended transfer in progress. */
  #endTransfer() {
    clearTimeout(this.#transferTimer);
    this.#transferTimer = 0;
    this.#transfer = null;
  }

  /**
   * @param {Call} call
   * @param {{phase: string, code: number|null, reason: string, attended: boolean, timeout?: boolean}} d
   */
  #onTransfer(call, d) {
    const t = d.attended ? this.#transfer : null;
    const m = transferMessage(d, t ? { transferee: t.transferee.peer, target: t.target.peer } : {});
    this.#emit('callgate:transfer', { phase: d.phase, code: d.code, reason: d.reason, attended: d.attended, peer: call.peer, target: t ? t.target.peer : null, message: m.text });
    if (d.phase === 'done') {
      // RFC 5589 §6/§7: a 2xx NOTIFY ends the transferor's part; this call
      // hangs up by itself, the replaced one is ended here.
      call.transferred = true;
      if (t) t.target.transferred = true;
    }
    if (m.kind === 'error') {
      if (t) this.#endTransfer();
      this.#fail(m.code, m.text, { sipCode: d.code });
    } else {
      this.#info(m.text);
    }
    if (d.phase === 'done' && t) {
      this.#endTransfer();
      // After this call's own hang-up, which follows this event.
      queueMicrotask(() => t.target.hangup());
    }
    this.#renderKeepingFocus();
  }

  /** Plays the far end through an <audio> element; Chrome plays nothing otherwise. */
  #playRemote(stream) {
    const a = this.#el.remoteAudio;
    if (a.srcObject !== stream) a.srcObject = stream;
    this.#applySpeaker();
    const p = a.play();
    if (p && typeof p.catch === 'function') {
      p.then(() => this.#render()).catch(() => {
        this.#audioBlocked = true;
        this.#render();
      });
    }
  }

  async #enableAudio() {
    await this.#tones.unlock();
    const a = this.#el.remoteAudio;
    if (a.srcObject) {
      try {
        await a.play();
        this.#audioBlocked = false;
      } catch {
        // still blocked; the button stays
      }
    } else {
      this.#audioBlocked = false;
    }
    this.#render();
  }

  #startTimer() {
    this.#stopTimer();
    this.#timer = setInterval(() => this.#renderTimer(), 1000);
    this.#renderTimer();
  }

  #stopTimer() {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = 0;
  }

  #renderTimer() {
    const c = this.#call;
    if (!c || c.answeredAt === null) return;
    this.#el.timer.textContent = formatDuration((Date.now() - c.answeredAt) / 1000);
  }

  #closeNotification() {
    if (this.#notification) {
      this.#notification.close();
      this.#notification = null;
    }
  }

  // ---- user interface ----------------------------------------------------

  #wire() {
    const $ = this.#el;
    const root = this.shadowRoot;
    const first = () => {
      if (this.#interacted) return;
      this.#interacted = true;
      // Sound and notification permission need a user gesture.
      this.#tones.unlock();
      if (!this.hasAttribute('no-notifications')) askPermission();
    };
    root.addEventListener('pointerdown', first, true);
    root.addEventListener('keydown', first, true);

    $.registerToggle.addEventListener('click', () => {
      if (this.#phone.running) this.unregister();
      else this.register();
    });
    $.messageDismiss.addEventListener('click', () => {
      this.#clearMessage();
      this.focus();
    });
    $.enableAudio.addEventListener('click', () => this.#enableAudio());

    $.number.addEventListener('paste', (e) => {
      const text = e.clipboardData && e.clipboardData.getData('text');
      if (text == null) return;
      e.preventDefault();
      this.#insert($.number, normalizeNumber(text));
    });
    $.number.addEventListener('input', () => {
      if (!$.message.hidden && $.message.dataset.code === 'invalid-number') this.#clearMessage();
    });
    $.backspace.addEventListener('click', () => this.#backspace());

    for (const [k, id] of KEYS) {
      const b = $['key' + id.charAt(0).toUpperCase() + id.slice(1)];
      b.addEventListener('click', () => {
        if (this.#zeroHeldLong) {
          this.#zeroHeldLong = false;
          return;
        }
        this.#pressKey(k);
      });
    }
    // Holding 0 types "+" as on a phone.
    $.key0.addEventListener('pointerdown', () => {
      clearTimeout(this.#zeroHold);
      this.#zeroHeldLong = false;
      if (this.#callState !== 'idle') return;
      this.#zeroHold = setTimeout(() => {
        this.#zeroHeldLong = true;
        this.#insert($.number, '+');
      }, 600);
    });
    for (const ev of ['pointerup', 'pointerleave', 'pointercancel']) {
      $.key0.addEventListener(ev, () => clearTimeout(this.#zeroHold));
    }

    $.call.addEventListener('click', () => this.call());
    $.answer.addEventListener('click', () => this.answer());
    $.decline.addEventListener('click', () => this.decline());
    $.hangup.addEventListener('click', () => this.hangup());
    $.mute.addEventListener('click', () => this.mute(!this.muted));
    $.otherAnswer.addEventListener('click', () => this.answer());
    $.otherDecline.addEventListener('click', () => this.#declineOther());
    $.otherHangup.addEventListener('click', () => {
      const o = this.#calls.other;
      if (o) o.hangup();
    });
    $.otherSwap.addEventListener('click', () => {
      if (!this.swap()) this.#info('Swapping is not possible right now; try again in a moment.');
    });
    $.transferCalls.addEventListener('click', () => {
      if (!this.attendedTransfer()) this.#info('The calls cannot be transferred right now.');
    });
    $.hold.addEventListener('click', () => {
      if (!this.hold(!this.held)) this.#info('Hold is not possible right now; try again in a moment.');
    });
    $.keypadToggle.addEventListener('click', () => {
      this.#keypadOpen = !this.#keypadOpen;
      this.#render();
    });
    $.transferToggle.addEventListener('click', () => {
      const open = $.transferForm.hidden;
      $.transferForm.hidden = !open;
      this.#render();
      if (open) $.transferNumber.focus();
    });
    $.transferCancel.addEventListener('click', () => {
      $.transferForm.hidden = true;
      this.#render();
      $.transferToggle.focus();
    });
    $.transferNumber.addEventListener('paste', (e) => {
      const text = e.clipboardData && e.clipboardData.getData('text');
      if (text == null) return;
      e.preventDefault();
      this.#insert($.transferNumber, normalizeNumber(text));
    });
    $.transferForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const target = normalizeNumber($.transferNumber.value);
      if (!isDialable(target)) {
        this.#fail('invalid-number', 'Type the number to transfer to.', { silentEvent: true });
        $.transferNumber.focus();
        return;
      }
      if (this.transfer(target)) {
        $.transferForm.hidden = true;
        $.transferNumber.value = '';
        this.#render();
        $.hangup.focus();
      }
    });

    $.historyToggle.addEventListener('click', () => this.#togglePanel('history'));
    $.devicesToggle.addEventListener('click', () => this.#togglePanel('devices'));
    $.historyClear.addEventListener('click', () => {
      this.#history.clear();
      this.#renderHistory();
      this.#announce('Call history cleared.');
      $.historyToggle.focus();
    });
    $.historyList.addEventListener('click', (e) => {
      const b = e.target instanceof Element ? e.target.closest('button[data-number]') : null;
      if (!b || this.#call) return;
      $.number.value = b.dataset.number;
      this.#togglePanel('history');
      $.call.focus();
    });
    $.micSelect.addEventListener('change', () => this.#pickMic($.micSelect.value));
    $.speakerSelect.addEventListener('change', () => this.#pickSpeaker($.speakerSelect.value));
    $.devicesAllow.addEventListener('click', async () => {
      try {
        stopStream(await openMicrophone(this.#micId));
      } catch (e) {
        const m = mediaError(e);
        this.#fail(m.code, m.text);
      }
      this.#refreshDevices();
    });

    root.addEventListener('keydown', (e) => this.#onKey(/** @type {KeyboardEvent} */ (e)));
  }

  #onKey(e) {
    const t = /** @type {Element} */ (e.composedPath()[0]);
    const $ = this.#el;
    let target = 'other';
    if (t === $.number) target = 'number';
    else if (t instanceof HTMLInputElement) target = 'text';
    else if (t instanceof HTMLButtonElement) target = 'button';
    else if (t instanceof HTMLSelectElement) target = 'select';
    if (e.key === 'Escape' && t === $.transferNumber) {
      e.preventDefault();
      $.transferCancel.click();
      return;
    }
    const o = this.#calls.other;
    const a = keyAction(e, { state: this.#callState, target, waiting: Boolean(o && o.state === 'incoming') });
    if (!a) return;
    e.preventDefault();
    switch (a.type) {
      case 'digit':
        this.#insert($.number, a.digit);
        break;
      case 'dtmf':
        this.#pressKey(a.digit);
        break;
      case 'backspace':
        this.#backspace();
        break;
      case 'call':
        this.call();
        break;
      case 'answer':
        this.answer();
        break;
      case 'decline':
        this.decline();
        break;
      case 'answer-waiting':
        this.answer();
        break;
      case 'decline-waiting':
        this.#declineOther();
        break;
      case 'hangup':
        this.hangup();
        break;
    }
  }

  /** @param {string} k */
  #pressKey(k) {
    if (this.#callState === 'in-call') {
      this.#tones.click(k);
      this.sendDTMF(k);
      return;
    }
    if (this.#callState === 'idle') {
      this.#tones.click(k);
      this.#insert(this.#el.number, k);
    }
  }

  /**
   * Inserts text at the caret (or replaces the selection) of a field.
   * @param {HTMLInputElement} input
   * @param {string} text
   */
  #insert(input, text) {
    const v = input.value;
    const start = input.selectionStart ?? v.length;
    const end = input.selectionEnd ?? v.length;
    input.value = v.slice(0, start) + text + v.slice(end);
    const caret = start + text.length;
    try {
      input.setSelectionRange(caret, caret);
    } catch {
      // type=tel supports selection; be safe anyway
    }
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }

  #backspace() {
    const input = this.#el.number;
    const v = input.value;
    const start = input.selectionStart ?? v.length;
    const end = input.selectionEnd ?? v.length;
    if (start !== end) {
      input.value = v.slice(0, start) + v.slice(end);
      input.setSelectionRange(start, start);
    } else if (start > 0) {
      input.value = v.slice(0, start - 1) + v.slice(start);
      input.setSelectionRange(start - 1, start - 1);
    }
  }

  /** @param {'history'|'devices'} which */
  #togglePanel(which) {
    const $ = this.#el;
    const panel = $[which];
    const open = panel.hidden;
    $.history.hidden = true;
    $.devices.hidden = true;
    $.historyToggle.setAttribute('aria-expanded', 'false');
    $.devicesToggle.setAttribute('aria-expanded', 'false');
    if (open) {
      panel.hidden = false;
      $[which + 'Toggle'].setAttribute('aria-expanded', 'true');
      if (which === 'history') {
        this.#history.markSeen();
        this.#renderHistory();
      } else {
        this.#refreshDevices();
      }
    }
  }

  async #refreshDevices() {
    const $ = this.#el;
    const list = await listDevices();
    const fill = (select, devices, current) => {
      select.replaceChildren(new Option('System default', ''));
      for (const d of devices) select.add(new Option(d.label, d.id));
      select.value = devices.some((d) => d.id === current) ? current : '';
    };
    fill($.micSelect, list.inputs, this.#micId);
    fill($.speakerSelect, list.outputs, this.#speakerId);
    $.speakerRow.hidden = !canPickSpeaker();
    $.devicesAllow.hidden = list.labelled || !(globalThis.navigator && navigator.mediaDevices);
  }

  async #pickMic(id) {
    this.#micId = id;
    this.#store('mic', id);
    const calls = this.#calls.all().filter((c) => c.state === 'in-call' || c.state === 'calling' || c.state === 'ringing');
    if (calls.length === 0) return;
    try {
      for (const call of calls) await call.replaceMicrophone(await openMicrophone(id));
      this.#announce('Microphone changed.');
    } catch (e) {
      const m = mediaError(e);
      this.#fail(m.code, m.text);
    }
  }

  #pickSpeaker(id) {
    this.#speakerId = id;
    this.#store('speaker', id);
    this.#applySpeaker();
    this.#tones.setSink(id);
  }

  #applySpeaker() {
    const a = this.#el.remoteAudio;
    if (typeof a.setSinkId === 'function' && (a.sinkId || '') !== this.#speakerId) {
      a.setSinkId(this.#speakerId).catch(() => {
        this.#info('That speaker is not available; using the default.');
      });
    }
  }

  #store(name, value) {
    const st = storage();
    if (!st) return;
    try {
      if (value) st.setItem(STORAGE_PREFIX + name, value);
      else st.removeItem(STORAGE_PREFIX + name);
    } catch {
      // storage full or blocked: the choice lasts for this page only
    }
  }

  #ensureHistory(user, server) {
    const key = `${user}@${new URL(server).host}`;
    if (key === this.#historyUser) return;
    this.#historyUser = key;
    this.#history = new HistoryStore(storage(), STORAGE_PREFIX + 'history:' + key);
    this.#renderHistory();
  }

  #renderHistory() {
    const $ = this.#el;
    const list = this.#history.list();
    const now = Date.now();
    const items = list.map((e) => {
      const li = document.createElement('li');
      li.dataset.testid = 'history-item';
      li.dataset.status = e.status;
      li.dataset.direction = e.direction;
      if (isMissed(e)) li.className = 'missed';
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.number = e.number;
      const icon = document.createElement('span');
      icon.className = 'h-icon';
      icon.innerHTML = isMissed(e) ? icons.missed : e.direction === 'in' ? icons.incoming : icons.outgoing;
      const main = document.createElement('span');
      main.className = 'h-main';
      const num = document.createElement('span');
      num.className = 'h-number';
      num.textContent = e.name ? `${e.name} (${e.number})` : e.number;
      const meta = document.createElement('span');
      meta.className = 'h-meta';
      const status = document.createElement('span');
      status.className = 'h-status';
      status.textContent = statusText(e);
      const dur = e.answeredAt && e.endedAt ? ` · ${formatDuration((e.endedAt - e.answeredAt) / 1000)}` : '';
      meta.append(status, ` · ${formatWhen(e.startedAt, now)}${dur}`);
      const hint = document.createElement('span');
      hint.className = 'sr-only';
      hint.textContent = '. Select to dial.';
      main.append(num, meta, hint);
      b.append(icon, main);
      li.append(b);
      return li;
    });
    $.historyList.replaceChildren(...items);
    $.historyEmpty.hidden = list.length > 0;
    $.historyClear.hidden = list.length === 0;
    const missed = this.#history.unseenMissed();
    $.missedBadge.hidden = missed === 0;
    $.missedBadge.textContent = String(missed);
    $.historyToggle.setAttribute('aria-label', missed ? `History, ${missed} missed` : 'History');
  }

  #render() {
    const $ = this.#el;
    const state = this.#callState;
    const call = this.#call;
    const reg = this.#registration;
    $.card.dataset.state = state;
    $.reg.dataset.registration = reg;
    const user = credentials({ user: this.user, token: this.token }).aorUser;
    $.regText.textContent = {
      offline: 'Offline',
      connecting: 'Connecting…',
      registering: 'Signing in…',
      registered: user ? `Online as ${user}` : 'Online',
      reconnecting: 'Reconnecting…',
      failed: 'Sign-in failed',
    }[reg] || reg;
    $.registerToggle.textContent = this.#phone.running ? 'Go offline' : 'Go online';

    const idle = state === 'idle' || state === 'ended';
    $.viewIdle.hidden = !idle;
    $.viewCall.hidden = idle;
    $.call.hidden = !idle;
    $.answer.hidden = state !== 'incoming';
    $.decline.hidden = state !== 'incoming';
    $.hangup.hidden = idle || state === 'incoming';
    const inCall = state === 'in-call';
    $.keypad.hidden = !(idle || (inCall && this.#keypadOpen));
    $.controls.hidden = !inCall;
    if (!inCall) $.transferForm.hidden = true;
    $.timer.hidden = !inCall;
    $.dtmfSent.hidden = !inCall || !this.#dtmfSent;
    $.dtmfSent.textContent = this.#dtmfSent;

    if (call) {
      $.callPeer.textContent = call.peer;
      $.callName.textContent = call.name;
      $.callName.hidden = !call.name;
      $.callLabel.textContent = {
        calling: 'Calling',
        ringing: 'Ringing',
        incoming: 'Incoming call',
        answering: 'Connecting',
        'in-call': call.held ? 'On hold' : call.remoteHeld ? 'Held by the other party' : 'In call',
      }[state] || '';
      $.mute.setAttribute('aria-pressed', String(call.muted));
      $.mute.querySelector('.icon').outerHTML = call.muted ? icons.micOff : icons.mic;
      $.hold.setAttribute('aria-pressed', String(call.held));
    } else {
      $.mute.setAttribute('aria-pressed', 'false');
      $.hold.setAttribute('aria-pressed', 'false');
      $.timer.textContent = '0:00';
    }
    this.#renderOther();
    $.keypadToggle.setAttribute('aria-expanded', String(inCall && this.#keypadOpen));
    $.transferToggle.setAttribute('aria-expanded', String(!$.transferForm.hidden));
    $.enableAudio.hidden = !(this.#tones.blocked || this.#audioBlocked);
  }

  /** The second-call row: who, in what state, and what can be done. */
  #renderOther() {
    const $ = this.#el;
    const o = this.#calls.other;
    const cur = this.#call;
    this.setAttribute('data-calls', String(this.#calls.size));
    $.otherCall.hidden = !o;
    if (!o || !cur) return;
    const t = this.#transfer;
    $.otherCall.dataset.state = o.state;
    $.otherCall.dataset.held = String(o.held);
    $.otherPeer.textContent = o.name ? `${o.name} (${o.peer})` : o.peer;
    $.otherState.textContent = secondCallLabel({ peer: o.peer, state: o.state, held: o.held, remoteHeld: o.remoteHeld, transferring: Boolean(t) });
    const ringing = o.state === 'incoming';
    $.otherAnswer.hidden = !ringing;
    $.otherDecline.hidden = !ringing;
    $.otherHangup.hidden = ringing;
    $.otherSwap.hidden = !this.#calls.canSwap() || Boolean(t);
    $.transferCalls.hidden = !this.#calls.canTransfer() || Boolean(t);
    // Names start with the visible text (WCAG 2.5.3).
    $.otherAnswer.setAttribute('aria-label', cur.state === 'in-call' ? `Answer ${o.peer} and hold ${cur.peer}` : `Answer ${o.peer}`);
    $.otherDecline.setAttribute('aria-label', `Decline ${o.peer}`);
    $.otherSwap.setAttribute('aria-label', `Swap: talk to ${o.peer}, hold ${cur.peer}`);
    $.transferCalls.setAttribute('aria-label', `Transfer ${o.peer} to ${cur.peer}`);
    $.otherHangup.setAttribute('aria-label', `Hang up ${o.peer}`);
  }

  /**
   * Renders, and moves keyboard focus to the main control when the
   * focused one disappeared.
   * @param {Element|null} [focused]
   */
  #renderKeepingFocus(focused = this.shadowRoot.activeElement) {
    this.#render();
    if (focused && !this.#visible(focused)) this.#primaryControl().focus();
  }

  /** Declines the call waiting beside the current one (486 Busy Here). */
  #declineOther() {
    const o = this.#calls.other;
    if (o && o.state === 'incoming') o.hangup({ busy: true, byUser: true });
  }

  #primaryControl() {
    const $ = this.#el;
    switch (this.#callState) {
      case 'incoming': return $.answer;
      case 'calling':
      case 'ringing':
      case 'answering':
      case 'in-call': return $.hangup;
      default: return $.number;
    }
  }

  #visible(el) {
    for (let n = el; n && n !== this.shadowRoot; n = n.parentNode) {
      if (n.hidden) return false;
    }
    return true;
  }

  // ---- messages and events ----------------------------------------------

  #showMessage(text, kind, code = '') {
    const $ = this.#el;
    $.messageText.textContent = text;
    $.message.className = 'message' + (kind === 'error' ? ' error' : '');
    $.message.dataset.code = code;
    $.message.dataset.kind = kind;
    $.message.hidden = false;
  }

  /** Clears the message (only one with the given code, when given). */
  #clearMessage(code) {
    const $ = this.#el;
    if (code && $.message.dataset.code !== code) return;
    $.message.hidden = true;
    $.messageText.textContent = '';
    $.message.dataset.code = '';
  }

  #info(text) {
    this.#showMessage(text, 'info');
    this.#announce(text);
  }

  /**
   * Shows an error and dispatches callgate:error.
   * @param {string} code
   * @param {string} text
   * @param {{sipCode?: number|null, silentEvent?: boolean}} [extra]
   */
  #fail(code, text, extra = {}) {
    this.#showMessage(text, 'error', code);
    this.#announce(text, true);
    if (!extra.silentEvent) this.#emit('callgate:error', { code, message: text, sipCode: extra.sipCode ?? null });
  }

  #announce(text, urgent = false) {
    if (!text) return;
    const region = urgent ? this.#el.alert : this.#el.live;
    // Clearing first makes screen readers repeat an identical sentence.
    region.textContent = '';
    setTimeout(() => {
      region.textContent = text;
    }, 50);
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  #setAttr(name, v) {
    if (v == null || v === '') this.removeAttribute(name);
    else this.setAttribute(name, String(v));
  }

  #listen(target, type, fn) {
    target.addEventListener(type, fn);
    this.#listeners.push([target, type, fn]);
  }
}

/** @param {import('./history.js').HistoryEntry} e */
function statusText(e) {
  switch (e.status) {
    case 'missed': return 'Missed';
    case 'busy': return 'Missed (busy)';
    case 'declined': return 'Declined';
    case 'cancelled': return 'Cancelled';
    case 'failed':
      switch (e.code) {
        case 486: case 600: return 'Busy';
        case 603: return 'Declined';
        case 404: case 604: return 'Not found';
        case 480: case 410: return 'Unavailable';
        case 408: return 'No answer';
        default: return e.code ? `Failed (${e.code})` : 'Failed';
      }
    case 'ringing': return e.direction === 'in' ? 'Incoming' : 'Outgoing';
    default: return e.direction === 'in' ? 'Incoming' : 'Outgoing';
  }
}

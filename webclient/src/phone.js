// The SIP user agent: one JsSIP UA over one WebSocket, its registration,
// and its reconnection, reported as plain events.

import JsSIP from 'jssip';
import { escapeUser } from './number.js';

/**
 * @typedef {object} PhoneOptions
 * @property {string} server ws:// or wss:// URL
 * @property {string} aorUser user part of the registered address
 * @property {string} authUser digest user name
 * @property {string} secret digest password or token
 * @property {string} domain SIP domain
 * @property {string} [displayName]
 */

/**
 * A SIP phone. Events:
 * - "connection" detail {state: 'connecting'|'connected'|'disconnected', attempts, error}
 * - "registration" detail {state: 'registered'|'unregistered'|'failed', cause, code, reason}
 * - "incoming" detail {session}
 */
export class Phone extends EventTarget {
  constructor() {
    super();
    /** @type {any} */
    this.ua = null;
    /** @type {PhoneOptions|null} */
    this.opts = null;
  }

  /** Reports whether a UA is running. */
  get running() {
    return this.ua !== null;
  }

  /** Reports whether calls can be sent: the WebSocket is open. */
  get canCall() {
    return this.ua !== null && this.ua.isConnected();
  }

  /**
   * Starts the UA: opens the WebSocket (RFC 7118) and registers (RFC 3261
   * §10) with Expires 600, re-registering before expiry and after every
   * reconnection. Throws JsSIP's ConfigurationError for bad settings.
   * @param {PhoneOptions} o
   */
  start(o) {
    this.stop();
    this.opts = o;
    const socket = new JsSIP.WebSocketInterface(o.server);
    const ua = new JsSIP.UA({
      sockets: [socket],
      uri: `sip:${escapeUser(o.aorUser)}@${o.domain}`,
      authorization_user: o.authUser,
      password: o.secret,
      display_name: o.displayName || undefined,
      register: true,
      register_expires: 600,
      session_timers: true,
      // Seconds between WebSocket reconnection attempts (JsSIP backs off
      // exponentially within these bounds).
      connection_recovery_min_interval: 2,
      connection_recovery_max_interval: 30,
      user_agent: `callgate-dialer JsSIP/${JsSIP.version}`,
    });
    this.ua = ua;
    const emit = (type, detail) => {
      if (this.ua === ua) this.dispatchEvent(new CustomEvent(type, { detail }));
    };
    ua.on('connecting', (e) => emit('connection', { state: 'connecting', attempts: (e && e.attempts) || 0 }));
    ua.on('connected', () => emit('connection', { state: 'connected', attempts: 0 }));
    ua.on('disconnected', (e) => emit('connection', { state: 'disconnected', error: Boolean(e && e.error), code: e && e.code }));
    ua.on('registered', () => emit('registration', { state: 'registered' }));
    ua.on('unregistered', () => emit('registration', { state: 'unregistered' }));
    ua.on('registrationFailed', (e) => emit('registration', {
      state: 'failed',
      cause: e && e.cause,
      code: e && e.response ? e.response.status_code : null,
      reason: e && e.response ? e.response.reason_phrase : '',
    }));
    ua.on('newRTCSession', (e) => {
      if (e.originator === 'remote') emit('incoming', { session: e.session, request: e.request });
    });
    ua.start();
  }

  /**
   * Replaces the digest credentials without dropping the connection or a
   * call: the next REGISTER refresh uses them (for refreshed tokens).
   * @param {string} authUser
   * @param {string} secret
   */
  updateCredentials(authUser, secret) {
    if (!this.ua || !this.opts) return;
    this.ua.set('authorization_user', authUser);
    this.ua.set('password', secret);
    this.opts = { ...this.opts, authUser, secret };
  }

  /** Registers again now (after "Go online" on a running UA). */
  register() {
    if (this.ua) this.ua.register();
  }

  /**
   * Starts a call. The caller passes the microphone stream and the JsSIP
   * event handlers; the returned RTCSession is live.
   * @param {string} target SIP URI
   * @param {{mediaStream: MediaStream, pcConfig: RTCConfiguration, eventHandlers: object}} o
   */
  call(target, o) {
    if (!this.ua) throw new Error('not started');
    return this.ua.call(target, {
      mediaStream: o.mediaStream,
      mediaConstraints: { audio: true, video: false },
      pcConfig: o.pcConfig,
      eventHandlers: o.eventHandlers,
      rtcOfferConstraints: { offerToReceiveAudio: true, offerToReceiveVideo: false },
    });
  }

  /**
   * Stops the UA: unregisters (RFC 3261 §10.2.2, Expires 0), ends its calls
   * and closes the WebSocket. Idempotent.
   */
  stop() {
    const ua = this.ua;
    this.ua = null;
    this.opts = null;
    if (ua) {
      try {
        ua.stop();
      } catch {
        // already stopping
      }
    }
  }
}

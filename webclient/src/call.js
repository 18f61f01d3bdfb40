// One call: a JsSIP RTCSession seen as a small state machine with the
// events the element needs.

import { stopStream } from './media.js';

/**
 * @typedef {'calling'|'ringing'|'incoming'|'answering'|'in-call'|'ended'} CallState
 * @typedef {{cause: string, code: number|null, reason: string, originator: string, answered: boolean}} EndInfo
 */

let lastId = 0;

/**
 * A call in progress. Events: "state" (detail: {state}), "track" (detail:
 * {stream}), "flags" (mute or hold changed), "early-media", "ended" (detail:
 * EndInfo), "transfer" (detail: {phase, code, reason}).
 */
export class Call extends EventTarget {
  /**
   * @param {{direction: 'in'|'out', peer: string, name?: string}} o
   */
  constructor(o) {
    super();
    /** Number of this call within the page, for events and the DOM. */
    this.id = ++lastId;
    this.direction = o.direction;
    this.peer = o.peer;
    this.name = o.name || '';
    /** @type {CallState} */
    this.state = o.direction === 'in' ? 'incoming' : 'calling';
    this.muted = false;
    this.held = false;
    this.remoteHeld = false;
    this.startedAt = Date.now();
    /** @type {number|null} */
    this.answeredAt = null;
    /** @type {MediaStream|null} */
    this.localStream = null;
    /** @type {any} JsSIP RTCSession */
    this.session = null;
    this.declinedLocally = false;
    this.earlyMedia = false;
    /** @type {MediaStream|null} the far end's audio */
    this.remoteStream = null;
    /** Entry of this call in the history store. */
    this.historyId = '';
    /** Ended by a successful transfer (RFC 3515), not by either party. */
    this.transferred = false;
  }

  /**
   * JsSIP event handlers for this call, given to ua.call() so none is
   * missed: the peer connection is created before ua.call() returns.
   */
  handlers() {
    return {
      peerconnection: (e) => this.watchPeer(e.peerconnection),
      progress: (e) => this.onProgress(e),
      accepted: () => this.onAccepted(),
      confirmed: () => this.onAccepted(),
      ended: (e) => this.onEnd(e),
      failed: (e) => this.onEnd(e),
      hold: (e) => this.onHold(e, true),
      unhold: (e) => this.onHold(e, false),
      muted: () => this.setFlag('muted', true),
      unmuted: () => this.setFlag('muted', false),
    };
  }

  /**
   * Attaches to a session created by JsSIP for an incoming call.
   * @param {any} session
   */
  bindIncoming(session) {
    this.session = session;
    for (const [name, fn] of Object.entries(this.handlers())) session.on(name, fn);
  }

  /**
   * Remembers the session of an outgoing call (handlers were passed to
   * ua.call) and the microphone stream it sends.
   * @param {any} session
   * @param {MediaStream} stream
   */
  bindOutgoing(session, stream) {
    this.session = session;
    this.localStream = stream;
    if (session.connection) this.watchPeer(session.connection);
  }

  /** @param {RTCPeerConnection} pc */
  watchPeer(pc) {
    if (!pc || this.pc === pc) return;
    this.pc = pc;
    pc.addEventListener('track', (ev) => {
      const stream = ev.streams && ev.streams[0] ? ev.streams[0] : new MediaStream([ev.track]);
      this.remoteStream = stream;
      this.dispatchEvent(new CustomEvent('track', { detail: { stream } }));
    });
  }

  /** @param {CallState} s */
  setState(s) {
    if (this.state === s || this.state === 'ended') return;
    this.state = s;
    this.dispatchEvent(new CustomEvent('state', { detail: { state: s } }));
  }

  setFlag(name, value) {
    if (this[name] === value) return;
    this[name] = value;
    this.dispatchEvent(new CustomEvent('flags'));
  }

  onProgress(e) {
    if (this.direction !== 'out') return;
    const r = e && e.response;
    // RFC 3261 §21.1: 180 Ringing; RFC 3960: a 183 with SDP carries early
    // media, which replaces the local ringback.
    if (r && r.body && !this.earlyMedia) {
      this.earlyMedia = true;
      this.dispatchEvent(new CustomEvent('early-media'));
    }
    if (r && r.status_code >= 180) this.setState('ringing');
  }

  onAccepted() {
    if (this.answeredAt === null) this.answeredAt = Date.now();
    this.setState('in-call');
  }

  onHold(e, on) {
    this.setFlag(e && e.originator === 'remote' ? 'remoteHeld' : 'held', on);
  }

  onEnd(e) {
    if (this.state === 'ended') return;
    const msg = e && e.message;
    const code = msg && typeof msg.status_code === 'number' ? msg.status_code : null;
    /** @type {EndInfo} */
    const info = {
      cause: (e && e.cause) || '',
      code,
      reason: (msg && msg.reason_phrase) || '',
      originator: (e && e.originator) || 'system',
      answered: this.answeredAt !== null,
    };
    stopStream(this.localStream);
    this.localStream = null;
    this.state = 'ended';
    this.dispatchEvent(new CustomEvent('state', { detail: { state: 'ended' } }));
    this.dispatchEvent(new CustomEvent('ended', { detail: info }));
  }

  /**
   * Answers an incoming call with the given microphone stream.
   * @param {MediaStream} stream
   * @param {RTCConfiguration} pcConfig
   */
  answer(stream, pcConfig) {
    if (this.state !== 'incoming') return;
    this.localStream = stream;
    this.setState('answering');
    this.session.answer({ mediaStream: stream, pcConfig, mediaConstraints: { audio: true, video: false } });
  }

  /**
   * Ends the call whatever its state: CANCEL before an answer, BYE after,
   * and for an incoming call not yet answered 603 Decline (RFC 3261
   * §21.6.2), or 486 Busy Here (§21.4.24) when the dialer is busy: on its
   * own (o.busy), or because the user declined a waiting call (o.busy and
   * o.byUser; the history records it as declined).
   * @param {{busy?: boolean, byUser?: boolean}} [o]
   */
  hangup(o = {}) {
    if (this.state === 'ended' || !this.session) return;
    try {
      if (this.state === 'incoming') {
        this.declinedLocally = !o.busy || Boolean(o.byUser);
        this.session.terminate(o.busy ? { status_code: 486, reason_phrase: 'Busy Here' } : { status_code: 603, reason_phrase: 'Decline' });
      } else {
        this.session.terminate();
      }
    } catch {
      // already terminated inside JsSIP
    }
  }

  /**
   * Sends one DTMF digit. RFC 4733 telephone-events on the media path are
   * tried first (JsSIP "RFC2833" transport through RTCDTMFSender):
   * callgate relays them to the phone untouched. If the answer carried no
   * telephone-event, SIP INFO (application/dtmf-relay) is used instead.
   * @param {string} digit
   * @returns {'rtp'|'info'|null}
   */
  sendDTMF(digit) {
    if (this.state !== 'in-call') return null;
    const opts = { duration: 120, interToneGap: 70 };
    const sender = this.pc && this.pc.getSenders().find((s) => s.track && s.track.kind === 'audio');
    if (sender && sender.dtmf && sender.dtmf.canInsertDTMF) {
      try {
        this.session.sendDTMF(digit, { ...opts, transportType: 'RFC2833' });
        return 'rtp';
      } catch {
        // fall through to INFO
      }
    }
    try {
      this.session.sendDTMF(digit, { ...opts, transportType: 'INFO' });
      return 'info';
    } catch {
      return null;
    }
  }

  /** @param {boolean} on */
  setMuted(on) {
    if (this.state === 'ended' || !this.session) return;
    if (on) this.session.mute({ audio: true });
    else this.session.unmute({ audio: true });
  }

  /**
   * Holds or resumes the call with a re-INVITE (RFC 3264 §8.4: a=sendonly
   * to hold, a=sendrecv to resume). Returns false when JsSIP refuses (for
   * instance while another re-INVITE is pending).
   * @param {boolean} on
   */
  setHeld(on) {
    if (this.state !== 'in-call') return false;
    return on ? this.session.hold() !== false : this.session.unhold() !== false;
  }

  /**
   * Transfers this call's party (RFC 3515 REFER). Blind (RFC 5589 §6) to
   * a SIP URI; attended (RFC 5589 §7) when replaces is the call with the
   * target: the Refer-To then carries a Replaces header (RFC 3891 §3)
   * naming that call's dialog, so the target's call with us is replaced
   * by one with this call's party. The "transfer" event reports phases
   * "sent" (2xx to the REFER), "progress" (a NOTIFY with a 1xx sipfrag,
   * RFC 3515 §2.4.5), "done" (a NOTIFY with a 2xx sipfrag; this call is
   * then hung up) and "failed".
   * @param {any} target SIP URI, as a string or a JsSIP URI
   * @param {{replaces?: Call}} [o]
   */
  transfer(target, o = {}) {
    if (this.state !== 'in-call') return false;
    const report = (phase, code = null, reason = '') =>
      this.dispatchEvent(new CustomEvent('transfer', { detail: { phase, code, reason, attended: Boolean(o.replaces) } }));
    const line = (e) => (e && e.status_line ? e.status_line : {});
    /** @type {Record<string, any>} */
    const options = {
      eventHandlers: {
        requestSucceeded: () => report('sent'),
        requestFailed: (e) => report('failed', e && e.response ? e.response.status_code : null, e && e.response ? e.response.reason_phrase : e && e.cause),
        trying: (e) => report('progress', line(e).status_code ?? 100, line(e).reason_phrase || ''),
        progress: (e) => report('progress', line(e).status_code ?? null, line(e).reason_phrase || ''),
        accepted: () => {
          report('done');
          this.hangup();
        },
        failed: (e) => report('failed', line(e).status_code ?? null, line(e).reason_phrase || ''),
      },
    };
    if (o.replaces) {
      if (!o.replaces.session || o.replaces.state !== 'in-call') return false;
      options.replaces = o.replaces.session;
    }
    try {
      return Boolean(this.session.refer(target, options));
    } catch {
      return false;
    }
  }

  /**
   * Swaps the microphone during a call without renegotiation
   * (RTCRtpSender.replaceTrack), keeping the mute state.
   * @param {MediaStream} stream
   */
  async replaceMicrophone(stream) {
    const track = stream.getAudioTracks()[0];
    const sender = this.pc && this.pc.getSenders().find((s) => s.track && s.track.kind === 'audio');
    if (!track || !sender) {
      stopStream(stream);
      return;
    }
    track.enabled = !this.muted;
    await sender.replaceTrack(track);
    stopStream(this.localStream);
    this.localStream = stream;
  }
}

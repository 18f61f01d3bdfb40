// Test page driven through window.cg: a JsSIP user agent registered over
// SIP over WebSocket, making and taking one audio call at a time.
import JsSIP from 'jssip';
import { state, update, render, attachRemote, detachRemote, tone, rtpStats, waitFor, waitCall } from './common.js';

JsSIP.debug.disable('JsSIP:*');

let ua = null;
let session = null;

const media = { mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] } };

function watch(s) {
  session = s;
  update({ calls: state.calls + 1, held: false, cause: '' });
  const hookPC = (pc) => {
    pc.addEventListener('track', (e) => attachRemote(e.streams[0] || new MediaStream([e.track])));
  };
  if (s.connection) hookPC(s.connection);
  s.on('peerconnection', (e) => hookPC(e.peerconnection));
  s.on('progress', () => update({ call: s.direction === 'outgoing' ? 'ringing' : state.call }));
  s.on('confirmed', () => update({ call: 'confirmed' }));
  s.on('ended', (e) => {
    update({ call: 'ended', cause: `${e.originator}: ${e.cause}` });
    detachRemote();
  });
  s.on('failed', (e) => {
    update({ call: 'failed', cause: `${e.originator}: ${e.cause}` });
    detachRemote();
  });
  s.on('hold', () => update({ held: true }));
  s.on('unhold', () => update({ held: false }));
}

window.cg = {
  /** register starts the user agent and resolves once registered. */
  async register({ ws, uri, password }) {
    update({ library: 'JsSIP ' + JsSIP.version, user: uri });
    ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(ws)],
      uri,
      password,
      register: true,
      session_timers: true,
      user_agent: 'callgate-e2e JsSIP ' + JsSIP.version,
    });
    ua.on('registered', () => update({ registered: true }));
    ua.on('unregistered', () => update({ registered: false }));
    ua.on('registrationFailed', (e) => update({ registered: false, cause: 'registration: ' + e.cause }));
    ua.on('newRTCSession', (e) => {
      if (e.originator !== 'remote') return;
      if (session && !session.isEnded()) {
        e.session.terminate({ status_code: 486 });
        return;
      }
      watch(e.session);
      update({ call: 'incoming', direction: 'incoming', peer: e.request.from.uri.toString() });
    });
    ua.start();
    await waitFor(() => state.registered || state.cause.startsWith('registration'), 15000, 'registration');
    if (!state.registered) throw new Error(state.cause);
    return true;
  },
  /** call dials target and resolves when the call is confirmed. */
  async call(target) {
    update({ call: 'calling', direction: 'outgoing', peer: target });
    watch(ua.call(target, media));
    await waitCall('confirmed');
    return true;
  },
  /** answer takes the incoming call, waiting up to ms for it to arrive. */
  async answer(ms = 15000) {
    await waitFor(() => state.call === 'incoming', ms, 'an incoming call');
    session.answer(media);
    await waitCall('confirmed');
    return true;
  },
  /** hangup ends the call and resolves when it has ended. */
  async hangup() {
    if (session && !session.isEnded()) session.terminate();
    await waitFor(() => state.call === 'ended' || state.call === 'failed', 10000, 'hang-up');
    return state.cause;
  },
  /** waitEnded resolves when the far end has ended the call. */
  async waitEnded(ms = 10000) {
    await waitFor(() => state.call === 'ended' || state.call === 'failed', ms, 'the call to end');
    return state.cause;
  },
  /** hold puts the call on hold with a re-INVITE (sendonly). */
  hold() {
    return new Promise((resolve, reject) => {
      if (!session.hold({}, () => resolve(true))) reject(new Error('hold refused in state ' + state.call));
      setTimeout(() => reject(new Error('hold timed out')), 10000);
    });
  },
  /** unhold resumes the call with a re-INVITE (sendrecv). */
  unhold() {
    return new Promise((resolve, reject) => {
      if (!session.unhold({}, () => resolve(true))) reject(new Error('unhold refused in state ' + state.call));
      setTimeout(() => reject(new Error('unhold timed out')), 10000);
    });
  },
  /** dtmf sends digits as SIP INFO ("INFO") or RFC 4733 ("RFC2833"). */
  async dtmf(digits, transportType = 'INFO') {
    session.sendDTMF(digits, { transportType, duration: 160, interToneGap: 240 });
    await new Promise((r) => setTimeout(r, digits.length * 500 + 300));
    return true;
  },
  /** stats sums the call's getStats() audio counters. */
  stats() {
    return rtpStats(session && session.connection);
  },
  /** tone analyses what the browser hears for ms milliseconds. */
  tone(ms) {
    return tone(ms);
  },
  /** state returns the page's view of registration and call. */
  state() {
    return JSON.parse(JSON.stringify(state));
  },
  /** stop unregisters and closes the user agent. */
  async stop() {
    if (ua) ua.stop();
    await waitFor(() => !state.registered, 5000, 'unregistration').catch(() => {});
    return true;
  },
};

render();

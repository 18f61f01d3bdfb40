// Test page driven through window.cg: a SIP.js 0.21 user agent (its
// UserAgent, Registerer, Inviter and Invitation API) registered over SIP
// over WebSocket, making and taking one audio call at a time.
import { UserAgent, Registerer, RegistererState, Inviter, SessionState } from 'sip.js';
import { state, update, render, attachRemote, detachRemote, tone, rtpStats, waitFor, waitCall } from './common.js';

let ua = null;
let registerer = null;
let session = null;

const sdhOptions = { constraints: { audio: true, video: false } };

function pc() {
  return session && session.sessionDescriptionHandler ? session.sessionDescriptionHandler.peerConnection : null;
}

function watch(s) {
  session = s;
  update({ calls: state.calls + 1, held: false, cause: '' });
  s.stateChange.addListener((st) => {
    switch (st) {
      case SessionState.Established:
        attachRemote(s.sessionDescriptionHandler.remoteMediaStream);
        update({ call: 'confirmed' });
        break;
      case SessionState.Terminated:
        detachRemote();
        if (state.call !== 'confirmed' && state.call !== 'ended') update({ call: 'failed' });
        else update({ call: 'ended' });
        break;
    }
  });
}

window.cg = {
  /** register starts the user agent and resolves once registered. */
  async register({ ws, uri, password }) {
    update({ library: 'SIP.js', user: uri });
    const u = UserAgent.makeURI(uri);
    ua = new UserAgent({
      uri: u,
      authorizationUsername: u.user,
      authorizationPassword: password,
      transportOptions: { server: ws },
      logLevel: 'warn',
      userAgentString: 'callgate-e2e SIP.js',
      sessionDescriptionHandlerFactoryOptions: { peerConnectionConfiguration: { iceServers: [] } },
      delegate: {
        onInvite(inv) {
          if (session && session.state !== SessionState.Terminated) {
            inv.reject({ statusCode: 486 });
            return;
          }
          watch(inv);
          update({ call: 'incoming', direction: 'incoming', peer: inv.remoteIdentity.uri.toString() });
        },
      },
    });
    await ua.start();
    registerer = new Registerer(ua);
    registerer.stateChange.addListener((st) => update({ registered: st === RegistererState.Registered }));
    await registerer.register({
      requestDelegate: { onReject: (r) => update({ cause: 'registration: ' + r.message.statusCode }) },
    });
    await waitFor(() => state.registered || state.cause.startsWith('registration'), 15000, 'registration');
    if (!state.registered) throw new Error(state.cause);
    return true;
  },
  /** call dials target and resolves when the call is confirmed. */
  async call(target) {
    update({ call: 'calling', direction: 'outgoing', peer: target });
    const inviter = new Inviter(ua, UserAgent.makeURI(target), { sessionDescriptionHandlerOptions: sdhOptions });
    watch(inviter);
    await inviter.invite({
      requestDelegate: {
        onProgress: () => update({ call: state.call === 'calling' ? 'ringing' : state.call }),
        onReject: (r) => update({ cause: 'remote: ' + r.message.statusCode + ' ' + r.message.reasonPhrase }),
      },
    });
    await waitCall('confirmed');
    return true;
  },
  /** answer takes the incoming call, waiting up to ms for it to arrive. */
  async answer(ms = 15000) {
    await waitFor(() => state.call === 'incoming', ms, 'an incoming call');
    await session.accept({ sessionDescriptionHandlerOptions: sdhOptions });
    await waitCall('confirmed');
    return true;
  },
  /** hangup ends the call and resolves when it has ended. */
  async hangup() {
    switch (session && session.state) {
      case SessionState.Established:
        update({ cause: 'local: bye' });
        await session.bye();
        break;
      case SessionState.Establishing:
      case SessionState.Initial:
        if (session instanceof Inviter) await session.cancel();
        else await session.reject();
        break;
    }
    await waitFor(() => state.call === 'ended' || state.call === 'failed', 10000, 'hang-up');
    return state.cause;
  },
  /** waitEnded resolves when the far end has ended the call. */
  async waitEnded(ms = 10000) {
    await waitFor(() => state.call === 'ended' || state.call === 'failed', ms, 'the call to end');
    if (!state.cause) update({ cause: 'remote: bye' });
    return state.cause;
  },
  /** stats sums the call's getStats() audio counters. */
  stats() {
    return rtpStats(pc());
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
    if (registerer) await registerer.unregister().catch(() => {});
    if (ua) await ua.stop();
    return true;
  },
};

render();

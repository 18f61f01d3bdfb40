// Human messages for what the SIP stack and the browser report. Each
// returns a stable machine code (used in callgate:error events) and text.

/** JsSIP's cause strings (JsSIP.C.causes), kept here so tests need no JsSIP. */
export const Causes = Object.freeze({
  CONNECTION_ERROR: 'Connection Error',
  REQUEST_TIMEOUT: 'Request Timeout',
  SIP_FAILURE_CODE: 'SIP Failure Code',
  INTERNAL_ERROR: 'Internal Error',
  BUSY: 'Busy',
  REJECTED: 'Rejected',
  REDIRECTED: 'Redirected',
  UNAVAILABLE: 'Unavailable',
  NOT_FOUND: 'Not Found',
  ADDRESS_INCOMPLETE: 'Address Incomplete',
  INCOMPATIBLE_SDP: 'Incompatible SDP',
  MISSING_SDP: 'Missing SDP',
  AUTHENTICATION_ERROR: 'Authentication Error',
  BYE: 'Terminated',
  WEBRTC_ERROR: 'WebRTC Error',
  CANCELED: 'Canceled',
  NO_ANSWER: 'No Answer',
  EXPIRES: 'Expires',
  NO_ACK: 'No ACK',
  DIALOG_ERROR: 'Dialog Error',
  USER_DENIED_MEDIA_ACCESS: 'User Denied Media Access',
  BAD_MEDIA_DESCRIPTION: 'Bad Media Description',
  RTP_TIMEOUT: 'RTP Timeout',
});

/**
 * @typedef {object} Message
 * @property {string} code stable identifier, e.g. "auth-failed"
 * @property {string} text a sentence for people
 */

/**
 * Explains a failed REGISTER (RFC 3261 §10.3: 401/407 ask for credentials;
 * a second challenge after ours means they were wrong; 403 refuses them).
 * @param {{cause?: string, code?: number|null, reason?: string, token?: boolean, tokenExpired?: boolean}} f
 * @returns {Message}
 */
export function registrationFailure(f) {
  const code = f.code ?? null;
  const reason = (f.reason || '').toLowerCase();
  if (f.tokenExpired || (code === 403 && reason.includes('expired'))) {
    return { code: 'token-expired', text: 'Your access token has expired. Reload the page to get a new one.' };
  }
  if (code === 401 || code === 407 || f.cause === Causes.AUTHENTICATION_ERROR) {
    return f.token
      ? { code: 'auth-failed', text: 'The gateway did not accept the access token.' }
      : { code: 'auth-failed', text: 'Wrong user name or password.' };
  }
  if (code === 403) {
    return f.token
      ? { code: 'forbidden', text: 'The gateway refused the access token.' }
      : { code: 'forbidden', text: 'The gateway refused this account. After several wrong passwords it blocks sign-in for a while; check the password and try again later.' };
  }
  if (code === 404) {
    return { code: 'not-found', text: 'The gateway does not know this account or domain.' };
  }
  if (f.cause === Causes.CONNECTION_ERROR || f.cause === Causes.REQUEST_TIMEOUT || code === 408) {
    return { code: 'unreachable', text: 'The gateway is not answering. Retrying…' };
  }
  if (code !== null && code >= 500) {
    return { code: 'server-error', text: `The gateway could not sign you in (${code}${f.reason ? ' ' + f.reason : ''}). Retrying…` };
  }
  return { code: 'registration-failed', text: `Sign-in failed${code ? ` (${code}${f.reason ? ' ' + f.reason : ''})` : ''}.` };
}

/**
 * Explains a WebSocket that closed or never opened.
 * @param {{server: string, attempts?: number, online?: boolean}} c
 * @returns {Message}
 */
export function connectionLost(c) {
  let host = c.server;
  try {
    host = new URL(c.server).host;
  } catch {
    // keep the raw value
  }
  return {
    code: 'unreachable',
    text: c.online === false
      ? 'You are offline. The dialer reconnects when the network is back.'
      : `Cannot reach the gateway at ${host}. Reconnecting…`,
  };
}

/**
 * Explains how a call ended. Normal endings (BYE from either side, a call
 * we cancelled or declined) give kind "info"; the rest give kind "error".
 * @param {{cause?: string, code?: number|null, reason?: string, originator?: string,
 *   direction?: 'in'|'out', answered?: boolean, peer?: string, token?: boolean}} e
 * @returns {Message & {kind: 'info'|'error'}}
 */
export function callEnd(e) {
  const who = e.peer || 'The other party';
  const code = e.code ?? null;
  const info = (c, text) => ({ kind: 'info', code: c, text });
  const error = (c, text) => ({ kind: 'error', code: c, text });
  switch (e.cause) {
    case Causes.BYE:
      return info('ended', e.originator === 'local' ? 'Call ended.' : `${who} hung up.`);
    case Causes.CANCELED:
      if (e.direction === 'in') return info('missed', `Missed call from ${who}.`);
      return info('cancelled', 'Call cancelled.');
    case Causes.BUSY:
      // Our own 486 to a waiting call the user declined.
      if (e.direction === 'in' && e.originator === 'local') return info('declined', 'Call declined.');
      return error('busy', `${who} is busy.`);
    case Causes.UNAVAILABLE:
      return error('unavailable', `${who} is not available right now.`);
    case Causes.NOT_FOUND:
      return error('not-found', `${who} is not available: no such user or number.`);
    case Causes.ADDRESS_INCOMPLETE:
      return error('incomplete', 'The number is incomplete.');
    case Causes.REJECTED:
      if (e.direction === 'in' && e.originator === 'local') return info('declined', 'Call declined.');
      if (code === 403) {
        // Not "forbidden": that code means a refused sign-in, and pages
        // send the user back to their sign-in form on it.
        const number = e.peer ? ` ${e.peer}` : ' this number';
        return error('not-allowed', e.token ? `Your access does not allow calling${number}.` : `The gateway does not allow calling${number}.`);
      }
      return error('rejected', `${who} declined the call.`);
    case Causes.NO_ANSWER:
    case Causes.EXPIRES:
      return e.direction === 'in' ? info('missed', `Missed call from ${who}.`) : error('no-answer', `${who} did not answer.`);
    case Causes.USER_DENIED_MEDIA_ACCESS:
      return error('mic-denied', micDeniedText);
    case Causes.INCOMPATIBLE_SDP:
    case Causes.BAD_MEDIA_DESCRIPTION:
    case Causes.MISSING_SDP:
      return error('media', 'The call could not agree on audio settings.');
    case Causes.WEBRTC_ERROR:
      return error('media', 'The browser could not set up the audio connection.');
    case Causes.RTP_TIMEOUT:
      return error('media', 'The audio connection was lost.');
    case Causes.CONNECTION_ERROR:
    case Causes.REQUEST_TIMEOUT:
      return error('unreachable', 'The gateway stopped answering; the call was dropped.');
    case Causes.AUTHENTICATION_ERROR:
      return error('auth-failed', 'The gateway did not accept your credentials for this call.');
    case Causes.NO_ACK:
    case Causes.DIALOG_ERROR:
      return error('dropped', 'The call was dropped.');
    case Causes.REDIRECTED:
      return error('redirected', `${who} has moved; the call was not forwarded.`);
    default:
      if (code === 503) return error('unavailable', 'The gateway cannot place calls right now.');
      if (code && code >= 400) return error('failed', `The call failed (${code}${e.reason ? ' ' + e.reason : ''}).`);
      return e.answered ? info('ended', 'Call ended.') : error('failed', 'The call failed.');
  }
}

const micDeniedText = 'Microphone access is blocked. Allow the microphone for this site (the icon in the address bar), then try again.';

/**
 * Explains a getUserMedia failure (Media Capture and Streams §10.2 error
 * names) or a page where the microphone API is missing.
 * @param {{name?: string, message?: string}|null|undefined} err
 * @returns {Message}
 */
export function mediaError(err) {
  switch (err && err.name) {
    case 'NotAllowedError':
    case 'SecurityError':
    case 'PermissionDeniedError':
      return { code: 'mic-denied', text: micDeniedText };
    case 'NotFoundError':
    case 'OverconstrainedError':
    case 'DevicesNotFoundError':
      return { code: 'mic-missing', text: 'No microphone was found. Connect one, or pick another in Devices.' };
    case 'NotReadableError':
    case 'AbortError':
    case 'TrackStartError':
      return { code: 'mic-busy', text: 'The microphone could not be started; another application may be using it.' };
    case 'InsecureContext':
      return { code: 'insecure-context', text: 'The microphone needs a secure page: open the dialer over https:// or on localhost.' };
    default:
      return { code: 'mic-error', text: 'The microphone could not be opened.' };
  }
}

/**
 * The sentence the polite live region reads for a call state. With a
 * second call (other), a sentence about it follows.
 * @param {string} state
 * @param {{peer?: string, held?: boolean, other?: SecondCall|null}} [ctx]
 */
export function announce(state, ctx = {}) {
  const peer = ctx.peer || 'unknown caller';
  const o = ctx.other;
  const also = o ? ` ${o.peer || 'The other caller'} ${o.state === 'incoming' ? 'is still ringing' : o.held ? 'is on hold' : 'is also connected'}.` : '';
  switch (state) {
    case 'calling': return `Calling ${peer}.`;
    case 'ringing': return `${peer} is ringing.`;
    case 'incoming': return `Incoming call from ${peer}. Press Enter to answer or Escape to decline.${also}`;
    case 'answering': return 'Connecting the call.';
    case 'in-call': return (ctx.held ? `Call with ${peer} on hold.` : `Connected to ${peer}.`) + also;
    case 'ended': return 'Call ended.';
    default: return '';
  }
}

/**
 * @typedef {object} SecondCall
 * @property {string} peer
 * @property {string} state a Call state
 * @property {boolean} [held]
 * @property {boolean} [remoteHeld]
 * @property {boolean} [transferring]
 */

/**
 * The state word shown in the second-call row.
 * @param {SecondCall} c
 */
export function secondCallLabel(c) {
  if (c.transferring) return 'Transferring…';
  switch (c.state) {
    case 'incoming': return 'Ringing';
    case 'calling':
    case 'ringing': return 'Calling';
    case 'answering': return 'Connecting';
    case 'in-call': return c.held ? 'On hold' : c.remoteHeld ? 'Held by the other party' : 'Active';
    default: return '';
  }
}

/**
 * What the live region says when a call rings beside the current one.
 * @param {string} peer the waiting caller
 * @param {string} current the party of the current call
 * @param {boolean} [connected] the current call is connected (it is put
 *   on hold when the waiting one is answered); default true
 */
export function announceWaiting(peer, current, connected = true) {
  const who = peer || 'unknown caller';
  if (!connected) return `Another call from ${who} is ringing; it is in the second-call row.`;
  return `Call waiting from ${who}. Answer it in the second-call row, which puts ${current || 'the current call'} on hold, or press Escape to decline.`;
}

/**
 * Explains a transfer's progress. Blind transfers (RFC 5589 §6) name only
 * the call; attended ones (§7) name both parties.
 * @param {{phase: string, code?: number|null, reason?: string, attended?: boolean, timeout?: boolean}} d
 * @param {{transferee?: string, target?: string}} [ctx]
 * @returns {Message & {kind: 'info'|'error'}}
 */
export function transferMessage(d, ctx = {}) {
  const what = d.code ? ` (${d.code}${d.reason ? ' ' + d.reason : ''})` : '';
  const a = ctx.transferee || 'the other party';
  const b = ctx.target || 'the other call';
  if (!d.attended) {
    switch (d.phase) {
      case 'sent': return { kind: 'info', code: 'transfer-sent', text: 'Transfer accepted; connecting the other party…' };
      case 'progress': return { kind: 'info', code: 'transfer-progress', text: `Transferring${what}…` };
      case 'done': return { kind: 'info', code: 'transferred', text: 'Call transferred.' };
      default: return { kind: 'error', code: 'transfer-failed', text: `The transfer did not go through${what}. You are still on the call.` };
    }
  }
  switch (d.phase) {
    case 'sent': return { kind: 'info', code: 'transfer-sent', text: `Transfer accepted; connecting ${a} to ${b}…` };
    case 'progress': return { kind: 'info', code: 'transfer-progress', text: `Connecting ${a} to ${b}${what}…` };
    case 'done': return { kind: 'info', code: 'transferred', text: `Transferred: ${a} and ${b} are connected.` };
    default:
      if (d.timeout) return { kind: 'error', code: 'transfer-failed', text: `The transfer got no final answer from ${a}. You are still on both calls.` };
      return { kind: 'error', code: 'transfer-failed', text: `The transfer did not go through${what}. You are still on both calls.` };
  }
}

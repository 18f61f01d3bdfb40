import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registrationFailure, callEnd, mediaError, connectionLost, announce, announceWaiting, secondCallLabel, transferMessage, Causes } from './messages.js';

test('registration failures', () => {
  assert.equal(registrationFailure({ cause: Causes.AUTHENTICATION_ERROR, code: 401 }).code, 'auth-failed');
  assert.match(registrationFailure({ code: 401 }).text, /Wrong user name or password/);
  assert.equal(registrationFailure({ code: 407, token: true }).code, 'auth-failed');
  assert.equal(registrationFailure({ cause: Causes.REJECTED, code: 403, reason: 'Forbidden' }).code, 'forbidden');
  assert.equal(registrationFailure({ code: 403, reason: 'Token Expired', token: true }).code, 'token-expired');
  assert.equal(registrationFailure({ tokenExpired: true }).code, 'token-expired');
  assert.equal(registrationFailure({ cause: Causes.CONNECTION_ERROR }).code, 'unreachable');
  assert.equal(registrationFailure({ cause: Causes.REQUEST_TIMEOUT }).code, 'unreachable');
  assert.equal(registrationFailure({ code: 404 }).code, 'not-found');
  assert.equal(registrationFailure({ code: 503, reason: 'Service Unavailable' }).code, 'server-error');
  assert.match(registrationFailure({ code: 420, reason: 'Bad Extension' }).text, /420 Bad Extension/);
});

test('call endings', () => {
  const cases = [
    [{ cause: Causes.BUSY, code: 486, peer: '1001' }, 'error', 'busy', /1001 is busy/],
    [{ cause: Causes.UNAVAILABLE, code: 480, peer: '1001' }, 'error', 'unavailable', /not available/],
    [{ cause: Causes.NOT_FOUND, code: 404, peer: '1009' }, 'error', 'not-found', /no such user/],
    [{ cause: Causes.BYE, originator: 'remote', peer: '1001' }, 'info', 'ended', /1001 hung up/],
    [{ cause: Causes.BYE, originator: 'local' }, 'info', 'ended', /Call ended/],
    [{ cause: Causes.CANCELED, direction: 'in', peer: '1001' }, 'info', 'missed', /Missed call from 1001/],
    [{ cause: Causes.CANCELED, direction: 'out', originator: 'local' }, 'info', 'cancelled', /cancelled/],
    [{ cause: Causes.REJECTED, direction: 'in', originator: 'local' }, 'info', 'declined', /declined/],
    [{ cause: Causes.BUSY, code: 486, direction: 'in', originator: 'local', peer: '1002' }, 'info', 'declined', /Call declined/],
    [{ cause: Causes.REJECTED, code: 603, direction: 'out', peer: '1001' }, 'error', 'rejected', /1001 declined/],
    [{ cause: Causes.REJECTED, code: 403, direction: 'out', token: true }, 'error', 'not-allowed', /does not allow calling this number/],
    [{ cause: Causes.REJECTED, code: 403, direction: 'out', token: true, peer: '1001' }, 'error', 'not-allowed', /access does not allow calling 1001\./],
    [{ cause: Causes.REJECTED, code: 403, direction: 'out', peer: '1001' }, 'error', 'not-allowed', /gateway does not allow calling 1001/],
    [{ cause: Causes.USER_DENIED_MEDIA_ACCESS }, 'error', 'mic-denied', /Microphone/],
    [{ cause: Causes.INCOMPATIBLE_SDP, code: 488 }, 'error', 'media', /audio settings/],
    [{ cause: Causes.CONNECTION_ERROR }, 'error', 'unreachable', /gateway/],
    [{ cause: Causes.SIP_FAILURE_CODE, code: 503 }, 'error', 'unavailable', /cannot place calls/],
    [{ cause: Causes.SIP_FAILURE_CODE, code: 415, reason: 'Unsupported Media Type' }, 'error', 'failed', /415 Unsupported/],
    [{ cause: Causes.NO_ANSWER, direction: 'out', peer: '1001' }, 'error', 'no-answer', /did not answer/],
  ];
  for (const [input, kind, code, text] of cases) {
    const m = callEnd(input);
    assert.equal(m.kind, kind, JSON.stringify(input));
    assert.equal(m.code, code, JSON.stringify(input));
    assert.match(m.text, text, JSON.stringify(input));
  }
});

test('microphone errors', () => {
  assert.equal(mediaError({ name: 'NotAllowedError' }).code, 'mic-denied');
  assert.equal(mediaError({ name: 'NotFoundError' }).code, 'mic-missing');
  assert.equal(mediaError({ name: 'NotReadableError' }).code, 'mic-busy');
  assert.equal(mediaError({ name: 'InsecureContext' }).code, 'insecure-context');
  assert.equal(mediaError(null).code, 'mic-error');
});

test('connection loss names the host', () => {
  const m = connectionLost({ server: 'wss://gw.example:8443/ws' });
  assert.equal(m.code, 'unreachable');
  assert.match(m.text, /gw\.example:8443/);
  assert.match(connectionLost({ server: 'x', online: false }).text, /offline/);
});

test('announcements for the live region', () => {
  assert.equal(announce('calling', { peer: '1001' }), 'Calling 1001.');
  assert.match(announce('incoming', { peer: '1001' }), /Incoming call from 1001/);
  assert.match(announce('in-call', { peer: '1001', held: true }), /on hold/);
  assert.equal(announce('idle'), '');
});

test('announcements with a second call', () => {
  assert.equal(announce('in-call', { peer: '1002', other: { peer: '1001', state: 'in-call', held: true } }), 'Connected to 1002. 1001 is on hold.');
  assert.equal(announce('in-call', { peer: '1001', other: { peer: '1002', state: 'incoming' } }), 'Connected to 1001. 1002 is still ringing.');
  assert.match(announce('incoming', { peer: '1001', other: null }), /Press Enter to answer or Escape to decline\.$/);
  const w = announceWaiting('1002', '1001');
  assert.match(w, /^Call waiting from 1002\./);
  assert.match(w, /puts 1001 on hold/);
  assert.match(w, /Escape to decline/);
  assert.equal(announceWaiting('1002', '1001', false), 'Another call from 1002 is ringing; it is in the second-call row.');
});

test('second-call row labels', () => {
  assert.equal(secondCallLabel({ peer: '1', state: 'incoming' }), 'Ringing');
  assert.equal(secondCallLabel({ peer: '1', state: 'in-call', held: true }), 'On hold');
  assert.equal(secondCallLabel({ peer: '1', state: 'in-call', held: false }), 'Active');
  assert.equal(secondCallLabel({ peer: '1', state: 'in-call', remoteHeld: true }), 'Held by the other party');
  assert.equal(secondCallLabel({ peer: '1', state: 'answering' }), 'Connecting');
  assert.equal(secondCallLabel({ peer: '1', state: 'in-call', held: true, transferring: true }), 'Transferring…');
});

test('transfer progress', () => {
  assert.equal(transferMessage({ phase: 'sent' }).text, 'Transfer accepted; connecting the other party…');
  assert.equal(transferMessage({ phase: 'done' }).text, 'Call transferred.');
  const f = transferMessage({ phase: 'failed', code: 486, reason: 'Busy Here' });
  assert.equal(f.kind, 'error');
  assert.equal(f.code, 'transfer-failed');
  assert.match(f.text, /\(486 Busy Here\)\. You are still on the call\./);
  const ctx = { transferee: '1001', target: '1002' };
  assert.match(transferMessage({ phase: 'sent', attended: true }, ctx).text, /connecting 1001 to 1002/);
  assert.match(transferMessage({ phase: 'progress', attended: true, code: 180, reason: 'Ringing' }, ctx).text, /1001 to 1002 \(180 Ringing\)/);
  const d = transferMessage({ phase: 'done', attended: true }, ctx);
  assert.equal(d.kind, 'info');
  assert.match(d.text, /1001 and 1002 are connected/);
  assert.match(transferMessage({ phase: 'failed', attended: true, code: 403 }, ctx).text, /still on both calls/);
  const late = transferMessage({ phase: 'failed', attended: true, timeout: true }, ctx);
  assert.equal(late.code, 'transfer-failed');
  assert.match(late.text, /no final answer from 1001\. You are still on both calls\./);
});

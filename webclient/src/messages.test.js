import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registrationFailure, callEnd, mediaError, connectionLost, announce, Causes } from './messages.js';

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

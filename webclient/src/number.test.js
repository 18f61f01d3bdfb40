import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeNumber, isDialable, toTarget, escapeUser, isDtmfKey, displayUser, looksLikeAddress } from './number.js';

test('normalizeNumber strips grouping from pasted numbers', () => {
  const cases = [
    ['1001', '1001'],
    ['  1001 ', '1001'],
    ['+44 (20) 7946-0958', '+442079460958'],
    ['555–123–4567', '5551234567'], // en dashes
    ['555\u00a0123\u202f4567', '5551234567'], // no-break and narrow spaces
    ['030.1234.5678', '03012345678'],
    ['*21#', '*21#'],
    ['', ''],
    [null, ''],
    [undefined, ''],
  ];
  for (const [input, want] of cases) assert.equal(normalizeNumber(input), want, JSON.stringify(input));
});

test('normalizeNumber keeps SIP addresses and names intact', () => {
  assert.equal(normalizeNumber(' sip:bob.smith@example.com '), 'sip:bob.smith@example.com');
  assert.equal(normalizeNumber('alice-b'), 'alice-b');
  assert.equal(normalizeNumber('bob@example.com'), 'bob@example.com');
});

test('looksLikeAddress tells names from numbers', () => {
  assert.equal(looksLikeAddress('1001'), false);
  assert.equal(looksLikeAddress('+1 (555) 010-0000'), false);
  assert.equal(looksLikeAddress('alice'), true);
  assert.equal(looksLikeAddress('sip:1001@x'), true);
});

test('isDialable', () => {
  for (const ok of ['1001', '+4930123', '*21#', 'alice', 'bob@example.com', 'sip:bob@example.com']) {
    assert.equal(isDialable(ok), true, ok);
  }
  for (const bad of ['', '+', 'a b', 'bob@', '@host', 'sip:']) {
    assert.equal(isDialable(bad), false, bad);
  }
});

test('toTarget builds SIP URIs in the gateway domain', () => {
  assert.equal(toTarget('1001', 'localhost'), 'sip:1001@localhost');
  assert.equal(toTarget('+4930123', 'gw.example'), 'sip:+4930123@gw.example');
  assert.equal(toTarget('*21#', 'gw.example'), 'sip:*21%23@gw.example');
  assert.equal(toTarget('bob@example.com', 'gw.example'), 'sip:bob@example.com');
  assert.equal(toTarget('sips:bob@example.com', 'gw.example'), 'sips:bob@example.com');
});

test('escapeUser escapes only what RFC 3261 forbids', () => {
  assert.equal(escapeUser('a#b c'), 'a%23b%20c');
  assert.equal(escapeUser('ü'), '%C3%BC');
  assert.equal(escapeUser("a-_.!~*'()&=+$,;?/"), "a-_.!~*'()&=+$,;?/");
});

test('isDtmfKey', () => {
  for (const k of ['0', '9', '*', '#', 'A', 'd']) assert.equal(isDtmfKey(k), true, k);
  for (const k of ['+', 'E', '', '12', undefined]) assert.equal(isDtmfKey(k), false, String(k));
});

test('displayUser', () => {
  assert.equal(displayUser('sip:1001@localhost'), '1001');
  assert.equal(displayUser({ user: '%2B49', host: 'x' }), '+49');
  assert.equal(displayUser({ host: 'example.com' }), 'example.com');
  assert.equal(displayUser(null), '');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyAction } from './keyboard.js';

const k = (key, extra = {}) => ({ key, ...extra });

test('digits type when idle and send DTMF in a call', () => {
  assert.deepEqual(keyAction(k('5'), { state: 'idle', target: 'other' }), { type: 'digit', digit: '5' });
  assert.deepEqual(keyAction(k('#'), { state: 'idle', target: 'button' }), { type: 'digit', digit: '#' });
  assert.equal(keyAction(k('5'), { state: 'idle', target: 'number' }), null, 'the field types by itself');
  assert.deepEqual(keyAction(k('*'), { state: 'in-call', target: 'button' }), { type: 'dtmf', digit: '*' });
  assert.equal(keyAction(k('5'), { state: 'in-call', target: 'text' }), null, 'typing a transfer target');
  assert.equal(keyAction(k('5'), { state: 'ringing', target: 'other' }), null);
  assert.equal(keyAction(k('5', { repeat: true }), { state: 'in-call', target: 'other' }), null);
  assert.equal(keyAction(k('+'), { state: 'in-call', target: 'other' }), null);
});

test('Enter calls or answers, Escape hangs up or declines', () => {
  assert.deepEqual(keyAction(k('Enter'), { state: 'idle', target: 'number' }), { type: 'call' });
  assert.equal(keyAction(k('Enter'), { state: 'idle', target: 'button' }), null, 'a focused button handles Enter');
  assert.deepEqual(keyAction(k('Enter'), { state: 'incoming', target: 'other' }), { type: 'answer' });
  assert.deepEqual(keyAction(k('Escape'), { state: 'incoming', target: 'button' }), { type: 'decline' });
  for (const state of ['calling', 'ringing', 'answering', 'in-call']) {
    assert.deepEqual(keyAction(k('Escape'), { state, target: 'other' }), { type: 'hangup' }, state);
  }
  assert.equal(keyAction(k('Escape'), { state: 'idle', target: 'other' }), null);
});

test('Backspace deletes outside the field only', () => {
  assert.deepEqual(keyAction(k('Backspace'), { state: 'idle', target: 'other' }), { type: 'backspace' });
  assert.equal(keyAction(k('Backspace'), { state: 'idle', target: 'number' }), null);
  assert.equal(keyAction(k('Backspace'), { state: 'in-call', target: 'other' }), null);
});

test('modified keys are left to the browser', () => {
  assert.equal(keyAction(k('v', { ctrlKey: true }), { state: 'idle', target: 'other' }), null);
  assert.equal(keyAction(k('1', { metaKey: true }), { state: 'in-call', target: 'other' }), null);
  assert.equal(keyAction(k('Enter', { altKey: true }), { state: 'idle', target: 'other' }), null);
});

test('a call waiting beside a connected one: Enter answers it, Escape declines it', () => {
  const ctx = { state: 'in-call', target: 'other', waiting: true };
  assert.deepEqual(keyAction(k('Enter'), ctx), { type: 'answer-waiting' });
  assert.deepEqual(keyAction(k('Escape'), ctx), { type: 'decline-waiting' });
  assert.deepEqual(keyAction(k('Escape'), { ...ctx, target: 'button' }), { type: 'decline-waiting' }, 'never hangs up the current call by surprise');
  assert.equal(keyAction(k('Enter'), { ...ctx, target: 'button' }), null, 'a focused button handles Enter');
  assert.deepEqual(keyAction(k('5'), ctx), { type: 'dtmf', digit: '5' }, 'digits still go to the current call');
  assert.deepEqual(keyAction(k('Enter'), { ...ctx, state: 'incoming' }), { type: 'answer' }, 'a ringing current call comes first');
  assert.deepEqual(keyAction(k('Escape'), { ...ctx, waiting: false }), { type: 'hangup' });
});

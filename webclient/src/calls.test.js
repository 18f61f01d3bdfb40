import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallList, MAX_CALLS } from './calls.js';
import { Call } from './call.js';

/**
 * A stand-in for a JsSIP RTCSession: records what the dialer asks of it and
 * emits events synchronously, as JsSIP does for hold, unhold and terminate.
 */
class FakeSession {
  constructor(peer, direction = 'incoming') {
    this.peer = peer;
    this.direction = direction;
    this.handlers = {};
    this.log = [];
    this.localHold = false;
    this.reofferPending = false;
    this.ended = false;
    this.remote_identity = { uri: { toString: () => `sip:${peer}@gw.example` }, display_name: '' };
    this._request = { call_id: `call-${peer}` };
    this.refers = [];
  }

  on(name, fn) {
    (this.handlers[name] ||= []).push(fn);
  }

  emit(name, e = {}) {
    for (const fn of this.handlers[name] || []) fn(e);
  }

  answer(opts) {
    this.log.push('answer');
    this.answerOptions = opts;
  }

  /** The far end's ACK arrives: the call is connected. */
  confirm() {
    this.emit('accepted');
    this.emit('confirmed');
  }

  hold() {
    if (this.ended || this.localHold || this.reofferPending) return false;
    this.log.push('hold');
    this.localHold = true;
    this.emit('hold', { originator: 'local' });
    return true;
  }

  unhold() {
    if (this.ended || !this.localHold || this.reofferPending) return false;
    this.log.push('unhold');
    this.localHold = false;
    this.emit('unhold', { originator: 'local' });
    return true;
  }

  terminate(opts = {}) {
    if (this.ended) throw new Error('already terminated');
    this.log.push(opts.status_code ? `terminate ${opts.status_code}` : 'terminate');
    this.ended = true;
    this.emit(opts.status_code ? 'failed' : 'ended', { originator: 'local', cause: opts.status_code ? 'Rejected' : 'Terminated' });
  }

  refer(target, opts) {
    this.log.push('refer');
    const sub = { target, opts };
    this.refers.push(sub);
    return sub;
  }

  /** Fires one of the REFER subscription's handlers (JsSIP ReferSubscriber events). */
  notify(i, name, e = {}) {
    this.refers[i].opts.eventHandlers[name](e);
  }
}

/** An incoming Call bound to a fake session. */
function incoming(peer) {
  const s = new FakeSession(peer);
  const c = new Call({ direction: 'in', peer });
  c.bindIncoming(s);
  return { c, s };
}

/** An answered incoming Call. */
function connected(peer) {
  const x = incoming(peer);
  x.c.answer(null, {});
  x.s.confirm();
  assert.equal(x.c.state, 'in-call');
  return x;
}

test('the first incoming call rings, the second waits, a third is busy', () => {
  const list = new CallList();
  const a = incoming('1001');
  const b = incoming('1002');
  const c = incoming('1003');
  assert.equal(list.offer(a.c), 'ring');
  assert.equal(list.offer(b.c), 'waiting');
  assert.equal(MAX_CALLS, 2);
  assert.equal(list.offer(c.c), 'busy');
  assert.equal(list.size, 2, 'a busy call is not kept');
  assert.equal(list.current, a.c);
  assert.equal(list.other, b.c);
  assert.equal(list.has(c.c), false);
});

test('an outgoing call needs an empty list', () => {
  const list = new CallList();
  const out = new Call({ direction: 'out', peer: '1001' });
  assert.equal(list.dial(out), true);
  assert.equal(list.dial(new Call({ direction: 'out', peer: '1002' })), false);
  assert.equal(list.offer(incoming('1003').c), 'waiting', 'an incoming call may still wait beside it');
});

test('answering a waiting call holds the current one first, then answers', () => {
  const list = new CallList();
  const a = connected('1001');
  const b = incoming('1002');
  list.offer(a.c);
  list.offer(b.c);
  const order = [];
  a.s.on('hold', () => order.push('hold 1001'));
  const answer = b.s.answer.bind(b.s);
  b.s.answer = (o) => {
    order.push('answer 1002');
    answer(o);
  };
  const r = list.answer(b.c, 'mic', { iceServers: [] });
  assert.deepEqual(order, ['hold 1001', 'answer 1002'], 'RFC 3264 hold before the answer');
  assert.equal(r.held, a.c);
  assert.equal(r.holdRefused, null);
  assert.equal(r.ended, null);
  assert.equal(a.c.held, true);
  assert.equal(list.current, b.c, 'the answered call comes to the foreground');
  assert.equal(list.other, a.c);
  assert.equal(b.c.state, 'answering');
  assert.equal(b.s.answerOptions.mediaStream, 'mic');
  b.s.confirm();
  assert.equal(list.canSwap(), true);
});

test('answer reports a refused hold and does not answer what is not ringing', () => {
  const list = new CallList();
  const a = connected('1001');
  const b = incoming('1002');
  list.offer(a.c);
  list.offer(b.c);
  a.s.reofferPending = true;
  const r = list.answer(b.c, null, {});
  assert.equal(r.holdRefused, a.c);
  assert.equal(r.held, null);
  assert.equal(b.c.state, 'answering', 'the waiting caller is answered all the same');
  assert.equal(list.answer(b.c, null, {}), null, 'no longer ringing');
  assert.equal(list.answer(incoming('1003').c, null, {}), null, 'not in the list');

  // A call still connecting after its own answer is neither held nor ended.
  const l2 = new CallList();
  const x = incoming('1004');
  const y = incoming('1005');
  l2.offer(x.c);
  l2.offer(y.c);
  l2.answer(x.c, null, {});
  assert.equal(x.c.state, 'answering');
  const r2 = l2.answer(y.c, null, {});
  assert.equal(r2.holdRefused, x.c);
  assert.equal(r2.ended, null);
  assert.deepEqual(x.s.log, ['answer']);
});

test('answering while an outgoing call still rings ends that attempt', () => {
  const list = new CallList();
  const out = new Call({ direction: 'out', peer: '1001' });
  const os = new FakeSession('1001', 'outgoing');
  out.bindOutgoing(os, null);
  for (const [name, fn] of Object.entries(out.handlers())) os.on(name, fn);
  list.dial(out);
  const b = incoming('1002');
  list.offer(b.c);
  const ended = [];
  out.addEventListener('ended', () => ended.push({ current: list.current && list.current.peer }));
  const r = list.answer(b.c, null, {});
  assert.equal(r.ended, out);
  assert.deepEqual(os.log, ['terminate']);
  assert.deepEqual(ended, [{ current: '1002' }], 'the attempt ends after the answered call took the foreground');
});

test('answering one of two ringing calls leaves the other ringing', () => {
  const list = new CallList();
  const a = incoming('1001');
  const b = incoming('1002');
  list.offer(a.c);
  list.offer(b.c);
  assert.equal(list.ringing, a.c, 'the foreground call first');
  assert.equal(list.tone(), 'ring');
  const r = list.answer(b.c, null, {});
  assert.equal(r.held, null);
  assert.equal(r.ended, null);
  assert.deepEqual(a.s.log, []);
  assert.equal(list.current, b.c);
  assert.equal(list.ringing, a.c);
  assert.equal(list.tone(), 'waiting', 'now a call waits beside an active one');
});

test('swap holds the current call and resumes the other', () => {
  const list = new CallList();
  const a = connected('1001');
  const b = incoming('1002');
  list.offer(a.c);
  list.offer(b.c);
  assert.equal(list.swap(), null, 'not while the second call rings');
  list.answer(b.c, null, {});
  b.s.confirm();
  const r = list.swap();
  assert.deepEqual(r, { current: a.c, held: b.c, resumed: true });
  assert.deepEqual(b.s.log, ['answer', 'hold']);
  assert.deepEqual(a.s.log, ['answer', 'hold', 'unhold']);
  assert.equal(a.c.held, false);
  assert.equal(b.c.held, true);
  assert.equal(list.current, a.c);

  // A pending re-INVITE on the current call refuses the hold: nothing moves.
  a.s.reofferPending = true;
  assert.equal(list.swap(), null);
  assert.equal(list.current, a.c);
  assert.equal(a.c.held, false);

  // Only the resume refused: the order changes, the new current stays held.
  a.s.reofferPending = false;
  b.s.reofferPending = true;
  const r2 = list.swap();
  assert.equal(r2.resumed, false);
  assert.equal(list.current, b.c);
  assert.equal(b.c.held, true);
  assert.equal(a.c.held, true);
});

test('removing calls promotes the second one', () => {
  const list = new CallList();
  const a = connected('1001');
  const b = incoming('1002');
  list.offer(a.c);
  list.offer(b.c);
  assert.deepEqual(list.remove(b.c), { wasCurrent: false, promoted: null });
  assert.equal(list.current, a.c);
  list.offer(b.c);
  assert.deepEqual(list.remove(a.c), { wasCurrent: true, promoted: b.c });
  assert.equal(list.current, b.c);
  assert.equal(list.tone(), 'ring', 'the waiting call now rings in full');
  assert.deepEqual(list.remove(b.c), { wasCurrent: true, promoted: null });
  assert.equal(list.remove(b.c), null);
  assert.equal(list.size, 0);
  assert.equal(list.tone(), null);
});

test('transfer needs two connected calls; the held party is the transferee', () => {
  const list = new CallList();
  const a = connected('1001');
  const b = incoming('1002');
  list.offer(a.c);
  list.offer(b.c);
  assert.equal(list.canTransfer(), false, 'second call still ringing');
  assert.equal(list.transferParties(), null);
  list.answer(b.c, null, {});
  assert.equal(list.canTransfer(), false, 'second call still connecting');
  b.s.confirm();
  assert.equal(list.canTransfer(), true);
  const p = list.transferParties();
  assert.equal(p.transferee, a.c, 'on hold');
  assert.equal(p.target, b.c, 'in the foreground');

  // heldSession.refer(activeSession.remote_identity.uri, {replaces: activeSession})
  const uri = p.target.session.remote_identity.uri;
  assert.equal(p.transferee.transfer(uri, { replaces: p.target }), true);
  assert.equal(a.s.refers.length, 1);
  assert.equal(a.s.refers[0].target, uri);
  assert.equal(a.s.refers[0].opts.replaces, b.s, 'Replaces names the foreground dialog (RFC 3891)');

  const phases = [];
  a.c.addEventListener('transfer', (e) => phases.push([e.detail.phase, e.detail.code, e.detail.attended]));
  a.s.notify(0, 'requestSucceeded', { response: { status_code: 202 } });
  a.s.notify(0, 'trying', { status_line: { status_code: 100, reason_phrase: 'Trying' } });
  a.s.notify(0, 'progress', { status_line: { status_code: 180, reason_phrase: 'Ringing' } });
  a.s.notify(0, 'accepted', { status_line: { status_code: 200, reason_phrase: 'OK' } });
  assert.deepEqual(phases, [['sent', null, true], ['progress', 100, true], ['progress', 180, true], ['done', null, true]]);
  assert.equal(a.c.state, 'ended', 'the transferee call hangs up once the transfer succeeded');
  assert.ok(a.s.log.includes('terminate'));
});

test('a failed transfer keeps the call', () => {
  const a = connected('1001');
  const phases = [];
  a.c.addEventListener('transfer', (e) => phases.push([e.detail.phase, e.detail.code, e.detail.reason, e.detail.attended]));
  assert.equal(a.c.transfer('sip:1009@gw.example'), true);
  assert.equal(a.s.refers[0].opts.replaces, undefined, 'blind: no Replaces');
  a.s.notify(0, 'failed', { status_line: { status_code: 486, reason_phrase: 'Busy Here' } });
  assert.deepEqual(phases, [['failed', 486, 'Busy Here', false]]);
  assert.equal(a.c.state, 'in-call');
  const b = incoming('1002');
  assert.equal(a.c.transfer('sip:x@gw.example', { replaces: b.c }), false, 'cannot replace a call not connected');
});

test('declining a waiting call answers 486 and counts as declined', () => {
  const list = new CallList();
  const a = connected('1001');
  const b = incoming('1002');
  list.offer(a.c);
  list.offer(b.c);
  b.c.hangup({ busy: true, byUser: true });
  assert.deepEqual(b.s.log, ['terminate 486']);
  assert.equal(b.c.declinedLocally, true);
  const c = incoming('1003');
  c.c.hangup({ busy: true });
  assert.equal(c.c.declinedLocally, false, 'refused by the dialer, not the user');
});

test('tones: ring, call waiting, ringback, and silence while answering', () => {
  const list = new CallList();
  assert.equal(list.tone(), null);
  const out = new Call({ direction: 'out', peer: '1001' });
  list.dial(out);
  assert.equal(list.tone(), null, 'calling');
  out.setState('ringing');
  assert.equal(list.tone(), 'ringback');
  out.earlyMedia = true;
  assert.equal(list.tone(), null, 'the far end plays its own ringback (RFC 3960)');
  out.setState('in-call');
  const b = incoming('1002');
  list.offer(b.c);
  assert.equal(list.tone(), 'waiting');
  assert.equal(list.tone(b.c), null, 'quiet while its answer is prepared');
});

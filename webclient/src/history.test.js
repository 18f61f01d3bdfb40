import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HistoryStore, endStatus, isMissed } from './history.js';

class MemStorage {
  constructor() { this.m = new Map(); this.failWrites = false; }
  getItem(k) { return this.m.has(k) ? this.m.get(k) : null; }
  setItem(k, v) { if (this.failWrites) throw new Error('QuotaExceededError'); this.m.set(k, String(v)); }
  removeItem(k) { this.m.delete(k); }
}

test('add, update and list newest first', () => {
  let t = 1000;
  const s = new HistoryStore(new MemStorage(), 'h', { now: () => t++ });
  const a = s.add({ direction: 'out', number: '1001', status: 'ringing' });
  const b = s.add({ direction: 'in', number: '1002', status: 'ringing' });
  s.update(a, { status: 'answered', answeredAt: 5000 });
  s.update('nope', { status: 'failed' });
  const list = s.list();
  assert.deepEqual(list.map((e) => e.id), [b, a]);
  assert.equal(list[1].status, 'answered');
  assert.equal(list[1].startedAt, 1000);
  assert.notEqual(a, b);
});

test('the list is capped', () => {
  const s = new HistoryStore(new MemStorage(), 'h', { limit: 3 });
  for (let i = 0; i < 5; i++) s.add({ direction: 'out', number: String(i), status: 'failed' });
  assert.deepEqual(s.list().map((e) => e.number), ['4', '3', '2']);
});

test('missed calls are counted until seen', () => {
  const s = new HistoryStore(new MemStorage(), 'h');
  s.add({ direction: 'in', number: '1', status: 'missed' });
  s.add({ direction: 'in', number: '2', status: 'answered' });
  s.add({ direction: 'in', number: '3', status: 'busy' });
  s.add({ direction: 'out', number: '4', status: 'failed' });
  assert.equal(s.unseenMissed(), 2);
  s.markSeen();
  assert.equal(s.unseenMissed(), 0);
  assert.equal(s.list().filter(isMissed).length, 2);
});

test('accounts keep separate lists and clear removes one', () => {
  const st = new MemStorage();
  const a = new HistoryStore(st, 'a');
  const b = new HistoryStore(st, 'b');
  a.add({ direction: 'out', number: '1', status: 'failed' });
  assert.equal(b.list().length, 0);
  a.clear();
  assert.equal(a.list().length, 0);
});

test('corrupt or foreign data is ignored', () => {
  const st = new MemStorage();
  st.setItem('h', '{not json');
  const s = new HistoryStore(st, 'h');
  assert.deepEqual(s.list(), []);
  st.setItem('h', JSON.stringify([{ id: 'x', direction: 'out', number: '1', startedAt: 1, status: 'failed' }, { bogus: true }, null]));
  assert.equal(s.list().length, 1);
});

test('without storage, or when it is full, the list lives in memory', () => {
  const m = new HistoryStore(null, 'h');
  m.add({ direction: 'out', number: '1', status: 'failed' });
  assert.equal(m.list().length, 1);
  const st = new MemStorage();
  const s = new HistoryStore(st, 'h');
  st.failWrites = true;
  s.add({ direction: 'out', number: '2', status: 'failed' });
  assert.equal(s.list().length, 1);
  assert.equal(s.list()[0].number, '2');
});

test('endStatus', () => {
  assert.equal(endStatus({ direction: 'in', answered: true, originator: 'remote', cause: 'Terminated' }), 'answered');
  assert.equal(endStatus({ direction: 'in', answered: false, originator: 'remote', cause: 'Canceled' }), 'missed');
  assert.equal(endStatus({ direction: 'in', answered: false, originator: 'local', cause: 'Rejected', declinedLocally: true }), 'declined');
  assert.equal(endStatus({ direction: 'in', answered: false, originator: 'local', cause: 'Busy' }), 'busy');
  assert.equal(endStatus({ direction: 'out', answered: false, originator: 'local', cause: 'Canceled' }), 'cancelled');
  assert.equal(endStatus({ direction: 'out', answered: false, originator: 'remote', cause: 'Busy' }), 'failed');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { credentials, tokenExpired, defaultServer, resolveServer, domainFromServer, parseIceServers, boolAttr } from './config.js';

test('credentials with a password', () => {
  assert.deepEqual(credentials({ user: '1000', password: 'pw' }), { aorUser: '1000', authUser: '1000', secret: 'pw', tokenExpiry: null });
});

test('credentials with a token use the whole token username for digest', () => {
  const c = credentials({ user: '1700000000:alice', token: 'dG9rZW4=', password: 'ignored' });
  assert.deepEqual(c, { aorUser: 'alice', authUser: '1700000000:alice', secret: 'dG9rZW4=', tokenExpiry: 1700000000000 });
  const d = credentials({ user: '1700000000:alice:1001,1002*', token: 't' });
  assert.equal(d.aorUser, 'alice');
  assert.equal(d.authUser, '1700000000:alice:1001,1002*');
});

test('tokenExpired', () => {
  assert.equal(tokenExpired(null, 5), false);
  assert.equal(tokenExpired(1000, 999), false);
  assert.equal(tokenExpired(1000, 1000), true);
});

test('defaultServer follows the script origin, then the page', () => {
  assert.equal(defaultServer('https://gw.example:8443/callgate-dialer.js', 'https://shop.example/'), 'wss://gw.example:8443/ws');
  assert.equal(defaultServer('http://127.0.0.1:8080/callgate-dialer.js', 'http://127.0.0.1:8080/'), 'ws://127.0.0.1:8080/ws');
  assert.equal(defaultServer('blob:xyz', 'https://shop.example/a'), 'wss://shop.example/ws');
  assert.equal(defaultServer(undefined, 'http://localhost:8080/'), 'ws://localhost:8080/ws');
});

test('resolveServer', () => {
  assert.equal(resolveServer('wss://gw.example/ws', 'https://x/'), 'wss://gw.example/ws');
  assert.equal(resolveServer('/sip', 'https://gw.example/page'), 'wss://gw.example/sip');
  assert.equal(resolveServer('http://gw.example:8080/ws', 'https://x/'), 'ws://gw.example:8080/ws');
  assert.throws(() => resolveServer('ftp://gw.example/', 'https://x/'), TypeError);
});

test('domainFromServer', () => {
  assert.equal(domainFromServer('wss://gw.example:8443/ws'), 'gw.example');
  assert.equal(domainFromServer('ws://127.0.0.1:8080/ws'), '127.0.0.1');
});

test('parseIceServers', () => {
  assert.deepEqual(parseIceServers(null), []);
  assert.deepEqual(parseIceServers(' '), []);
  const turn = [{ urls: ['turn:turn.example:3478'], username: 'u', credential: 'c' }];
  assert.deepEqual(parseIceServers(JSON.stringify(turn)), turn);
  assert.throws(() => parseIceServers('{"urls":"stun:x"}'), TypeError);
  assert.throws(() => parseIceServers('[{}]'), TypeError);
  assert.throws(() => parseIceServers('[{'), SyntaxError);
});

test('boolAttr', () => {
  assert.equal(boolAttr(null), false);
  assert.equal(boolAttr(''), true);
  assert.equal(boolAttr('false'), false);
  assert.equal(boolAttr('autoregister'), true);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, spokenDuration, formatWhen } from './format.js';

test('formatDuration', () => {
  assert.equal(formatDuration(0), '0:00');
  assert.equal(formatDuration(5.9), '0:05');
  assert.equal(formatDuration(65), '1:05');
  assert.equal(formatDuration(3600 + 62), '1:01:02');
  assert.equal(formatDuration(-3), '0:00');
});

test('spokenDuration', () => {
  assert.equal(spokenDuration(0), '0 seconds');
  assert.equal(spokenDuration(1), '1 second');
  assert.equal(spokenDuration(65), '1 minute 5 seconds');
  assert.equal(spokenDuration(7200), '2 hours');
});

test('formatWhen shows only the time for today', () => {
  const now = new Date(2025, 5, 10, 15, 0).getTime();
  const today = new Date(2025, 5, 10, 9, 5).getTime();
  const earlier = new Date(2025, 5, 1, 9, 5).getTime();
  assert.equal(formatWhen(today, now, 'en-GB'), '09:05');
  assert.match(formatWhen(earlier, now, 'en-GB'), /1 Jun.*09:05/);
});

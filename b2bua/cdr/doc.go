// Package cdr produces call detail records for the callgate B2BUA.
//
// A [Recorder] takes one [Record] per call when the call ends and
//
//   - appends it as one JSON object per line to a file (JSON Lines), suitable
//     for log shippers and logrotate (see [Recorder.Reopen]);
//   - stores it in an embedded bbolt database, keyed by end time so that
//     [Recorder.List] returns records in time order;
//   - posts call events (ringing, answered, ended) to an HTTP webhook from
//     one background goroutine, in order, with retries, exponential backoff
//     and an HMAC-SHA256 signature (see [Sign]).
//
// Every sink is optional. Writing never waits for the webhook: events go
// through a bounded queue, and when it is full they are dropped and counted.
//
// [MOS] estimates a mean opinion score from loss, jitter and round-trip time
// with a simplified ITU-T G.107 E-model, so that each record carries a
// quality figure per leg.
package cdr

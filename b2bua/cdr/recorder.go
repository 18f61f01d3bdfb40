package cdr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Stats are the counters of a Recorder.
type Stats struct {
	// Written counts records Write stored in every configured sink.
	Written uint64
	// WriteErrors counts Write calls that failed in at least one sink.
	WriteErrors uint64
	// WebhookDelivered counts events acknowledged with a 2xx status.
	WebhookDelivered uint64
	// WebhookFailed counts events given up after a final error status or
	// after the last retry.
	WebhookFailed uint64
	// WebhookDropped counts events discarded because the queue was full,
	// the Recorder was closed or the drain time of Close ran out.
	WebhookDropped uint64
	// WebhookQueued is the number of events waiting for delivery.
	WebhookQueued int
}

// Recorder writes call detail records and delivers call events. It is safe
// for concurrent use. The methods of a nil *Recorder do nothing (List and
// Prune return ErrNoDatabase), so callers can hold a nil Recorder when
// records are disabled.
type Recorder struct {
	log   *slog.Logger
	file  *lineFile // nil when Config.File is empty
	store *store    // nil when Config.DBPath is empty
	hook  *webhook  // nil when Config.Webhook.URL is empty

	// mu is held shared by operations using the sinks and exclusively by
	// Close, which thereby waits for them and keeps the webhook queue open
	// while anyone may still send on it.
	mu     sync.RWMutex
	closed bool

	closeOnce sync.Once
	closeErr  error

	written, writeErrors atomic.Uint64
	now                  func() time.Time
}

// Open creates a Recorder with the sinks enabled in cfg.
func Open(cfg Config) (*Recorder, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	r := &Recorder{log: log, now: time.Now}
	var err error
	if cfg.File != "" {
		if r.file, err = openLineFile(cfg.File, cfg.Sync); err != nil {
			return nil, err
		}
	}
	if cfg.DBPath != "" {
		if r.store, err = openStore(cfg.DBPath, log); err != nil {
			r.closeSinks()
			return nil, err
		}
	}
	if cfg.Webhook.URL != "" {
		if r.hook, err = newWebhook(cfg.Webhook, log); err != nil {
			r.closeSinks()
			return nil, err
		}
	}
	return r, nil
}

// Write records one call: it appends rec as a JSON line to the file, stores
// it in the database and queues an EventEnded webhook event carrying it.
//
// Fields left zero are derived where possible: End defaults to now, Start to
// End, DurationMs and SetupMs are computed from the times, and a Quality's
// LossPercent and MOS from its packet counts and the leg's codec. Times are
// stored in UTC. rec is not modified. A failure of one sink does not stop
// the others; the errors are joined.
func (r *Recorder) Write(rec Record) error {
	return r.WriteMany([]Record{rec})
}

// lineSizeHint is the usual length of one record's JSON line.
const lineSizeHint = 512

// WriteMany writes several records as Write does, with one write to the
// file and one database transaction for all of them: the way to keep up
// with many calls ending at once. Invalid records are refused (the error
// wraps ErrInvalidRecord) without stopping the others.
func (r *Recorder) WriteMany(recs []Record) error {
	if r == nil {
		return nil
	}
	var errs []error
	good := make([]Record, 0, len(recs))
	// One allocation for the batch's lines: a record's line is a few
	// hundred bytes, and growing from nil copied them over and over.
	lines := make([]byte, 0, lineSizeHint*len(recs))
	values := make([][]byte, 0, len(recs))
	for _, rec := range recs {
		if rec.CallID == "" {
			errs = append(errs, fmt.Errorf("%w: empty call_id", ErrInvalidRecord))
			continue
		}
		rec = rec.normalize(r.now())
		line, err := marshalLine(&rec)
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: %w", ErrInvalidRecord, err))
			continue
		}
		good = append(good, rec)
		lines = append(lines, line...)
		values = append(values, bytes.TrimSuffix(line, []byte("\n")))
	}
	if len(good) == 0 {
		return errors.Join(errs...)
	}

	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		return ErrClosed
	}
	var sinkErrs []error
	if r.file != nil {
		sinkErrs = append(sinkErrs, r.file.write(lines))
	}
	if r.store != nil {
		if err := r.store.put(good, values); err != nil {
			sinkErrs = append(sinkErrs, fmt.Errorf("cdr: store: %w", err))
		}
	}
	if r.hook != nil {
		for i := range good {
			rec := &good[i]
			r.eventLocked(Event{Type: EventEnded, Time: rec.End, CallID: rec.CallID, Caller: rec.Caller, Callee: rec.Callee, Record: rec})
		}
	}
	if err := errors.Join(sinkErrs...); err != nil {
		r.writeErrors.Add(uint64(len(good)))
		r.log.Error("cdr: records not written", "records", len(good), "first_call_id", good[0].CallID, "error", err)
		errs = append(errs, err)
	} else {
		r.written.Add(uint64(len(good)))
	}
	return errors.Join(errs...)
}

// Event queues ev for webhook delivery without blocking. It does nothing
// when no webhook is configured; after Close, or when the queue is full, the
// event is dropped and counted. Records are posted by Write; an Event call
// with EventEnded posts ev as given.
func (r *Recorder) Event(ev Event) {
	if r == nil || r.hook == nil {
		return
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		r.hook.drop(delivery{typ: ev.Type, callID: ev.CallID}, "closed")
		return
	}
	r.eventLocked(ev)
}

// eventLocked marshals and queues ev; r.mu is held shared and r is open.
func (r *Recorder) eventLocked(ev Event) {
	if ev.Time.IsZero() {
		ev.Time = r.now()
	}
	ev.Time = ev.Time.UTC()
	body, err := marshalLine(&ev)
	if err != nil {
		r.hook.drop(delivery{typ: ev.Type, callID: ev.CallID}, "unencodable")
		return
	}
	r.hook.enqueue(newDelivery(&ev, bytes.TrimSuffix(body, []byte("\n"))))
}

// List returns up to limit records (all when limit <= 0) that ended at or
// after since, oldest first, from the database.
func (r *Recorder) List(since time.Time, limit int) ([]Record, error) {
	if r == nil || r.store == nil {
		return nil, ErrNoDatabase
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		return nil, ErrClosed
	}
	recs, err := r.store.list(since, limit)
	if err != nil {
		return nil, fmt.Errorf("cdr: list: %w", err)
	}
	return recs, nil
}

// Prune deletes the database records of calls that ended before t and
// returns how many were deleted. The JSON Lines file is left alone.
func (r *Recorder) Prune(t time.Time) (int, error) {
	if r == nil || r.store == nil {
		return 0, ErrNoDatabase
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		return 0, ErrClosed
	}
	n, err := r.store.prune(t)
	if err != nil {
		return n, fmt.Errorf("cdr: prune: %w", err)
	}
	return n, nil
}

// Reopen reopens the JSON Lines file by name, for use after log rotation
// renamed it. It does nothing when no file is configured.
func (r *Recorder) Reopen() error {
	if r == nil || r.file == nil {
		return nil
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		return ErrClosed
	}
	return r.file.reopen()
}

// Stats returns the current counters.
func (r *Recorder) Stats() Stats {
	if r == nil {
		return Stats{}
	}
	s := Stats{Written: r.written.Load(), WriteErrors: r.writeErrors.Load()}
	if h := r.hook; h != nil {
		s.WebhookDelivered = h.delivered.Load()
		s.WebhookFailed = h.failed.Load()
		s.WebhookDropped = h.dropped.Load()
		s.WebhookQueued = len(h.queue)
	}
	return s
}

// Close waits for running writes, delivers the queued webhook events for at
// most WebhookConfig.DrainTimeout (dropping the rest), and closes the file
// and database. Close is idempotent; later calls return the first result.
func (r *Recorder) Close() error {
	if r == nil {
		return nil
	}
	r.closeOnce.Do(func() {
		r.mu.Lock()
		r.closed = true
		if r.hook != nil {
			close(r.hook.queue)
		}
		r.mu.Unlock()
		if r.hook != nil {
			r.hook.close()
		}
		r.closeErr = r.closeSinks()
	})
	return r.closeErr
}

// closeSinks closes the file and database.
func (r *Recorder) closeSinks() error {
	var errs []error
	if r.file != nil {
		errs = append(errs, r.file.close())
	}
	if r.store != nil {
		if err := r.store.close(); err != nil {
			errs = append(errs, fmt.Errorf("cdr: close database: %w", err))
		}
	}
	return errors.Join(errs...)
}

// marshalLine encodes v as one line of JSON without HTML escaping, so that
// SIP URIs in angle brackets stay readable.
func marshalLine(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

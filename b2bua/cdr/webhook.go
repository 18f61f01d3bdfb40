package cdr

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"
)

// Webhook request headers.
const (
	// HeaderEvent carries Event.Type.
	HeaderEvent = "X-Callgate-Event"
	// HeaderTimestamp carries the Unix time of the attempt in seconds.
	HeaderTimestamp = "X-Callgate-Timestamp"
	// HeaderSignature carries Sign(secret, timestamp, body).
	HeaderSignature = "X-Callgate-Signature"
	// HeaderDelivery carries a random ID that stays the same across the
	// retries of one event, so receivers can discard duplicates.
	HeaderDelivery = "X-Callgate-Delivery"
)

// maxResponseDrain bounds how much of a response body is read so that the
// connection can be reused.
const maxResponseDrain = 64 << 10

// delivery is one queued webhook request.
type delivery struct {
	typ    string
	callID string
	id     string
	body   []byte
}

// webhook delivers events in order from one goroutine.
type webhook struct {
	cfg    WebhookConfig
	host   string // for logs; the URL path and query may hold tokens
	client *http.Client
	tr     *http.Transport
	log    *slog.Logger

	queue  chan delivery
	ctx    context.Context // cancelled when Close's drain time is up
	cancel context.CancelFunc
	done   chan struct{}

	delivered, failed, dropped atomic.Uint64
}

// newWebhook validates cfg and starts the delivery goroutine.
func newWebhook(cfg WebhookConfig, log *slog.Logger) (*webhook, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		// url.Parse errors quote the URL, which may hold a token.
		return nil, fmt.Errorf("%w: webhook URL does not parse", ErrConfig)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: webhook URL must be absolute http or https", ErrConfig)
	}
	cfg = cfg.withDefaults()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	ctx, cancel := context.WithCancel(context.Background())
	w := &webhook{
		cfg:  cfg,
		host: u.Host,
		client: &http.Client{
			Transport: tr,
			Timeout:   cfg.Timeout,
			// A redirect is reported as a failure rather than followed,
			// so that signed events are never sent elsewhere.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		tr:     tr,
		log:    log,
		queue:  make(chan delivery, cfg.QueueSize),
		ctx:    ctx,
		cancel: cancel,
		done:   make(chan struct{}),
	}
	if cfg.Secret == "" {
		log.Warn("cdr: webhook requests are not signed (no secret configured)", "host", w.host)
	}
	go w.run()
	return w, nil
}

// newDelivery builds the queued form of an event.
func newDelivery(ev *Event, body []byte) delivery {
	var id [16]byte
	_, _ = rand.Read(id[:])
	return delivery{typ: ev.Type, callID: ev.CallID, id: hex.EncodeToString(id[:]), body: body}
}

// enqueue queues d without blocking; the caller guarantees the queue is
// open.
func (w *webhook) enqueue(d delivery) {
	select {
	case w.queue <- d:
	default:
		w.drop(d, "queue full")
	}
}

// drop counts an event that will not be delivered, logging at exponentially
// spaced counts.
func (w *webhook) drop(d delivery, reason string) {
	n := w.dropped.Add(1)
	if n&(n-1) == 0 {
		w.log.Warn("cdr: webhook event dropped", "reason", reason, "event", d.typ, "call_id", d.callID, "dropped", n)
	}
}

// run delivers queued events until the queue is closed.
func (w *webhook) run() {
	defer close(w.done)
	for d := range w.queue {
		if w.ctx.Err() != nil {
			w.drop(d, "shutdown")
			continue
		}
		w.deliver(d)
	}
}

// deliver makes up to 1+Retries attempts. Network errors, 5xx and 429 are
// retried after a doubling backoff (RFC 9110 §15.6: server errors may be
// transient; RFC 6585 §4: 429 asks the client to slow down); other non-2xx
// statuses are final.
func (w *webhook) deliver(d delivery) {
	backoff := w.cfg.Backoff
	for attempt := 1; ; attempt++ {
		status, err := w.post(d)
		if err == nil && status >= 200 && status < 300 {
			w.delivered.Add(1)
			return
		}
		if w.ctx.Err() != nil {
			w.drop(d, "shutdown")
			return
		}
		retryable := err != nil || status >= 500 || status == http.StatusTooManyRequests
		if !retryable || attempt > w.cfg.Retries {
			w.failed.Add(1)
			attrs := []any{"event", d.typ, "call_id", d.callID, "host", w.host, "attempts", attempt}
			if err != nil {
				attrs = append(attrs, "error", err)
			} else {
				attrs = append(attrs, "status", status)
			}
			w.log.Warn("cdr: webhook delivery failed", attrs...)
			return
		}
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-w.ctx.Done():
			t.Stop()
			w.drop(d, "shutdown")
			return
		}
		backoff = min(2*backoff, MaxWebhookBackoff)
	}
}

// post makes one attempt and returns the response status.
func (w *webhook) post(d delivery) (int, error) {
	req, err := http.NewRequestWithContext(w.ctx, http.MethodPost, w.cfg.URL, bytes.NewReader(d.body))
	if err != nil {
		return 0, redact(err)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "callgate-cdr")
	req.Header.Set(HeaderEvent, d.typ)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderDelivery, d.id)
	if w.cfg.Secret != "" {
		req.Header.Set(HeaderSignature, signaturePrefix+hex.EncodeToString(mac(w.cfg.Secret, ts, d.body)))
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, redact(err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseDrain))
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// close waits for the queue (already closed by the caller) to drain, for at
// most DrainTimeout, then abandons what is left.
func (w *webhook) close() {
	t := time.NewTimer(w.cfg.DrainTimeout)
	select {
	case <-w.done:
		t.Stop()
	case <-t.C:
		w.cancel()
		<-w.done
	}
	w.cancel()
	w.tr.CloseIdleConnections()
}

// redact strips the URL from a client error: it may carry a token.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

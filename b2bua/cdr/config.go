package cdr

import (
	"log/slog"
	"time"
)

// Defaults applied by Open to zero WebhookConfig fields.
const (
	// DefaultWebhookTimeout bounds one delivery attempt.
	DefaultWebhookTimeout = 5 * time.Second
	// DefaultWebhookRetries is the number of retries after a failed
	// attempt.
	DefaultWebhookRetries = 3
	// DefaultWebhookBackoff is the wait before the first retry; it doubles
	// on each further retry, up to MaxWebhookBackoff.
	DefaultWebhookBackoff = time.Second
	// MaxWebhookBackoff caps the wait between retries.
	MaxWebhookBackoff = time.Minute
	// DefaultWebhookQueueSize bounds the events waiting for delivery.
	DefaultWebhookQueueSize = 1024
	// DefaultDrainTimeout bounds how long Close keeps delivering queued
	// events.
	DefaultDrainTimeout = 5 * time.Second
	// defaultLockTimeout bounds the wait for the database file lock.
	defaultLockTimeout = 2 * time.Second
)

// Config configures a Recorder. The zero value gives a Recorder that only
// counts records; each sink is enabled by its field.
type Config struct {
	// File is the path of the JSON Lines file records are appended to
	// (created 0600, parent directories 0700). Empty means no file.
	File string
	// Sync makes every record written to File reach stable storage (fsync)
	// before Write returns.
	Sync bool
	// DBPath is the path of the bbolt database records are stored in
	// (bucket "cdr"). Empty means no database; List then fails with
	// ErrNoDatabase. The file must not be open elsewhere in the process.
	DBPath string
	// Webhook configures HTTP delivery of call events; an empty URL
	// disables it.
	Webhook WebhookConfig
	// Logger receives delivery failures and drop notices; it never receives
	// the webhook secret. Nil means slog.Default().
	Logger *slog.Logger
}

// WebhookConfig configures HTTP delivery of call events.
type WebhookConfig struct {
	// URL is the absolute http or https URL events are POSTed to.
	URL string
	// Secret is the HMAC-SHA256 key of the X-Callgate-Signature header (see
	// Sign). Empty means requests are not signed.
	Secret string
	// Timeout bounds one attempt. Zero or negative means
	// DefaultWebhookTimeout.
	Timeout time.Duration
	// Retries is the number of retries after an attempt fails with a
	// network error, 5xx or 429. Zero means DefaultWebhookRetries; negative
	// means no retries.
	Retries int
	// Backoff is the wait before the first retry, doubled for each further
	// one. Zero or negative means DefaultWebhookBackoff.
	Backoff time.Duration
	// QueueSize bounds the events waiting for delivery; when the queue is
	// full, new events are dropped, counted and logged. Zero or negative
	// means DefaultWebhookQueueSize.
	QueueSize int
	// DrainTimeout bounds how long Close keeps delivering queued events;
	// events still queued then are dropped. Zero or negative means
	// DefaultDrainTimeout.
	DrainTimeout time.Duration
}

// withDefaults returns c with zero fields replaced by their defaults.
func (c WebhookConfig) withDefaults() WebhookConfig {
	if c.Timeout <= 0 {
		c.Timeout = DefaultWebhookTimeout
	}
	switch {
	case c.Retries == 0:
		c.Retries = DefaultWebhookRetries
	case c.Retries < 0:
		c.Retries = 0
	}
	if c.Backoff <= 0 {
		c.Backoff = DefaultWebhookBackoff
	}
	if c.QueueSize <= 0 {
		c.QueueSize = DefaultWebhookQueueSize
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = DefaultDrainTimeout
	}
	return c
}

package hep

import "log/slog"

// DefaultQueueSize is the exporter queue length used when Config.QueueSize is
// zero or negative.
const DefaultQueueSize = 4096

// Config configures an Exporter. Only Collector is required.
type Config struct {
	// Collector is the "host:port" UDP address of the HEP collector (Homer
	// heplify-server, sngrep -L, ...). The name is resolved once, by
	// NewExporter.
	Collector string
	// CaptureID identifies this agent in the collector (chunk 0x000c).
	CaptureID uint32
	// Password, when set, is sent in the authentication key chunk (0x000e)
	// of every packet. It is never logged.
	Password string
	// QueueSize bounds the packets waiting to be sent; further packets are
	// dropped and counted. Zero or negative means DefaultQueueSize.
	QueueSize int
	// Logger receives send errors and drop notices; nil means
	// slog.Default().
	Logger *slog.Logger
}

package hep

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// bufPool recycles encoding buffers between Send and the writer goroutine.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// maxPooledCap keeps rare huge buffers out of the pool.
const maxPooledCap = 16 << 10

// Exporter sends packets to a HEP collector over UDP from one background
// goroutine. Send never blocks. The methods of a nil *Exporter are no-ops,
// so callers can hold a nil Exporter when capture is disabled.
type Exporter struct {
	conn      net.Conn
	captureID uint32
	password  string
	log       *slog.Logger

	// mu guards closed and the send side of queue: Send holds it shared,
	// Close exclusively, so nothing is sent on a closed channel.
	mu     sync.RWMutex
	closed bool
	queue  chan *[]byte
	done   chan struct{}

	sent, dropped atomic.Uint64
	sendErrors    atomic.Uint64

	// beforeWrite, when set before the first Send, runs in the writer
	// goroutine ahead of each write. Tests use it to stall the writer.
	beforeWrite func()
}

// NewExporter resolves cfg.Collector, opens a UDP socket towards it and
// starts the writer goroutine. Close releases both.
func NewExporter(cfg Config) (*Exporter, error) {
	if cfg.Collector == "" {
		return nil, fmt.Errorf("%w: empty collector address", ErrConfig)
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	conn, err := net.Dial("udp", cfg.Collector)
	if err != nil {
		return nil, fmt.Errorf("hep: collector %s: %w", cfg.Collector, err)
	}
	e := &Exporter{
		conn:      conn,
		captureID: cfg.CaptureID,
		password:  cfg.Password,
		log:       log,
		queue:     make(chan *[]byte, cfg.QueueSize),
		done:      make(chan struct{}),
	}
	go e.run()
	return e, nil
}

// Send encodes p (copying its payload) and queues it for the collector. It
// never blocks: when the queue is full, after Close, or when p cannot be
// encoded, the packet is dropped and counted. A zero p.Time means now.
func (e *Exporter) Send(p Packet) {
	if e == nil {
		return
	}
	if p.Time.IsZero() {
		p.Time = time.Now()
	}
	bp := bufPool.Get().(*[]byte)
	b, err := Encode((*bp)[:0], p, e.captureID, e.password)
	if err != nil {
		putBuf(bp)
		e.drop("encode", err)
		return
	}
	*bp = b

	e.mu.RLock()
	if e.closed {
		e.mu.RUnlock()
		putBuf(bp)
		e.drop("closed", nil)
		return
	}
	select {
	case e.queue <- bp:
		e.mu.RUnlock()
	default:
		e.mu.RUnlock()
		putBuf(bp)
		e.drop("queue full", nil)
	}
}

// Close stops accepting packets, sends those already queued, closes the
// socket and waits for the writer goroutine. Close is idempotent.
func (e *Exporter) Close() error {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		<-e.done
		return nil
	}
	e.closed = true
	close(e.queue)
	e.mu.Unlock()
	<-e.done
	if err := e.conn.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("hep: close socket: %w", err)
	}
	return nil
}

// Stats returns the number of packets written to the socket and the number
// dropped (queue full, after Close, not encodable or failed to send).
func (e *Exporter) Stats() (sent, dropped uint64) {
	if e == nil {
		return 0, 0
	}
	return e.sent.Load(), e.dropped.Load()
}

// run writes queued packets until the queue is closed and drained.
func (e *Exporter) run() {
	defer close(e.done)
	for bp := range e.queue {
		if e.beforeWrite != nil {
			e.beforeWrite()
		}
		_, err := e.conn.Write(*bp)
		putBuf(bp)
		if err != nil {
			// A connected UDP socket reports an earlier ICMP port
			// unreachable as ECONNREFUSED on a later write.
			n := e.sendErrors.Add(1)
			e.dropped.Add(1)
			if isPowerOfTwo(n) {
				e.log.Warn("hep: send to collector failed", "error", err, "send_errors", n)
			}
			continue
		}
		e.sent.Add(1)
	}
}

// drop counts a dropped packet, logging at exponentially spaced counts so
// that a stuck collector cannot flood the log.
func (e *Exporter) drop(reason string, err error) {
	n := e.dropped.Add(1)
	if !isPowerOfTwo(n) {
		return
	}
	if err != nil {
		e.log.Warn("hep: packet dropped", "reason", reason, "error", err, "dropped", n)
		return
	}
	e.log.Warn("hep: packet dropped", "reason", reason, "dropped", n)
}

func putBuf(bp *[]byte) {
	if cap(*bp) > maxPooledCap {
		return
	}
	*bp = (*bp)[:0]
	bufPool.Put(bp)
}

func isPowerOfTwo(n uint64) bool { return n&(n-1) == 0 }

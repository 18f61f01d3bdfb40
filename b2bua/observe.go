package b2bua

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/callgate/callgate/b2bua/cdr"
	"github.com/callgate/callgate/b2bua/hep"
	"github.com/callgate/callgate/b2bua/metrics"
	"github.com/callgate/callgate/media"
)

// setupObservability opens the call record sinks, the metrics registry and
// the SIP capture exporter. Capture starts with each listener (capturePort).
func (s *Server) setupObservability() error {
	rec, err := cdr.Open(s.cfg.Records)
	if err != nil {
		return fmt.Errorf("%w: call records: %w", ErrBadConfig, err)
	}
	s.records = rec
	s.recordQ = make(chan pendingRecord, recordQueueSize)
	s.recordsDone = make(chan struct{})
	go s.recordWriter()
	s.metrics = metrics.New()
	s.metrics.OnScrape(s.refreshGauges)
	if s.cfg.Capture.Collector != "" {
		if s.cfg.Capture.Logger == nil {
			s.cfg.Capture.Logger = s.log
		}
		exp, err := hep.NewExporter(s.cfg.Capture)
		if err != nil {
			_ = rec.Close()
			return fmt.Errorf("%w: capture: %w", ErrBadConfig, err)
		}
		s.capture = exp
		s.log.Info("exporting SIP messages to a HEP collector", "collector", s.cfg.Capture.Collector)
	}
	return nil
}

// capturePort sends SIP messages through a listening port to the HEP
// collector, when capture is configured.
func (s *Server) capturePort(port int) {
	if s.capture == nil || port <= 0 || port > 65535 {
		return
	}
	captureTracer.register(uint16(port), s.capture)
	s.mu.Lock()
	s.capturePorts = append(s.capturePorts, uint16(port))
	s.mu.Unlock()
}

// recordQueueSize bounds the records waiting for the writer; a full queue
// makes calls write their own (slower, never lost).
const recordQueueSize = 4096

// pendingRecord is a finished call's record on its way to the sinks.
type pendingRecord struct {
	rec cdr.Record
	log *slog.Logger
}

// writeRecordLater hands a call's record to the writer goroutine: encoding
// and storing it on the ending call's own small stack cost more than the
// call's signalling at high call rates.
func (s *Server) writeRecordLater(rec cdr.Record, log *slog.Logger) {
	s.recordMu.RLock()
	queued := false
	if !s.recordClosed {
		select {
		case s.recordQ <- pendingRecord{rec, log}:
			queued = true
		default:
		}
	}
	s.recordMu.RUnlock()
	if !queued {
		if err := s.records.Write(rec); err != nil {
			log.Warn("call record not written", "error", err)
		}
	}
}

// recordWriteBatch bounds how many queued records are written together,
// and recordWriteDelay how long the first of them waits for others: one
// disk sync per batch instead of one per call.
const (
	recordWriteBatch = 256
	recordWriteDelay = 100 * time.Millisecond
)

// recordWriter writes queued records until the queue is closed, in batches
// of what arrives within recordWriteDelay of the first: one file write and
// one database transaction per batch.
func (s *Server) recordWriter() {
	defer close(s.recordsDone)
	batch := make([]cdr.Record, 0, recordWriteBatch)
	timer := time.NewTimer(recordWriteDelay)
	timer.Stop()
	for p := range s.recordQ {
		batch = append(batch[:0], p.rec)
		timer.Reset(recordWriteDelay)
	more:
		for len(batch) < recordWriteBatch {
			select {
			case q, ok := <-s.recordQ:
				if !ok {
					break more
				}
				batch = append(batch, q.rec)
			case <-timer.C:
				break more
			}
		}
		timer.Stop()
		if err := s.records.WriteMany(batch); err != nil {
			s.log.Warn("call records not written", "records", len(batch), "error", err)
		}
	}
}

// closeObservability stops capture, writes the records still queued and
// closes the record sinks, after the calls have drained.
func (s *Server) closeObservability() error {
	s.mu.Lock()
	ports := s.capturePorts
	s.capturePorts = nil
	s.mu.Unlock()
	for _, p := range ports {
		captureTracer.register(p, nil)
	}
	if s.capture != nil {
		_ = s.capture.Close()
	}
	s.recordMu.Lock()
	s.recordClosed = true
	close(s.recordQ)
	s.recordMu.Unlock()
	<-s.recordsDone
	return s.records.Close()
}

// refreshGauges updates, before each scrape, the gauges read from state
// rather than counted at events: trunks up and registered, and the
// registrar's current bindings by transport.
func (s *Server) refreshGauges() {
	for _, st := range s.routing().trunks.Status() {
		s.metrics.TrunkState(st.Name, st.Up, st.Registration.State)
	}
	ctx, cancel := context.WithTimeout(s.ctx, 2*time.Second)
	defer cancel()
	all, err := s.store.All(ctx)
	if err != nil {
		return
	}
	now := timeNow()
	counts := map[string]int{}
	for _, b := range all {
		if b.Expires.After(now) {
			counts[b.Transport]++
		}
	}
	s.metrics.SetRegistrations(counts)
}

// captureRTCP sends the RTCP the call's relay sees to the HEP collector,
// correlated with the caller's Call-ID (the B2BUA's two legs have two
// Call-IDs; the caller's names the call in both legs' captures).
func (c *call) captureRTCP() {
	exp := c.s.capture
	if exp == nil || c.relay == nil {
		return
	}
	callID, adv := c.caller.callID, c.s.cfg.Media.AdvertiseIP
	c.relay.SetRTCPObserver(func(_ media.Leg, src, local netip.AddrPort, pkt []byte) {
		if local.Addr().IsUnspecified() {
			local = netip.AddrPortFrom(adv, local.Port())
		}
		exp.Send(hep.Packet{Src: src, Dst: local, Proto: hep.ProtoUDP, Type: hep.TypeRTCP, CorrelationID: callID, Payload: pkt})
	})
}

// MetricsHandler serves the Prometheus metrics of this gateway.
func (s *Server) MetricsHandler() http.Handler { return s.metrics.Handler() }

// CallRecords lists call detail records from the embedded store, oldest
// first; it fails when Records.DBPath is not set.
func (s *Server) CallRecords(limit int) ([]cdr.Record, error) {
	return s.records.List(time.Time{}, limit)
}

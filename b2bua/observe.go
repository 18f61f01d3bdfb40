package b2bua

import (
	"context"
	"fmt"
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

// closeObservability stops capture and closes the record sinks, after the
// calls have drained and written their records.
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

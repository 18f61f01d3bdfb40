package browserleg

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/pion/ice/v4"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/callgate/callgate/media"
)

// negotiation is the outcome of the last completed offer/answer exchange.
type negotiation struct {
	codec media.Codec   // what the browser sends and expects (browser's PT)
	dtmf  *media.Codec  // telephone-event at codec's clock, if negotiated
	all   []media.Codec // every format the leg accepts from the browser
	dir   direction     // our direction toward the browser
}

// Leg is one browser PeerConnection with one audio transceiver. Its
// methods are safe for concurrent use; negotiation calls are serialised.
type Leg struct {
	e     *Engine
	log   *slog.Logger
	pc    *webrtc.PeerConnection
	tr    *webrtc.RTPTransceiver
	track *localTrack

	sigMu    sync.Mutex    // serialises negotiation
	want     direction     // our preferred direction; guarded by sigMu
	prevWant direction     // want before the pending re-offer; sigMu
	role     string        // our DTLS role once fixed ("active"/"passive"); sigMu
	codecs   []media.Codec // formats the leg was created with
	offered  []media.Codec // formats of our initial offer; nil when answering
	neg      atomic.Pointer[negotiation]
	sendOK   atomic.Bool
	dtlsUp   atomic.Bool // the DTLS handshake completed once

	wmu  sync.Mutex // guards hdr, cont, roc, sent and fast (the WriteRTP path)
	hdr  rtp.Header
	cont continuity
	roc  rocTrack  // the SRTP rollover counter of what we send
	sent sendStats // what we sent, for the fast path's sender reports

	// SRTP fast path (fastpath.go): media is the socket under the leg's
	// ICE mux (nil: the fast path is off), keys the DTLS key log pion
	// writes for the leg, fast the fast-path state once it owns the leg.
	media *mediaConn
	keys  *keyLog
	fast  *fastLeg

	sink atomic.Pointer[func([]byte)]

	// reports reads the browser's RTCP reports (quality.go).
	reports *rtcpWatch

	mu      sync.Mutex // guards closing and wg.Add
	closing bool
	wg      sync.WaitGroup

	endOnce sync.Once
	err     error // set before done is closed
	done    chan struct{}
	torn    chan struct{} // closed when the PeerConnection is released
	mux     ice.UDPMux    // the leg's own port in port-range mode, else nil
}

// newLeg creates the PeerConnection with our audio transceiver.
func (e *Engine) newLeg(codecs []media.Codec) (*Leg, error) {
	if e.isClosed() {
		return nil, ErrClosed
	}
	l := &Leg{
		e:      e,
		log:    e.log.With("leg", e.ids.Add(1)),
		want:   dirSendrecv,
		codecs: codecs,
		// RFC 7022 §4.1: a random CNAME per leg (pion derives it from
		// the stream id).
		track: &localTrack{id: "audio", stream: "callgate-" + rand.Text()[:10]},
		done:  make(chan struct{}),
		torn:  make(chan struct{}),
	}
	main, _, _ := mainCodec(codecs)
	l.cont.clock = main.Clock
	mux, media, err := e.legMux(l)
	if err != nil {
		return nil, err
	}
	l.mux = mux
	if mux == nil {
		media = e.media
	}
	var keys io.Writer
	if media != nil {
		l.media, l.keys = media, &keyLog{}
		keys = l.keys
	}
	l.reports = &rtcpWatch{clock: main.Clock}
	api, err := e.newAPI(codecs, pionLogs{log: l.log, quiet: l.isDone}, mux, l.reports, keys)
	if err != nil {
		l.closeMux()
		return nil, err
	}
	l.pc, err = api.NewPeerConnection(webrtc.Configuration{
		Certificates: []webrtc.Certificate{e.cert},
		// RFC 8843 §7 and RFC 8858 §5: one transport for everything.
		BundlePolicy:  webrtc.BundlePolicyMaxBundle,
		RTCPMuxPolicy: webrtc.RTCPMuxPolicyRequire,
		// RFC 9335 header encryption protects header extensions; audio
		// toward browsers negotiates none, so cryptex is not offered.
		RTPHeaderEncryptionPolicy: webrtc.RTPHeaderEncryptionPolicyDisable,
	})
	if err != nil {
		l.closeMux()
		return nil, fmt.Errorf("browserleg: new peer connection: %w", err)
	}
	l.tr, err = l.pc.AddTransceiverFromTrack(l.track, webrtc.RTPTransceiverInit{
		Direction: webrtc.RTPTransceiverDirectionSendrecv,
	})
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("browserleg: add transceiver: %w", err)
	}
	if !e.track(l) {
		l.Close()
		return nil, ErrClosed
	}
	l.watch()
	l.spawn(func() { l.drainRTCP(l.tr.Sender()) })
	return l, nil
}

// watch turns pion's state changes into the leg's end.
func (l *Leg) watch() {
	l.pc.OnICEConnectionStateChange(func(s webrtc.ICEConnectionState) {
		switch s {
		case webrtc.ICEConnectionStateFailed:
			l.finish(ErrICEFailed)
		case webrtc.ICEConnectionStateDisconnected:
			l.log.Debug("browserleg: ICE disconnected")
		}
	})
	l.pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		switch s {
		case webrtc.PeerConnectionStateConnected:
			l.log.Debug("browserleg: connected")
		case webrtc.PeerConnectionStateFailed:
			if l.pc.ICEConnectionState() == webrtc.ICEConnectionStateFailed {
				l.finish(ErrICEFailed)
			} else {
				l.finish(ErrDTLSFailed)
			}
		case webrtc.PeerConnectionStateClosed:
			// Reached without our Close only when DTLS closed.
			l.finish(l.closedReason())
		}
	})
	l.tr.Sender().Transport().OnStateChange(func(s webrtc.DTLSTransportState) {
		switch s {
		case webrtc.DTLSTransportStateConnected:
			l.dtlsUp.Store(true)
			l.spawn(l.startFast)
		case webrtc.DTLSTransportStateFailed:
			l.finish(ErrDTLSFailed)
		case webrtc.DTLSTransportStateClosed:
			l.finish(l.closedReason())
		}
	})
	l.tr.Sender().Transport().ICETransport().OnSelectedCandidatePairChange(l.peerChanged)
	l.pc.OnTrack(func(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
		l.spawn(func() { l.readRTP(t) })
		l.spawn(func() { l.drainReceiverRTCP(r) })
	})
}

// closedReason tells a browser hanging up (close_notify on an established
// association, RFC 5246 §7.2.1) from a handshake that ended in an alert
// (RFC 5246 §7.2.2), which reaches us as a close too.
func (l *Leg) closedReason() error {
	if l.dtlsUp.Load() {
		return ErrPeerClosed
	}
	return ErrDTLSFailed
}

// spawn runs f in a goroutine the leg waits for at teardown, unless the
// leg is already being torn down.
func (l *Leg) spawn(f func()) {
	l.mu.Lock()
	if l.closing {
		l.mu.Unlock()
		return
	}
	l.wg.Add(1)
	l.mu.Unlock()
	go func() {
		defer l.wg.Done()
		f()
	}()
}

// Codec returns the negotiated audio format with the browser's payload
// type; the zero Codec before negotiation.
func (l *Leg) Codec() media.Codec {
	if n := l.neg.Load(); n != nil {
		return n.codec
	}
	return media.Codec{}
}

// DTMF returns the negotiated telephone-event format, if any.
func (l *Leg) DTMF() (media.Codec, bool) {
	if n := l.neg.Load(); n != nil && n.dtmf != nil {
		return *n.dtmf, true
	}
	return media.Codec{}, false
}

// Codecs returns every format the leg accepts from the browser, with the
// browser-side payload types: the answer's formats when the browser
// offered, all offered formats when we did.
func (l *Leg) Codecs() []media.Codec {
	if n := l.neg.Load(); n != nil {
		return append([]media.Codec(nil), n.all...)
	}
	return nil
}

// SetSink sets the function called with every RTP packet received from the
// browser (decrypted, header and payload). pkt is valid only during the
// call; the sink may modify it in place. nil removes the sink. The sink
// runs on a reader goroutine of the leg or, once the SRTP fast path owns
// the leg, on the one goroutine that reads the socket shared by all legs:
// it must not block nor call Close.
func (l *Leg) SetSink(sink func(pkt []byte)) {
	if sink == nil {
		l.sink.Store(nil)
		return
	}
	l.sink.Store(&sink)
}

// swapSink replaces old with nil if old is still the sink.
func (l *Leg) clearSink(old *func([]byte)) { l.sink.CompareAndSwap(old, nil) }

// Done is closed when the leg ends: ICE or DTLS failure, the browser
// closing, or Close.
func (l *Leg) Done() <-chan struct{} { return l.done }

// Err returns why the leg ended (ErrICEFailed, ErrDTLSFailed,
// ErrPeerClosed or ErrClosed), nil while it runs.
func (l *Leg) Err() error {
	select {
	case <-l.done:
		return l.err
	default:
		return nil
	}
}

func (l *Leg) isDone() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

// finish ends the leg once with err and releases the PeerConnection in the
// background (pion callbacks call finish and must not block).
func (l *Leg) finish(err error) {
	l.endOnce.Do(func() {
		l.err = err
		close(l.done)
		if errors.Is(err, ErrClosed) {
			l.log.Debug("browserleg: leg closed")
		} else {
			l.log.Info("browserleg: leg ended", "reason", err)
		}
		go l.teardown()
	})
}

// teardown closes the PeerConnection and waits for the leg's goroutines.
func (l *Leg) teardown() {
	l.mu.Lock()
	l.closing = true
	l.mu.Unlock()
	l.stopFast()
	if err := l.pc.Close(); err != nil {
		l.log.Debug("browserleg: close peer connection", "err", err)
	}
	l.wg.Wait()
	l.stopFast() // in case startFast was running
	l.closeMux()
	l.e.forget(l)
	close(l.torn)
}

// closeMux releases the leg's own port in port-range mode.
func (l *Leg) closeMux() {
	if l.mux != nil {
		if err := l.mux.Close(); err != nil {
			l.log.Debug("browserleg: close own port", "err", err)
		}
	}
}

// Close ends the leg and frees the PeerConnection; it returns when
// everything is released. It is idempotent.
func (l *Leg) Close() error {
	l.finish(ErrClosed)
	<-l.torn
	return nil
}

package browserleg

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

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

	sigMu   sync.Mutex    // serialises negotiation
	want    direction     // our preferred direction; guarded by sigMu
	codecs  []media.Codec // formats the leg was created with
	offered []media.Codec // formats of our initial offer; nil when answering
	neg     atomic.Pointer[negotiation]
	sendOK  atomic.Bool

	wmu  sync.Mutex // guards hdr and cont (the WriteRTP path)
	hdr  rtp.Header
	cont continuity

	sink atomic.Pointer[func([]byte)]

	mu      sync.Mutex // guards closing and wg.Add
	closing bool
	wg      sync.WaitGroup

	endOnce sync.Once
	err     error // set before done is closed
	done    chan struct{}
	torn    chan struct{} // closed when the PeerConnection is released
}

// Answer answers a browser's offer (the browser calls out). codec is the
// only audio format accepted; dtmf, if not nil, adds telephone-event at the
// same clock rate (RFC 4733 §7.1.1). The answer is complete: ICE-lite,
// a=setup chosen by pion (active; RFC 5763 §5 lets the answerer pick),
// BUNDLE and rtcp-mux, the browser's mid echoed, no a=crypto, and the
// mux's host candidate inline. The payload types in the answer, and in
// Codec, are the browser's.
func (e *Engine) Answer(ctx context.Context, browserOffer string, codec media.Codec, dtmf *media.Codec) (*Leg, string, error) {
	codecs := []media.Codec{codec}
	if dtmf != nil {
		codecs = append(codecs, *dtmf)
	}
	l, err := e.newLeg(codecs)
	if err != nil {
		return nil, "", err
	}
	answer, err := l.answer(ctx, browserOffer)
	if err != nil {
		l.Close()
		return nil, "", err
	}
	return l, answer, nil
}

// Offer makes an offer to a browser (a call to it): codecs in order of
// preference, then dtmf if not nil, a=setup:actpass (RFC 5763 §5), BUNDLE,
// rtcp-mux and the host candidate. Apply the browser's answer with
// SetAnswer. The payload types are those of codecs.
func (e *Engine) Offer(ctx context.Context, codecs []media.Codec, dtmf *media.Codec) (*Leg, string, error) {
	all := append([]media.Codec(nil), codecs...)
	if dtmf != nil {
		all = append(all, *dtmf)
	}
	if len(codecs) == 0 {
		return nil, "", fmt.Errorf("%w: no codec to offer", ErrInvalidConfig)
	}
	l, err := e.newLeg(all)
	if err != nil {
		return nil, "", err
	}
	l.offered = all
	l.sigMu.Lock()
	offer, err := l.offer(ctx, dirSendrecv)
	l.sigMu.Unlock()
	if err != nil {
		l.Close()
		return nil, "", err
	}
	return l, offer, nil
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
		track:  &localTrack{id: "audio", stream: "callgate"},
		done:   make(chan struct{}),
		torn:   make(chan struct{}),
	}
	main, _, _ := mainCodec(codecs)
	l.cont.clock = main.Clock
	api, err := e.newAPI(codecs, pionLogs{log: l.log, quiet: l.isDone})
	if err != nil {
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
			// Reached without our Close only when the browser closed DTLS.
			l.finish(ErrPeerClosed)
		}
	})
	l.tr.Sender().Transport().OnStateChange(func(s webrtc.DTLSTransportState) {
		switch s {
		case webrtc.DTLSTransportStateFailed:
			l.finish(ErrDTLSFailed)
		case webrtc.DTLSTransportStateClosed:
			l.finish(ErrPeerClosed)
		}
	})
	l.pc.OnTrack(func(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
		l.spawn(func() { l.readRTP(t) })
		l.spawn(func() { l.drainReceiverRTCP(r) })
	})
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

// answer applies a browser offer and returns our complete answer. The
// answer's direction is the offer's reversed, limited to what we want
// (RFC 3264 §6.1: sendonly is answered with recvonly, never sendrecv).
// Callers hold no lock; answer takes sigMu.
func (l *Leg) answer(ctx context.Context, offer string) (string, error) {
	l.sigMu.Lock()
	defer l.sigMu.Unlock()
	if l.isDone() {
		return "", ErrClosed
	}
	remote, err := parseSDP(offer)
	if err != nil {
		return "", err
	}
	if !l.acceptsAny(remote.codecs) {
		return "", fmt.Errorf("%w: offer has %d audio formats, none accepted", ErrNoCommonCodec, len(remote.codecs))
	}
	if err := l.pc.SetRemoteDescription(webrtc.SessionDescription{
		Type: webrtc.SDPTypeOffer, SDP: forPion(offer, remote.dir),
	}); err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadSDP, err)
	}
	ans, err := l.pc.CreateAnswer(nil)
	if err != nil {
		return "", fmt.Errorf("%w: create answer: %w", ErrBadSDP, err)
	}
	dir := remote.dir.reverse() & l.want
	local, err := l.setLocal(ctx, ans, dir)
	if err != nil {
		return "", err
	}
	mine, err := parseSDP(local)
	if err != nil {
		return "", err
	}
	codec, dtmf, ok := mainCodec(mine.codecs)
	if !ok {
		return "", fmt.Errorf("%w: offer had %d audio formats", ErrNoCommonCodec, len(remote.codecs))
	}
	l.negotiated(&negotiation{codec: codec, dtmf: dtmf, all: mine.codecs, dir: dir})
	return local, nil
}

// offer creates and applies a local offer with direction dir. Caller
// holds sigMu.
func (l *Leg) offer(ctx context.Context, dir direction) (string, error) {
	if l.isDone() {
		return "", ErrClosed
	}
	o, err := l.pc.CreateOffer(nil)
	if err != nil {
		return "", fmt.Errorf("browserleg: create offer: %w", err)
	}
	return l.setLocal(ctx, o, dir)
}

// setLocal applies a local description and returns it once ICE gathering
// is complete, candidates included (no trickle toward SIP), with its
// audio direction set to dir. pion applies only descriptions it generated
// itself and has no API for a transceiver's direction, so the direction is
// set in the text sent to the browser; what we may send is enforced by
// WriteRTP.
func (l *Leg) setLocal(ctx context.Context, desc webrtc.SessionDescription, dir direction) (string, error) {
	gathered := webrtc.GatheringCompletePromise(l.pc)
	if err := l.pc.SetLocalDescription(desc); err != nil {
		return "", fmt.Errorf("browserleg: set local description: %w", err)
	}
	t := time.NewTimer(l.e.cfg.GatherTimeout)
	defer t.Stop()
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", context.Cause(ctx)
	case <-t.C:
		return "", ErrGatherTimeout
	case <-l.done:
		return "", ErrClosed
	}
	ld := l.pc.LocalDescription()
	if ld == nil {
		return "", ErrClosed
	}
	return rtpCandidatesOnly(withDirection(ld.SDP, dir)), nil
}

// acceptsAny reports whether offered holds an audio format the leg was
// created for (telephone-event alone does not count).
func (l *Leg) acceptsAny(offered []media.Codec) bool {
	for _, o := range offered {
		if isDTMF(o) {
			continue
		}
		for _, c := range l.codecs {
			if sameFormat(o, c) {
				return true
			}
		}
	}
	return false
}

// SetAnswer applies the browser's answer to our last offer (Offer or
// CreateReoffer).
func (l *Leg) SetAnswer(browserAnswer string) error {
	l.sigMu.Lock()
	defer l.sigMu.Unlock()
	if l.isDone() {
		return ErrClosed
	}
	remote, err := parseSDP(browserAnswer)
	if err != nil {
		return err
	}
	if err := l.pc.SetRemoteDescription(webrtc.SessionDescription{
		Type: webrtc.SDPTypeAnswer, SDP: forPion(browserAnswer, remote.dir),
	}); err != nil {
		return fmt.Errorf("%w: %w", ErrBadSDP, err)
	}
	codec, dtmf, ok := mainCodec(remote.codecs)
	if !ok {
		return fmt.Errorf("%w: answer has no audio format", ErrNoCommonCodec)
	}
	// The browser may send any format we offered, even one its answer
	// left out, so every offered format is accepted from it.
	all := l.offered
	if all == nil {
		all = remote.codecs
	}
	l.negotiated(&negotiation{codec: codec, dtmf: dtmf, all: all, dir: remote.dir.reverse() & l.want})
	return nil
}

// Renegotiate answers a re-offer from the browser (hold, resume, session
// refresh). DTLS role, fingerprint, ICE credentials and mid stay those of
// the first exchange (RFC 8842 §5, RFC 8839 §4.4.1.1.1). The answer's
// direction is the offer's reversed, limited by the direction last chosen
// with CreateReoffer.
func (l *Leg) Renegotiate(remoteOffer string) (answer string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), l.e.cfg.GatherTimeout)
	defer cancel()
	return l.answer(ctx, remoteOffer)
}

// CreateReoffer makes a re-offer toward the browser with direction
// ("sendrecv", "sendonly", "recvonly" or "inactive"), keeping a=setup:actpass
// (RFC 8842 §5.2), the fingerprint, ICE credentials and mid. Apply the
// browser's answer with SetAnswer. The direction also limits later answers
// to browser re-offers until changed again.
func (l *Leg) CreateReoffer(dir string) (offer string, err error) {
	d, err := parseDirection(dir)
	if err != nil {
		return "", err
	}
	l.sigMu.Lock()
	defer l.sigMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), l.e.cfg.GatherTimeout)
	defer cancel()
	o, err := l.offer(ctx, d)
	if err != nil {
		return "", err
	}
	l.want = d
	return o, nil
}

// negotiated records the outcome of an exchange.
func (l *Leg) negotiated(n *negotiation) {
	l.neg.Store(n)
	l.wmu.Lock()
	l.cont.clock = n.codec.Clock
	l.wmu.Unlock()
	if n.dir.sends() {
		l.sendOK.Store(true)
	} else if l.sendOK.Swap(false) {
		l.wmu.Lock()
		l.cont.suspend()
		l.wmu.Unlock()
	}
	l.log.Debug("browserleg: negotiated", "codec", n.codec.Name, "pt", n.codec.PT, "dir", n.dir.String())
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
// runs on the leg's reader goroutine and must not block.
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
	if err := l.pc.Close(); err != nil {
		l.log.Debug("browserleg: close peer connection", "err", err)
	}
	l.wg.Wait()
	l.e.forget(l)
	close(l.torn)
}

// Close ends the leg and frees the PeerConnection; it returns when
// everything is released. It is idempotent.
func (l *Leg) Close() error {
	l.finish(ErrClosed)
	<-l.torn
	return nil
}

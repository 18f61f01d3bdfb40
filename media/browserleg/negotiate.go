package browserleg

import (
	"context"
	"fmt"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/callgate/callgate/media"
)

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
	local = withOwnFmtp(local, l.codecs)
	mine, err := parseSDP(local)
	if err != nil {
		return "", err
	}
	l.setRole(mine.setup)
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
	switch remote.setup {
	case "active":
		l.setRole("passive")
	case "passive":
		l.setRole("active")
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
	l.prevWant, l.want = l.want, d
	return o, nil
}

// CancelReoffer abandons the offer made by CreateReoffer when its answer
// will never come: the browser rejected the re-INVITE (488, or 491 on
// glare, RFC 3261 §14.1) or it timed out. The previous negotiation stays
// in force (RFC 3264 §8) and a new offer, ours or the browser's, can
// follow.
func (l *Leg) CancelReoffer() error {
	l.sigMu.Lock()
	defer l.sigMu.Unlock()
	if l.isDone() {
		return ErrClosed
	}
	if l.pc.SignalingState() != webrtc.SignalingStateHaveLocalOffer {
		return nil
	}
	pending, current := l.pc.PendingLocalDescription(), l.pc.CurrentRemoteDescription()
	if pending == nil || current == nil || l.role == "" {
		return fmt.Errorf("browserleg: cancel re-offer: nothing negotiated yet")
	}
	theirRole := "active"
	if l.role == "active" {
		theirRole = "passive"
	}
	answer, err := standInAnswer(pending.SDP, current.SDP, theirRole)
	if err != nil {
		return fmt.Errorf("browserleg: cancel re-offer: %w", err)
	}
	if err := l.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		return fmt.Errorf("browserleg: cancel re-offer: %w", err)
	}
	l.want = l.prevWant
	return nil
}

// setRole records our DTLS role from the first exchange that fixed it
// (RFC 4145 §4: "active" or "passive"); later exchanges keep it (RFC 8842
// §5). Caller holds sigMu.
func (l *Leg) setRole(setup string) {
	if l.role == "" && (setup == "active" || setup == "passive") {
		l.role = setup
	}
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

package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

// dtmfPT is the browser's payload type for telephone-event/8000.
const dtmfPT = 101

// browserEnv is what every simulated browser shares: one pion API (media
// engine, setting engine, interceptors), one DTLS certificate, the
// gateway's WebSocket address and the two accounts.
type browserEnv struct {
	log     *slog.Logger
	api     *webrtc.API
	cert    webrtc.Certificate
	wsURL   string
	origin  string
	user    string
	pass    string
	callee  string
	b2p     *flow // what browsers send
	p2b     *flow // what browsers receive
	timeout time.Duration
	// audio is the microphone's codec; step its RTP timestamp step.
	audio string
	step  uint32
	// tone, when set (-opus), holds the Opus frames every microphone
	// sends in turn.
	tone *transcodeMedia
}

// browserCodecs is what browsers offer: PCMU and telephone-event/8000,
// or with opus set only Opus and telephone-event/48000 (a browser sharing
// no codec with phones, so callgate must transcode).
func browserCodecs(opus bool) []webrtc.RTPCodecParameters {
	if opus {
		return []webrtc.RTPCodecParameters{
			{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: opusFmtp}, PayloadType: opusPT},
			{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "audio/telephone-event", ClockRate: 48000, SDPFmtpLine: "0-16"}, PayloadType: opusDTMFPT},
		}
	}
	return []webrtc.RTPCodecParameters{
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}, PayloadType: pcmuPT},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "audio/telephone-event", ClockRate: 8000, SDPFmtpLine: "0-16"}, PayloadType: dtmfPT},
	}
}

// newBrowserEnv builds the shared pion API: the codecs of browserCodecs
// (Opus when tone is set), RTCP sender/receiver reports as the only
// interceptors (RFC 3550 §6.4), and ICE on loopback UDP4 only without
// mDNS.
func newBrowserEnv(log *slog.Logger, g *gateway, b2p, p2b *flow, tone *transcodeMedia) (*browserEnv, error) {
	me := &webrtc.MediaEngine{}
	codecs := browserCodecs(tone != nil)
	for _, c := range codecs {
		if err := me.RegisterCodec(c, webrtc.RTPCodecTypeAudio); err != nil {
			return nil, err
		}
	}
	ir := &interceptor.Registry{}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, err
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	// A loaded 2-core machine can stall a PeerConnection's goroutines for
	// seconds; keep pion from declaring a working path dead.
	se.SetICETimeouts(10*time.Second, 30*time.Second, 2*time.Second)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	cert, err := webrtc.GenerateCertificate(key)
	if err != nil {
		return nil, err
	}
	step := uint32(samplesPerPkt)
	if tone != nil {
		step = opusSamplesPerPkt
	}
	return &browserEnv{
		log:  log,
		api:  webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)),
		cert: *cert, wsURL: g.wsURL, origin: "http://" + g.httpHost,
		user: browserUser, pass: g.passwords[browserUser], callee: phoneUser,
		b2p: b2p, p2b: p2b, timeout: 15 * time.Second,
		audio: codecs[0].MimeType, step: step, tone: tone,
	}, nil
}

// micBinding is what pion hands the microphone track once negotiated.
type micBinding struct {
	w    webrtc.TrackLocalWriter
	ssrc uint32
	pt   uint8
}

// micTrack is a minimal webrtc.TrackLocal: it keeps the negotiated writer
// so the pacer can write header and payload straight into SRTP without
// the copying of pion's static tracks.
type micTrack struct {
	mime  string // the one codec it sends
	bound atomic.Pointer[micBinding]
}

// Bind implements webrtc.TrackLocal, accepting the track's codec only.
func (t *micTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	for _, c := range ctx.CodecParameters() {
		if strings.EqualFold(c.MimeType, t.mime) {
			t.bound.Store(&micBinding{w: ctx.WriteStream(), ssrc: uint32(ctx.SSRC()), pt: uint8(c.PayloadType)})
			return c, nil
		}
	}
	return webrtc.RTPCodecParameters{}, webrtc.ErrUnsupportedCodec
}

// Unbind implements webrtc.TrackLocal.
func (t *micTrack) Unbind(webrtc.TrackLocalContext) error {
	t.bound.Store(nil)
	return nil
}

// ID implements webrtc.TrackLocal.
func (t *micTrack) ID() string { return "mic" }

// RID implements webrtc.TrackLocal; audio has no simulcast.
func (t *micTrack) RID() string { return "" }

// StreamID implements webrtc.TrackLocal.
func (t *micTrack) StreamID() string { return "mediabench" }

// Kind implements webrtc.TrackLocal.
func (t *micTrack) Kind() webrtc.RTPCodecType { return webrtc.RTPCodecTypeAudio }

// newPeer creates the call's PeerConnection with the microphone track and
// the receive path for the phone's audio.
func (c *browserCall) newPeer() error {
	pc, err := c.env.api.NewPeerConnection(webrtc.Configuration{
		BundlePolicy: webrtc.BundlePolicyMaxBundle,
		Certificates: []webrtc.Certificate{c.env.cert},
	})
	if err != nil {
		return err
	}
	c.pc = pc
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		switch s {
		case webrtc.PeerConnectionStateConnected:
			c.connOnce.Do(func() { close(c.connected) })
		case webrtc.PeerConnectionStateFailed:
			c.failOnce.Do(func() { close(c.failed) })
		}
	})
	pc.OnTrack(c.readTrack)
	sender, err := pc.AddTrack(&c.mic)
	if err != nil {
		return err
	}
	// RTCP for our stream must be read for the report interceptor to see it.
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		buf := make([]byte, 1500)
		for {
			if _, _, err := sender.Read(buf); err != nil {
				return
			}
		}
	}()
	return nil
}

// readTrack receives the phone's audio with Read into one reused buffer.
func (c *browserCall) readTrack(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	c.trackMu.Lock()
	if c.closing || c.trackDone != nil {
		c.trackMu.Unlock()
		return
	}
	done := make(chan struct{})
	c.trackDone = done
	c.trackMu.Unlock()
	defer close(done)
	buf := make([]byte, 1500)
	for {
		n, _, err := tr.Read(buf)
		if err != nil {
			return
		}
		c.rx.onPacket(buf[:n])
	}
}

// send implements pacedSender: one packet into SRTP, marked PCMU or the
// tone ring's next Opus frame (20 ms: the timestamp advances 960).
func (c *browserCall) send(inWindow bool) {
	b := c.mic.bound.Load()
	if b == nil {
		return
	}
	c.hdr.Version, c.hdr.PayloadType, c.hdr.SSRC = 2, b.pt, b.ssrc
	c.hdr.SequenceNumber++
	c.hdr.Timestamp += c.env.step
	payload := c.payload[:]
	if t := c.env.tone; t != nil {
		ring := t.opus
		if r := c.ring.Load(); r != nil {
			ring = *r
		}
		payload = ring[c.frame]
		c.frame = (c.frame + 1) % len(ring)
	} else {
		stamp(payload, c.idx, monoNow(), inWindow)
	}
	if _, err := b.w.WriteRTP(&c.hdr, payload); err != nil {
		c.env.b2p.sendErrs.Add(1)
		return
	}
	if inWindow {
		c.env.b2p.sent.Add(1)
	}
}

// skip implements skipCounter.
func (c *browserCall) skip() { c.env.b2p.skipped.Add(1) }

// closePeer closes the PeerConnection and waits for the read loops.
func (c *browserCall) closePeer() {
	c.trackMu.Lock()
	c.closing = true
	done := c.trackDone
	c.trackMu.Unlock()
	if c.pc != nil {
		_ = c.pc.Close()
	}
	if done != nil {
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			c.env.log.Warn("track reader did not stop", "call", c.idx)
		}
	}
}

package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callgate/callgate/media/codec"
)

// stepResult is what one concurrent-call count measured.
type stepResult struct {
	calls      int           // calls asked for
	up         int           // calls with media connected
	setupFails int           // calls that did not come up
	firstErrs  []string      // a few setup errors
	setup      time.Duration // time to bring all calls up
	silent     int           // streams without media after the warm-up
	window     time.Duration
	gwCPU      float64 // callgate, percent of one core
	loadCPU    float64 // this program, percent of one core
	rssIdle    int64   // callgate KiB before any call
	rssLoaded  int64   // callgate KiB at the end of the window
	b2p, p2b   flowResult
	base       flowResult
	lagB2P     time.Duration // worst pacer lateness in the window
	lagP2B     time.Duration
	skipB2P    int64 // packets the late pacer skipped in the window
	skipP2B    int64
	rcvbufErrs int64 // host UDP receive-buffer drops during the window
	rtcDrops   int64 // of those, on callgate's shared WebRTC socket
	hungUp     int   // BYEs answered 200 by callgate
	phoneByes  int64 // BYEs of those calls that reached the phone

	// -opus: callgate transcoded every call.
	transcoded         bool
	toneB2P, toneP2B   toneCheck // what the phones and browsers heard
	worstB2P, worstP2B float64   // lowest per-stream share of the window's ticks received
}

// rssPerCall is callgate's resident memory growth per call in KiB.
func (r stepResult) rssPerCall() float64 {
	if r.up == 0 {
		return 0
	}
	return float64(r.rssLoaded-r.rssIdle) / float64(r.up)
}

// cpuPer100 is callgate's CPU per 100 calls, percent of one core.
func (r stepResult) cpuPer100() float64 {
	if r.up == 0 {
		return 0
	}
	return r.gwCPU / float64(r.up) * 100
}

// callsPerCore is how many such calls one core of callgate would carry
// at the measured CPU per call: 100 / (cpu%/100 calls) × 100; 0 when
// nothing was measured.
func (r stepResult) callsPerCore() float64 {
	if c := r.cpuPer100(); c > 0 {
		return 100 / c * 100
	}
	return 0
}

// stepEnv is everything one step owns; close releases it all.
type stepEnv struct {
	log      *slog.Logger
	gw       *gateway
	ph       *phone
	env      *browserEnv
	calls    []*browserCall
	base     []*baselinePair
	baseWG   sync.WaitGroup
	b2p, p2b flow
	baseFlow flow
}

// runStep starts a fresh gateway, holds n calls through it with media
// both ways, measures one window and hangs everything up.
func runStep(ctx context.Context, o options, bin string, n int) (stepResult, error) {
	res := stepResult{calls: n, transcoded: o.tone != nil}
	dir, err := os.MkdirTemp("", "mediabench")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	s := &stepEnv{log: o.log}
	// window is set while the measurement window runs.
	var window atomic.Bool
	warmup := o.warmup
	if o.tone != nil {
		// Transcoded media is counted by payload type at the receivers.
		s.b2p.byPT = &ptCount{pt: pcmuPT, window: &window}
		s.p2b.byPT = &ptCount{pt: opusPT, window: &window}
		// The window starts no earlier than 500 ms into every call, past
		// the transcoders' jitter buffers filling up.
		warmup = max(warmup, minOpusWarmup)
	}
	s.gw, err = startGateway(ctx, bin, dir, o.profileFor(n))
	if err != nil {
		return res, err
	}
	defer s.gw.stop()
	o.log.Info("gateway up", "pid", s.gw.pid, "sip_udp", s.gw.sipUDP, "websocket", s.gw.wsURL, "webrtc", s.gw.webrtc)

	// Pacing: browser i sends at i*20ms/N, the phone's j-th call half a
	// period later, baseline pairs spread in between. Streams join the
	// wheels as their calls come up, as real endpoints start sending when
	// media connects.
	wb, wp := newWheel(n), newWheel(n+o.baselinePairs)
	offset := func(i, of int64) time.Duration { return time.Duration(i) * packetPeriod / time.Duration(of) }
	s.ph, err = newPhone(o.sipLog, s.gw.sipUDP, phoneUser, s.gw.passwords[phoneUser], &s.b2p, &s.p2b,
		func(c *phoneCall, seq int64) { wp.add(packetPeriod/2+offset(seq-1, int64(n)), c) }, o.tone)
	if err != nil {
		return res, err
	}
	defer s.ph.close()
	if err := s.ph.register(ctx); err != nil {
		return res, err
	}
	s.base, err = newBaseline(o.baselinePairs, &s.baseFlow, &s.baseWG)
	if err != nil {
		return res, err
	}
	defer func() { closeBaseline(s.base); s.baseWG.Wait() }()
	for k, b := range s.base {
		wp.add(packetPeriod/4+offset(int64(k), int64(len(s.base))), b)
	}
	if s.env, err = newBrowserEnv(o.log, s.gw, &s.b2p, &s.p2b, o.tone); err != nil {
		return res, err
	}
	defer s.closeCalls()

	if err := sleepCtx(ctx, 500*time.Millisecond); err != nil {
		return res, err
	}
	if res.rssIdle, err = processRSS(s.gw.pid); err != nil {
		return res, err
	}

	stop := make(chan struct{})
	var pacers sync.WaitGroup
	t0 := time.Now()
	setupBudget := time.Duration(float64(n)/o.setupRate*float64(time.Second)) + 2*s.env.timeout
	until := t0.Add(setupBudget + warmup + o.duration + 30*time.Second)
	for _, w := range []*wheel{wb, wp} {
		pacers.Add(1)
		go func() { defer pacers.Done(); w.run(t0, until, stop, &window) }()
	}
	stopPacers := sync.OnceFunc(func() { close(stop); pacers.Wait() })
	defer stopPacers()

	up := s.setupCalls(ctx, n, o.setupRate, &res, func(c *browserCall) { wb.add(offset(int64(c.idx), int64(n)), c) })
	res.setup = time.Since(t0)
	res.up = len(up)
	o.log.Info("calls set up", "up", len(up), "of", n, "took", res.setup.Round(time.Millisecond), "failed", res.setupFails)
	if len(up) == 0 {
		return res, fmt.Errorf("%w: no call came up: %v", errMedia, res.firstErrs)
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	// The phone must hold exactly the live calls (failed ones were hung up).
	phoneCalls := s.ph.live()
	for deadline := time.Now().Add(5 * time.Second); len(phoneCalls) != len(up) && time.Now().Before(deadline); phoneCalls = s.ph.live() {
		time.Sleep(20 * time.Millisecond)
	}
	if len(phoneCalls) != len(up) {
		return res, fmt.Errorf("%w: phone holds %d calls, browsers %d", errSIP, len(phoneCalls), len(up))
	}

	o.log.Info("media flowing, warming up", "warmup", warmup)
	if err := sleepCtx(ctx, warmup); err != nil {
		return res, err
	}
	sb, sp := silentStreams(up, phoneCalls)
	for deadline := time.Now().Add(5 * time.Second); sb+sp > 0 && time.Now().Before(deadline); sb, sp = silentStreams(up, phoneCalls) {
		time.Sleep(100 * time.Millisecond)
	}
	res.silent = sb + sp
	if res.silent > 0 {
		o.log.Warn("streams without media after warm-up", "browsers_hearing_nothing", sb, "phones_hearing_nothing", sp)
	}

	o.log.Info("measuring", "window", o.duration)
	gw0, err := processCPU(s.gw.pid)
	if err != nil {
		return res, err
	}
	rtcPort := uint16(0)
	if ap, err := netip.ParseAddrPort(s.gw.webrtc); err == nil {
		rtcPort = ap.Port()
	}
	rtc0 := udpSocketDrops(rtcPort)
	self0, rb0, w0 := selfCPU(), udpRcvbufErrors(), time.Now()
	window.Store(true)
	werr := sleepCtx(ctx, o.duration)
	window.Store(false)
	res.window = time.Since(w0)
	gw1, err := processCPU(s.gw.pid)
	if err != nil {
		return res, err
	}
	self1 := selfCPU()
	if res.rssLoaded, err = processRSS(s.gw.pid); err != nil {
		return res, err
	}
	stopPacers()
	if werr != nil {
		return res, werr
	}
	// Packets still in flight are counted by their in-window flag.
	_ = sleepCtx(ctx, 300*time.Millisecond)
	if rb0 >= 0 {
		res.rcvbufErrs = udpRcvbufErrors() - rb0
	}
	if rtc0 >= 0 {
		res.rtcDrops = udpSocketDrops(rtcPort) - rtc0
	}
	res.gwCPU = float64(gw1-gw0) / float64(res.window) * 100
	res.loadCPU = float64(self1-self0) / float64(res.window) * 100
	res.b2p, res.p2b, res.base = s.b2p.result(), s.p2b.result(), s.baseFlow.result()
	res.lagB2P, res.lagP2B = time.Duration(wb.lagMax.Load()), time.Duration(wp.lagMax.Load())
	res.skipB2P, res.skipP2B = wb.skipped.Load(), wp.skipped.Load()
	if res.transcoded {
		s.checkTranscoded(&res, phoneCalls, up)
	}

	o.log.Info("hanging up", "calls", len(up))
	byes0 := s.ph.byes.Load()
	res.hungUp = hangupAll(ctx, o.log, up)
	want := byes0 + int64(len(up))
	for deadline := time.Now().Add(5 * time.Second); s.ph.byes.Load() < want && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	res.phoneByes = s.ph.byes.Load() - byes0
	return res, nil
}

// minOpusWarmup is the shortest warm-up of the -opus mode: the first
// 500 ms of each call, while the transcoders' jitter buffers fill, stay
// out of the window. (Its end lies before the hang-up anyway.)
const minOpusWarmup = 500 * time.Millisecond

// checkTranscoded fills in the -opus figures: each stream's share of the
// window's 20 ms ticks, and the tone check on the sampled streams (the
// phones must hear the browsers' tone through PCMU, the browsers the
// phone's through Opus).
func (s *stepEnv) checkTranscoded(res *stepResult, phones []*phoneCall, browsers []*browserCall) {
	ticks := float64(res.window) / float64(packetPeriod)
	var prx, brx []*receiver
	var ps, bs []*toneSample
	for _, c := range phones {
		prx = append(prx, &c.rx)
		if c.rx.sample != nil {
			ps = append(ps, c.rx.sample)
		}
	}
	for _, c := range browsers {
		brx = append(brx, &c.rx)
		if c.rx.sample != nil {
			bs = append(bs, c.rx.sample)
		}
	}
	res.worstB2P, res.worstP2B = worstStream(prx, ticks), worstStream(brx, ticks)
	res.toneB2P = checkTone(ps, codec.PCMU, browserToneHz)
	res.toneP2B = checkTone(bs, codec.Opus, phoneToneHz)
	s.log.Info("tone check", "phones", res.toneB2P.String(), "browsers", res.toneP2B.String())
}

// setupCalls places n calls at most rate per second, with a bounded
// number in progress, and returns those whose media connected; connected
// is told of each as it connects. Calls that got a 2xx but no media are
// hung up.
func (s *stepEnv) setupCalls(ctx context.Context, n int, rate float64, res *stepResult, connected func(*browserCall)) []*browserCall {
	interval := time.Duration(float64(time.Second) / rate)
	sem := make(chan struct{}, 256)
	ok := make([]bool, n)
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	s.calls = make([]*browserCall, 0, n)
	for i := 0; i < n; i++ {
		if sleepCtx(ctx, time.Until(start.Add(time.Duration(i)*interval))) != nil {
			break
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		c := newBrowserCall(s.env, uint32(i))
		s.calls = append(s.calls, c)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			err := c.establish(ctx)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.setupFails++
				if len(res.firstErrs) < 5 {
					res.firstErrs = append(res.firstErrs, fmt.Sprintf("call %d: %v", c.idx, err))
				}
				return
			}
			ok[i] = true
			connected(c)
		}()
		if (i+1)%100 == 0 {
			s.log.Info("setting up", "started", i+1, "of", n)
		}
	}
	wg.Wait()
	var up, broken []*browserCall
	for i, c := range s.calls {
		if ok[i] {
			up = append(up, c)
		} else if c.answer != nil {
			broken = append(broken, c)
		}
	}
	if len(broken) > 0 {
		s.log.Warn("hanging up calls whose media failed", "calls", len(broken))
		hangupAll(ctx, s.log, broken)
	}
	for _, e := range res.firstErrs {
		s.log.Warn("call setup failed", "error", e)
	}
	return up
}

// silentStreams counts browsers and phones that have received no packet.
func silentStreams(browsers []*browserCall, phones []*phoneCall) (b, p int) {
	for _, c := range browsers {
		if c.rx.got.Load() == 0 {
			b++
		}
	}
	for _, c := range phones {
		if c.rx.got.Load() == 0 {
			p++
		}
	}
	return b, p
}

// hangupAll sends BYE on every call, a few at a time, and returns how many
// callgate answered with 200.
func hangupAll(ctx context.Context, log *slog.Logger, calls []*browserCall) int {
	var ok atomic.Int64
	var logged atomic.Int64
	work := make(chan *browserCall)
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				if err := c.hangup(ctx); err != nil {
					if logged.Add(1) <= 5 {
						log.Warn("hangup failed", "call", c.idx, "error", err)
					}
					continue
				}
				ok.Add(1)
			}
		}()
	}
	for _, c := range calls {
		work <- c
	}
	close(work)
	wg.Wait()
	return int(ok.Load())
}

// closeCalls closes every browser, a few at a time.
func (s *stepEnv) closeCalls() {
	work := make(chan *browserCall)
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				c.close()
			}
		}()
	}
	for _, c := range s.calls {
		work <- c
	}
	close(work)
	wg.Wait()
}

// sleepCtx sleeps for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

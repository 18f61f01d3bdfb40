// Command mediabench measures what relaying media costs callgate. It starts
// a callgate binary on loopback, registers a SIP phone (sipgo over UDP,
// plain RTP) and has simulated browsers (a gorilla WebSocket speaking SIP
// as JsSIP does, and a pion PeerConnection with DTLS-SRTP) call it, N
// calls at once. By default every call carries G.711 µ-law both ways
// (-opus below transcodes), 20 ms packets with 160-byte payloads, senders
// spread evenly over the 20 ms period.
//
//	go run ./cmd/mediabench -calls 500
//	go run ./cmd/mediabench -calls 100,250,500 -duration 20s -setup-rate 50
//
// For each count it starts a fresh gateway, sets the calls up at
// -setup-rate, lets media run for a warm-up, then measures one window
// (-duration): callgate's CPU (utime+stime from /proc, percent of one
// core, and per 100 calls), callgate's resident memory growth per call
// over its idle size, this program's own CPU, packets sent and received
// per direction, loss, and one-way latency percentiles (every payload
// carries its send time). A few plain UDP pairs inside this program, paced
// the same way, give the loopback baseline, so "added" latency is what the
// trip through callgate costs beyond it. Afterwards every call is hung up
// with a BYE from the browser.
//
// With -opus the browsers offer only Opus/48000/2 (payload type 111,
// minptime=10;useinbandfec=1) and telephone-event/48000, so callgate
// transcodes every packet both ways between Opus and the phone's PCMU.
// Browsers send 20 ms Opus frames of a 440 Hz tone, the phone µ-law
// frames of a 1000 Hz tone, both encoded once at start-up. Markers do not
// survive transcoding, so receivers count the packets of the payload type
// they expect (PCMU at the phone, Opus at the browser) inside the window;
// loss compares them with the senders' 20 ms slots in the window, and
// latency is not measured. The first packets of a few calls per direction
// are decoded afterwards to check that the other side's tone dominates
// (Goertzel), and the table gains "calls/core": the calls one core of
// callgate would carry at the measured CPU per call. The window starts at
// least 500 ms into every call. Needs callgate and this program built with
// cgo and libopus.
//
//	go run ./cmd/mediabench -opus -calls 50,100 -duration 10s
//
// With -pion-floor N it places no calls: it connects N pairs of lean pion
// PeerConnections in this process and prints the heap, stacks and
// goroutines one of them holds, the floor under callgate's memory per
// browser call (pionfloor.go).
//
//	go run ./cmd/mediabench -pion-floor 100
//
// b2p is browser → phone (SRTP in, RTP out of callgate), p2b the reverse.
// All traffic stays on 127.0.0.1. -cpuprofile is passed to callgate's own
// -cpuprofile flag; with several counts each gets the file name suffixed
// with its count; -selfprofile profiles this program instead. Progress
// goes to stderr, results to stdout.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// options are the command-line settings.
type options struct {
	counts        []int
	duration      time.Duration
	warmup        time.Duration
	setupRate     float64
	callgate      string
	cpuProfile    string
	baselinePairs int
	opus          bool            // -opus: browsers offer Opus only
	tone          *transcodeMedia // the -opus tone rings, set by run
	log           *slog.Logger    // progress
	sipLog        *slog.Logger    // the SIP stack's own logs
}

// profileFor is the CPU profile path for a step of n calls.
func (o options) profileFor(n int) string {
	if o.cpuProfile == "" || len(o.counts) < 2 {
		return o.cpuProfile
	}
	ext := filepath.Ext(o.cpuProfile)
	return strings.TrimSuffix(o.cpuProfile, ext) + "-" + strconv.Itoa(n) + ext
}

// parseCounts reads a comma list of positive call counts.
func parseCounts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%w: bad call count %q", errUsage, f)
		}
		out = append(out, n)
	}
	return out, nil
}

func main() {
	var o options
	calls := flag.String("calls", "100,250,500", "concurrent call counts to try, in order")
	flag.DurationVar(&o.duration, "duration", 20*time.Second, "measurement window per count")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "media time before the window")
	flag.Float64Var(&o.setupRate, "setup-rate", 50, "calls set up per second")
	flag.StringVar(&o.callgate, "callgate", "", "callgate binary (default: build ./cmd/callgate)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "have callgate write a CPU profile to this `file`")
	flag.IntVar(&o.baselinePairs, "baseline-pairs", 4, "plain UDP pairs for the loopback baseline")
	flag.BoolVar(&o.opus, "opus", false, "browsers offer only Opus: callgate transcodes Opus⇄PCMU on every call")
	timeout := flag.Duration("timeout", 10*time.Minute, "deadline for the whole run")
	selfProfile := flag.String("selfprofile", "", "write this program's own CPU profile to `file`")
	floorPairs := flag.Int("pion-floor", 0, "instead of calls, measure what one connected pion PeerConnection holds, over `pairs` pairs (pionfloor.go)")
	flag.Parse()
	var err error
	if o.counts, err = parseCounts(*calls); err != nil || o.setupRate <= 0 || o.duration <= 0 || o.baselinePairs <= 0 {
		fmt.Fprintln(os.Stderr, "mediabench: bad flags:", err)
		flag.Usage()
		os.Exit(2)
	}
	o.log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	o.sipLog = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	// sipgo's transport layer logs through the default logger.
	slog.SetDefault(o.sipLog)

	if *selfProfile != "" {
		f, err := os.Create(*selfProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "mediabench:", err)
			os.Exit(2)
		}
		defer func() { pprof.StopCPUProfile(); _ = f.Close() }()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	if *floorPairs > 0 {
		var r pionFloorResult
		if r, err = pionFloor(ctx, *floorPairs); err == nil {
			printPionFloor(os.Stdout, r)
		}
	} else {
		_, err = run(ctx, o, os.Stdout)
	}
	cancel()
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mediabench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// run builds callgate if needed, runs every count in order and prints a
// line per count and the final table to out.
func run(ctx context.Context, o options, out io.Writer) ([]stepResult, error) {
	if o.opus {
		tone, err := newTranscodeMedia()
		if err != nil {
			return nil, err
		}
		o.tone = tone
	}
	bin := o.callgate
	if bin == "" {
		dir, err := os.MkdirTemp("", "mediabench-bin")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		o.log.Info("building callgate")
		if bin, err = buildCallgate(ctx, dir); err != nil {
			return nil, err
		}
	}
	var results []stepResult
	var firstErr error
	for i, n := range o.counts {
		if i > 0 {
			// Let quarantined RTP ports and TIME_WAIT sockets settle.
			if err := sleepCtx(ctx, time.Second); err != nil {
				firstErr = err
				break
			}
		}
		o.log.Info("step", "calls", n)
		r, err := runStep(ctx, o, bin, n)
		if err != nil {
			o.log.Error("step failed", "calls", n, "error", err)
			firstErr = fmt.Errorf("%d calls: %w", n, err)
			break
		}
		printStep(out, r)
		results = append(results, r)
	}
	printTable(out, results, o.opus)
	return results, firstErr
}

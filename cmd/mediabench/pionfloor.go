package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

// The pion floor. callgate's browser leg is a pion PeerConnection, which
// lives as long as the call (closing it would send the browser a DTLS
// close_notify). What one connected PeerConnection costs on its own is
// therefore a floor under callgate's memory per browser call. -pion-floor
// measures it in this process: pairs of PeerConnections set up as leanly
// as a gateway can (one audio codec, no interceptors, no mDNS, host
// candidates on loopback UDP only), connected to each other through ICE
// and DTLS, then the heap, goroutine stacks and goroutines they hold,
// divided by the number of PeerConnections. Both ends of a pair are
// counted, so each figure is the mean of an offerer and an answerer.

// pionFloorResult is what one connected PeerConnection holds.
type pionFloorResult struct {
	pcs        int
	heapKiB    float64 // live heap after a collection
	stackKiB   float64 // goroutine stacks
	goroutines float64
}

// pionFloor connects pairs pairs of lean PeerConnections and measures them.
func pionFloor(ctx context.Context, pairs int) (pionFloorResult, error) {
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	g0 := runtime.NumGoroutine()

	var pcs []*webrtc.PeerConnection
	defer func() {
		for _, pc := range pcs {
			_ = pc.Close()
		}
	}()
	for range pairs {
		a, b, err := leanPair()
		if a != nil {
			pcs = append(pcs, a)
		}
		if b != nil {
			pcs = append(pcs, b)
		}
		if err != nil {
			return pionFloorResult{}, err
		}
	}
	for _, pc := range pcs {
		for pc.ConnectionState() != webrtc.PeerConnectionStateConnected {
			if pc.ConnectionState() == webrtc.PeerConnectionStateFailed {
				return pionFloorResult{}, fmt.Errorf("%w: a floor PeerConnection failed", errMedia)
			}
			if err := sleepCtx(ctx, 10*time.Millisecond); err != nil {
				return pionFloorResult{}, err
			}
		}
	}
	// Let handshakes finish their work and their goroutines end.
	if err := sleepCtx(ctx, time.Second); err != nil {
		return pionFloorResult{}, err
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	n := float64(len(pcs))
	return pionFloorResult{
		pcs:        len(pcs),
		heapKiB:    (float64(after.HeapInuse) - float64(before.HeapInuse)) / 1024 / n,
		stackKiB:   (float64(after.StackInuse) - float64(before.StackInuse)) / 1024 / n,
		goroutines: float64(runtime.NumGoroutine()-g0) / n,
	}, nil
}

// leanAPI is a pion API with only what an audio call needs.
func leanAPI() (*webrtc.API, error) {
	me := &webrtc.MediaEngine{}
	if err := me.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000},
		PayloadType:        0,
	}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, err
	}
	se := webrtc.SettingEngine{}
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetIncludeLoopbackCandidate(true)
	se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(se),
		webrtc.WithInterceptorRegistry(&interceptor.Registry{})), nil
}

// leanPair makes two lean PeerConnections, one sending PCMU to the other,
// and starts connecting them (offer/answer with complete gathering).
func leanPair() (a, b *webrtc.PeerConnection, err error) {
	api, err := leanAPI()
	if err != nil {
		return nil, nil, err
	}
	if a, err = api.NewPeerConnection(webrtc.Configuration{}); err != nil {
		return nil, nil, err
	}
	if b, err = api.NewPeerConnection(webrtc.Configuration{}); err != nil {
		return a, nil, err
	}
	track, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}, "audio", "floor")
	if err != nil {
		return a, b, err
	}
	if _, err := a.AddTrack(track); err != nil {
		return a, b, err
	}
	if _, err := b.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio); err != nil {
		return a, b, err
	}
	if err := exchange(a, b); err != nil {
		return a, b, err
	}
	return a, b, nil
}

// exchange runs one offer/answer from a to b, each side's description
// carrying all its candidates.
func exchange(a, b *webrtc.PeerConnection) error {
	offer, err := a.CreateOffer(nil)
	if err != nil {
		return err
	}
	gathered := webrtc.GatheringCompletePromise(a)
	if err := a.SetLocalDescription(offer); err != nil {
		return err
	}
	<-gathered
	if err := b.SetRemoteDescription(*a.LocalDescription()); err != nil {
		return err
	}
	answer, err := b.CreateAnswer(nil)
	if err != nil {
		return err
	}
	gathered = webrtc.GatheringCompletePromise(b)
	if err := b.SetLocalDescription(answer); err != nil {
		return err
	}
	<-gathered
	return a.SetRemoteDescription(*b.LocalDescription())
}

// printPionFloor writes the floor's figures.
func printPionFloor(w io.Writer, r pionFloorResult) {
	fmt.Fprintf(w, "pion floor: %d connected PeerConnections (one audio codec, no interceptors, no mDNS, loopback UDP)\n", r.pcs)
	fmt.Fprintf(w, "  per PeerConnection: heap %.0f KiB + goroutine stacks %.0f KiB = %.0f KiB, %.1f goroutines\n",
		r.heapKiB, r.stackKiB, r.heapKiB+r.stackKiB, r.goroutines)
	fmt.Fprintf(w, "machine: %d CPUs, %s %s/%s\n", runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

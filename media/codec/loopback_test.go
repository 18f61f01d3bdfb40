package codec

import (
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestTranscoderOverUDP runs one direction of a call over real loopback
// sockets in real time, the way the gateway will: a phone sends PCMU every
// 20 ms, a reader goroutine pushes into the Transcoder, a playout goroutine
// ticks every 20 ms and sends to the browser's socket, which decodes what
// arrives.
func TestTranscoderOverUDP(t *testing.T) {
	defer goleak.VerifyNone(t)
	out := G722
	if OpusAvailable {
		out = Opus
	}
	listen := func() *net.UDPConn {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	phoneSock, gwPhoneSide, gwBrowserSide, browserSock := listen(), listen(), listen(), listen()
	defer phoneSock.Close()
	defer browserSock.Close()

	tr, err := NewTranscoder(Format{PCMU, 0}, Format{out, payloadType(out)}, TranscoderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})

	// Gateway: reader goroutine.
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, 1500)
		for {
			n, _, err := gwPhoneSide.ReadFromUDP(buf)
			if err != nil {
				return
			}
			tr.Push(buf[:n])
		}
	}()
	// Gateway: playout goroutine.
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(FrameDuration)
		defer tick.Stop()
		buf := make([]byte, 1500)
		dst := browserSock.LocalAddr().(*net.UDPAddr)
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			n, err := tr.Tick(buf)
			if err != nil {
				return
			}
			if n > 0 {
				gwBrowserSide.WriteToUDP(buf[:n], dst)
			}
		}
	}()

	// Browser: decodes what arrives until 40 packets came or time is up.
	sink := newListener(t, out)
	type result struct {
		count int
		err   error
	}
	received := make(chan result, 1)
	go func() {
		buf := make([]byte, 1500)
		var r result
		defer func() { received <- r }()
		browserSock.SetReadDeadline(time.Now().Add(10 * time.Second))
		for r.count < 40 {
			n, _, err := browserSock.ReadFromUDP(buf)
			if err != nil {
				r.err = err
				return
			}
			if r.err = sink.hear(buf[:n]); r.err != nil {
				return
			}
			r.count++
		}
	}()

	// Phone: 60 packets of a 1 kHz tone, one every 20 ms.
	src := newPhone(t, PCMU, 1000)
	dst := gwPhoneSide.LocalAddr().(*net.UDPAddr)
	tick := time.NewTicker(FrameDuration)
	for range 60 {
		if _, err := phoneSock.WriteToUDP(src.next(t), dst); err != nil {
			t.Fatal(err)
		}
		<-tick.C
	}
	tick.Stop()
	res := <-received

	close(stop)
	gwPhoneSide.Close()
	gwBrowserSide.Close()
	wg.Wait()
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Tick(make([]byte, 1500)); !errors.Is(err, ErrClosed) {
		t.Errorf("Tick after Close: %v", err)
	}

	if res.count < 40 {
		t.Fatalf("browser got %d packets: %v", res.count, res.err)
	}
	rate := out.SampleRate()
	f, snr := toneQuality(sink.heard[rate/5:], rate)
	t.Logf("%v over UDP: %.2f Hz, SNR %.1f dB, %+v", out, f, snr, tr.Stats())
	if f < 990 || f > 1010 {
		t.Errorf("tone at %.2f Hz", f)
	}
}

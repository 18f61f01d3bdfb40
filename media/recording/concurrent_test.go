package recording

import (
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callgate/callgate/media/codec"
)

// TestConcurrentChannels feeds the two channels from two goroutines while
// a third reads statistics and changes payload types, under -race.
func TestConcurrentChannels(t *testing.T) {
	const n = 150 // 3 s
	m := &memSink{}
	r := newTestRecorder(t, Config{Logger: quietLogger}, m)
	if err := r.SetCodec(Caller, 0, "PCMU", 8000); err != nil {
		t.Fatal(err)
	}
	if err := r.SetCodec(Callee, 9, "G722", 8000); err != nil {
		t.Fatal(err)
	}
	var progress [numChannels]atomic.Int64
	var wg sync.WaitGroup
	run := func(ch Channel, s *sender) {
		defer wg.Done()
		for i := range n {
			// Keep the two goroutines within two packets of each other,
			// as real arrivals would be.
			for i > 0 && progress[1-ch].Load() < int64(i-2) {
				runtime.Gosched()
			}
			put(t, r, ch, s.next(), at(i))
			progress[ch].Store(int64(i))
		}
		progress[ch].Store(n)
	}
	caller := newSender(t, codec.PCMU, 0, 440, 1, 0)
	callee := newSender(t, codec.G722, 9, 1000, 2, 0)
	wg.Add(2)
	go run(Caller, caller)
	go run(Callee, callee)
	done := make(chan struct{})
	var side sync.WaitGroup
	side.Add(1)
	go func() {
		defer side.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			_ = r.Duration()
			_ = r.Stats(Caller)
			_ = r.Stats(Callee)
			if err := r.SetCodec(Callee, 101, "telephone-event", 8000); err != nil {
				t.Error(err)
			}
			runtime.Gosched()
		}
	}()
	wg.Wait()
	close(done)
	side.Wait()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	w := parseWAV(t, m.b)
	if d := w.duration(); d != 3*time.Second {
		t.Errorf("duration %v", d)
	}
	if f := dominant(span(w.left, 8000, 100*time.Millisecond, 2900*time.Millisecond), 8000); f != 440 {
		t.Errorf("left %v Hz", f)
	}
	if f := dominant(span(w.right, 8000, 100*time.Millisecond, 2900*time.Millisecond), 8000); f != 1000 {
		t.Errorf("right %v Hz", f)
	}
	for _, ch := range []Channel{Caller, Callee} {
		if st := r.Stats(ch); st.Recorded != n {
			t.Errorf("%v stats %+v", ch, st)
		}
	}
}

// TestCloseWhileFeeding: Close races with RTP calls without harm.
func TestCloseWhileFeeding(t *testing.T) {
	r := newTestRecorder(t, Config{Logger: quietLogger}, discardSink{})
	if err := r.SetCodec(Caller, 0, "PCMU", 8000); err != nil {
		t.Fatal(err)
	}
	s := newSender(t, codec.PCMU, 0, 440, 1, 0)
	pkts := make([][]byte, 200)
	for i := range pkts {
		pkts[i] = s.next()
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i, p := range pkts {
			r.RTPAt(Caller, p, at(i))
		}
	}()
	if err := r.Close(); err != nil {
		t.Error(err)
	}
	wg.Wait()
}

// blockingSink accepts the header, then blocks every write until
// released: a stalled disk.
type blockingSink struct {
	writes  atomic.Int64
	release chan struct{}
}

func (b *blockingSink) Write(p []byte) (int, error) {
	if b.writes.Add(1) > 1 {
		<-b.release
	}
	return len(p), nil
}
func (b *blockingSink) WriteAt(p []byte, _ int64) (int, error) { return len(p), nil }
func (b *blockingSink) Close() error                           { return nil }

// TestStalledDisk: while the file cannot be written, RTP still returns at
// once; audio beyond the buffer is dropped and counted.
func TestStalledDisk(t *testing.T) {
	b := &blockingSink{release: make(chan struct{})}
	r := newTestRecorder(t, Config{Logger: quietLogger}, b)
	if err := r.SetCodec(Caller, 0, "PCMU", 8000); err != nil {
		t.Fatal(err)
	}
	s := newSender(t, codec.PCMU, 0, 440, 1, 0)
	for i := range 500 { // 10 s against a 2.5 s buffer
		r.RTPAt(Caller, s.next(), at(i))
	}
	if st := r.Stats(Caller); st.Overruns == 0 {
		t.Errorf("stats %+v", st)
	}
	close(b.release)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestLoopbackCall records a short call whose packets travel over real
// UDP sockets on 127.0.0.1, each channel read by its own goroutine that
// passes the packets to RTP as they arrive.
func TestLoopbackCall(t *testing.T) {
	const n = 50 // 1 s
	r, err := Create(Config{Dir: t.TempDir(), CallID: "loopback", Logger: quietLogger})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.SetCodec(Caller, 0, "PCMU", 8000); err != nil {
		t.Fatal(err)
	}
	if err := r.SetCodec(Callee, 8, "PCMA", 8000); err != nil {
		t.Fatal(err)
	}
	listen := func() *net.UDPConn {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	recv := [numChannels]*net.UDPConn{listen(), listen()}
	send := [numChannels]*net.UDPConn{listen(), listen()}
	for _, c := range append(recv[:], send[:]...) {
		defer c.Close()
	}
	var wg sync.WaitGroup
	got := [numChannels]atomic.Int64{}
	for ch := range numChannels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 1500)
			deadline := time.Now().Add(10 * time.Second)
			_ = recv[ch].SetReadDeadline(deadline)
			for got[ch].Load() < n {
				k, _, err := recv[ch].ReadFromUDP(buf)
				if err != nil {
					t.Errorf("%v: %v after %d packets", Channel(ch), err, got[ch].Load())
					return
				}
				r.RTP(Channel(ch), buf[:k])
				got[ch].Add(1)
			}
		}()
	}
	senders := [numChannels]*sender{
		newSender(t, codec.PCMU, 0, 440, 1, 0),
		newSender(t, codec.PCMA, 8, 1000, 2, 0),
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for range n {
		<-tick.C
		for ch := range numChannels {
			if _, err := send[ch].WriteToUDP(senders[ch].next(), recv[ch].LocalAddr().(*net.UDPAddr)); err != nil {
				t.Fatal(err)
			}
		}
	}
	wg.Wait()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	w := readWAV(t, r.Path())
	if d := w.duration(); d < 950*time.Millisecond || d > 1500*time.Millisecond {
		t.Errorf("duration %v", d)
	}
	if f := dominant(span(w.left, 8000, 100*time.Millisecond, 900*time.Millisecond), 8000); f != 440 {
		t.Errorf("left %v Hz", f)
	}
	if f := dominant(span(w.right, 8000, 100*time.Millisecond, 900*time.Millisecond), 8000); f != 1000 {
		t.Errorf("right %v Hz", f)
	}
	for ch := range numChannels {
		if st := r.Stats(Channel(ch)); st.Recorded != n {
			t.Errorf("%v stats %+v", Channel(ch), st)
		}
	}
}

package main

import (
	"sync"
	"testing"
	"time"
)

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	if h.quantile(0.5) != 0 || h.maximum() != 0 {
		t.Fatal("empty histogram reports values")
	}
	// 1..100 ms in 1 ms steps would overflow the top bucket at 100 ms;
	// use 10 µs .. 1000 µs: value k*10µs lands in bucket k.
	for k := 1; k <= 100; k++ {
		h.record(time.Duration(k) * 10 * time.Microsecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{
		{0.01, 20 * time.Microsecond}, // 10 µs sits in [10,20)
		{0.50, 510 * time.Microsecond},
		{0.99, 1000 * time.Microsecond}, // capped at the maximum
		{1.00, 1000 * time.Microsecond},
	} {
		if got := h.quantile(c.q); got != c.want {
			t.Errorf("q%.2f = %v, want %v", c.q, got, c.want)
		}
	}
	if h.total() != 100 || h.maximum() != time.Millisecond {
		t.Fatalf("total %d max %v", h.total(), h.maximum())
	}
}

func TestHistogramEdges(t *testing.T) {
	var h histogram
	h.record(-5 * time.Microsecond) // clock oddities count as zero
	if got := h.quantile(1); got != 0 {
		t.Fatalf("negative value reported as %v", got)
	}
	h.record(3 * time.Microsecond)
	if got := h.quantile(1); got != 3*time.Microsecond {
		t.Fatalf("p100 = %v, want the maximum 3µs", got)
	}
	// From 100 ms to 10 s buckets are 1 ms wide.
	for i := 0; i < 98; i++ {
		h.record(250*time.Millisecond + 300*time.Microsecond)
	}
	h.record(11 * time.Second)
	if got := h.quantile(0.5); got != 251*time.Millisecond {
		t.Fatalf("coarse p50 = %v, want 251ms", got)
	}
	// Beyond 10 s values go to the overflow bucket and report the maximum.
	if got := h.quantile(1); got != 11*time.Second {
		t.Fatalf("overflow p100 = %v, want the maximum", got)
	}
	for _, c := range []struct {
		d    time.Duration
		want int
	}{{0, 0}, {99999 * time.Microsecond, fineBuckets - 1}, {100 * time.Millisecond, fineBuckets}, {coarseLimit - 1, numBuckets - 1}, {coarseLimit, numBuckets}} {
		if got := bucketOf(c.d); got != c.want {
			t.Errorf("bucketOf(%v) = %d, want %d", c.d, got, c.want)
		}
	}
}

func TestHistogramConcurrent(t *testing.T) {
	var h histogram
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				h.record(time.Duration(g*1000+i) * time.Microsecond)
			}
		}()
	}
	wg.Wait()
	if h.total() != 8000 || h.maximum() != 7999*time.Microsecond {
		t.Fatalf("total %d max %v", h.total(), h.maximum())
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	var h histogram
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.record(time.Duration(i%5000) * time.Microsecond)
	}
}

package main

import (
	"sync/atomic"
	"time"
)

// Latency histogram geometry: 10 µs buckets up to 100 ms, then 1 ms
// buckets up to 10 s (an overloaded machine), and one overflow bucket
// beyond. Fixed buckets let every receiver record with two atomic adds and
// no allocation.
const (
	bucketWidth = 10 * time.Microsecond
	fineBuckets = 10000 // [0, 100 ms)
	coarseWidth = time.Millisecond
	fineLimit   = fineBuckets * bucketWidth
	coarseLimit = 10 * time.Second
	numBuckets  = fineBuckets + int((coarseLimit-fineLimit)/coarseWidth)
)

// histogram counts one-way latencies. Safe for concurrent use.
type histogram struct {
	buckets [numBuckets + 1]atomic.Uint64 // the last one is the overflow
	count   atomic.Uint64
	max     atomic.Int64
}

// bucketOf is the index of the bucket holding d (d >= 0).
func bucketOf(d time.Duration) int {
	switch {
	case d < fineLimit:
		return int(d / bucketWidth)
	case d < coarseLimit:
		return fineBuckets + int((d-fineLimit)/coarseWidth)
	}
	return numBuckets
}

// upperEdge is the exclusive upper bound of bucket i (not the overflow).
func upperEdge(i int) time.Duration {
	if i < fineBuckets {
		return time.Duration(i+1) * bucketWidth
	}
	return fineLimit + time.Duration(i-fineBuckets+1)*coarseWidth
}

// record adds one latency; negative values count as zero.
func (h *histogram) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.buckets[bucketOf(d)].Add(1)
	h.count.Add(1)
	for {
		m := h.max.Load()
		if int64(d) <= m || h.max.CompareAndSwap(m, int64(d)) {
			return
		}
	}
}

// total is the number of recorded values.
func (h *histogram) total() uint64 { return h.count.Load() }

// maximum is the largest recorded value.
func (h *histogram) maximum() time.Duration { return time.Duration(h.max.Load()) }

// quantile returns the upper edge of the bucket holding the q-quantile
// (0 < q <= 1), never more than the maximum; 0 when empty. Values in the
// overflow bucket (10 s and more) are reported as the maximum.
func (h *histogram) quantile(q float64) time.Duration {
	n := h.count.Load()
	if n == 0 {
		return 0
	}
	rank := uint64(q*float64(n) + 0.999999999)
	if rank < 1 {
		rank = 1
	}
	if rank > n {
		rank = n
	}
	var seen uint64
	for i := range h.buckets {
		seen += h.buckets[i].Load()
		if seen >= rank {
			if i == numBuckets {
				return h.maximum()
			}
			return min(upperEdge(i), h.maximum())
		}
	}
	return h.maximum()
}

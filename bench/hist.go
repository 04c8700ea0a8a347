package main

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// histogram is a concurrent log-linear latency histogram: values below
// histSub nanoseconds are exact, larger ones fall into histSub buckets per
// power of two (relative error ≤ 1/histSub ≈ 3%). Recording is one atomic
// add on one of histShards shards, chosen by the caller, so readers on
// different connections rarely share a cache line.
type histogram struct {
	shards [histShards]histShard
}

const (
	histSub     = 32
	histBuckets = 2048 // covers every int64
	histShards  = 8
)

type histShard struct {
	b   [histBuckets]atomic.Uint64
	max atomic.Int64
}

// bucketOf returns the bucket of v (v ≥ 0).
func bucketOf(v int64) int {
	if v < histSub {
		return int(max(v, 0))
	}
	e := bits.Len64(uint64(v)) - 1 // ≥ 5
	mant := int(v>>(e-5)) - histSub
	return histSub + (e-5)*histSub + mant
}

// bucketBounds returns the smallest and largest value of bucket i.
func bucketBounds(i int) (lo, hi int64) {
	if i < histSub {
		return int64(i), int64(i)
	}
	e := (i-histSub)/histSub + 5
	mant := int64((i-histSub)%histSub + histSub)
	lo = mant << (e - 5)
	return lo, lo + (int64(1) << (e - 5)) - 1
}

// record adds one value on shard (any int; it is reduced modulo the shard
// count).
func (h *histogram) record(shard int, d time.Duration) {
	s := &h.shards[uint(shard)%histShards]
	s.b[bucketOf(int64(d))].Add(1)
	for {
		m := s.max.Load()
		if int64(d) <= m || s.max.CompareAndSwap(m, int64(d)) {
			return
		}
	}
}

// latencies is a summary of a histogram.
type latencies struct {
	Count               uint64
	P50, P99, P999, Max time.Duration
}

// summary merges the shards and returns the quantiles (bucket midpoints).
func (h *histogram) summary() latencies {
	var merged [histBuckets]uint64
	var s latencies
	for i := range h.shards {
		sh := &h.shards[i]
		for j := range merged {
			n := sh.b[j].Load()
			merged[j] += n
			s.Count += n
		}
		s.Max = max(s.Max, time.Duration(sh.max.Load()))
	}
	if s.Count == 0 {
		return s
	}
	s.P50 = quantile(&merged, s.Count, 0.50)
	s.P99 = quantile(&merged, s.Count, 0.99)
	s.P999 = quantile(&merged, s.Count, 0.999)
	return s
}

func quantile(b *[histBuckets]uint64, total uint64, q float64) time.Duration {
	rank := uint64(q*float64(total) + 0.5)
	rank = min(max(rank, 1), total)
	var cum uint64
	for i, n := range b {
		cum += n
		if cum >= rank {
			lo, hi := bucketBounds(i)
			return time.Duration(lo + (hi-lo)/2)
		}
	}
	return 0
}

// reset zeroes every bucket.
func (h *histogram) reset() {
	for i := range h.shards {
		for j := range h.shards[i].b {
			h.shards[i].b[j].Store(0)
		}
		h.shards[i].max.Store(0)
	}
}

package main

// This file is compiled twice: into the bench binary (for the peer servers
// it runs with -serve) and, through `go build -overlay`, into the chat
// example's binary as an extra file of its package main, so that every
// server under test exposes the same debug endpoints without the example's
// source changing. It must therefore use the standard library only and
// names that cannot collide with the example's own (all start with
// benchDebug).
//
// The endpoints exist only when the environment variable
// JSGEN_BENCH_DEBUG_ADDR names a listen address; they are served on that
// separate listener, never on the server's own mux:
//
//	GET /debug/goroutines  runtime.NumGoroutine() as decimal text
//	GET /debug/gc          runtime.GC + debug.FreeOSMemory, then a JSON
//	                       snapshot {"goroutines","heapInuse","stackInuse","sys"}
//	GET /debug/pprof/...   net/http/pprof (profile, heap, goroutine, ...)

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	"runtime/debug"
)

// benchDebugEnv names the listen address of the debug endpoints.
const benchDebugEnv = "JSGEN_BENCH_DEBUG_ADDR"

// benchDebugStats is the body of GET /debug/gc.
type benchDebugStats struct {
	Goroutines int    `json:"goroutines"`
	HeapInuse  uint64 `json:"heapInuse"`
	StackInuse uint64 `json:"stackInuse"`
	Sys        uint64 `json:"sys"`
}

func init() {
	addr := os.Getenv(benchDebugEnv)
	if addr == "" {
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench debug listener:", err)
		os.Exit(3)
	}
	go func() { _ = http.Serve(ln, benchDebugMux()) }()
}

// benchDebugMux serves the debug endpoints.
func benchDebugMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/goroutines", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "%d\n", runtime.NumGoroutine())
	})
	mux.HandleFunc("GET /debug/gc", func(w http.ResponseWriter, _ *http.Request) {
		runtime.GC()
		debug.FreeOSMemory()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(benchDebugStats{
			Goroutines: runtime.NumGoroutine(), HeapInuse: ms.HeapInuse, StackInuse: ms.StackInuse, Sys: ms.Sys,
		})
	})
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

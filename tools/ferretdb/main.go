// Command shopgraph-ferretdb runs FerretDB v1 with its SQLite backend: a real
// MongoDB-wire-protocol server for dev and tests that needs no MongoDB binary.
//
// We wrap the embeddable package instead of `go install .../cmd/ferretdb`
// because that command panics at start without its generated version files,
// which only FerretDB's own build produces.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listenAddr := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to serve the MongoDB wire protocol on")
	stateDir := flag.String("state-dir", ".data/ferretdb", "directory for the SQLite files (one per database); created if missing")
	flag.StringVar(stateDir, "data-dir", ".data/ferretdb", "alias of --state-dir")
	logLevel := flag.String("log-level", "warn", "log level: debug, info, warn or error")
	serialize := flag.Bool("serialize-writes", true, "run write commands one at a time so conditional updates are atomic (README.md)")
	flag.Parse()

	// FerretDB decodes every document a query scans (its SQLite backend looks up only by
	// _id, README.md), so it allocates hard and its garbage collector was a fifth or
	// more of its CPU. Collecting at 4x the live heap instead of 2x cut its CPU per query by
	// about a fifth (docs/performance.md) for a heap of a few tens of MB. GOGC still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fatal("bad --log-level %q: %v", *logLevel, err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	// FerretDB requires an existing directory given as an absolute "file:" URI
	// ending in "/"; a relative one would depend on the caller's cwd.
	dir, err := filepath.Abs(*stateDir)
	if err != nil {
		fatal("bad --state-dir %q: %v", *stateDir, err)
	}
	if err = os.MkdirAll(dir, 0o755); err != nil {
		fatal("cannot create state dir: %v", err)
	}

	// FerretDB reports a taken port only as a wrapped string, after it has already opened
	// the backend: find out first, and say so plainly.
	ln, err := net.Listen("tcp", *listenAddr)
	if err != nil {
		fatal("cannot listen on %s (port taken by another server?): %v", *listenAddr, err)
	}
	ln.Close()

	// Read by our patch to FerretDB's connection handler (patches/03-*), which runs write
	// commands one at a time: see the README.
	os.Setenv("SHOPGRAPH_FERRETDB_SERIALIZE_WRITES", strconv.FormatBool(*serialize))

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listenAddr},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
	})
	if err != nil {
		fatal("cannot start FerretDB: %v", err)
	}

	// Run returns once ctx is cancelled and all connections and the SQLite
	// pool are closed, so SIGINT/SIGTERM leave the files consistent.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(ctx)
	}()

	// FerretDB binds the address as it starts running: scripts wait for a ping (ferretdb.sh).
	fmt.Printf("shopgraph-ferretdb ready: mongodb://%s/ (sqlite dir %s, serialize-writes=%v)\n", *listenAddr, dir, *serialize)

	<-done
	fmt.Println("shopgraph-ferretdb stopped")
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "shopgraph-ferretdb: "+format+"\n", args...)
	os.Exit(1)
}

// Command shopgraph-ferretdb runs FerretDB v1 with its SQLite backend: a real
// MongoDB-wire-protocol server for dev and tests that needs no MongoDB binary.
//
// We wrap the embeddable package instead of `go install .../cmd/ferretdb`
// because that command panics at start without its generated version files,
// which only FerretDB's own build produces.
package main

import (
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"sync"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listenAddr := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to serve the MongoDB wire protocol on")
	stateDir := flag.String("state-dir", ".data/ferretdb", "directory for the SQLite files (one per database); created if missing")
	flag.StringVar(stateDir, "data-dir", ".data/ferretdb", "alias of --state-dir")
	logLevel := flag.String("log-level", "warn", "log level: debug, info, warn or error")
	serialize := flag.Bool("serialize-writes", true, "run write commands one at a time so conditional updates are atomic (see serializeWrites)")
	flag.Parse()

	// FerretDB decodes every document a query scans (its SQLite backend looks up only an
	// _id equality by key), so it allocates hard and its garbage collector was a fifth or
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

	// We bind the public address ourselves: FerretDB reports a taken port only
	// as a wrapped string, after it has already opened the backend.
	ln, err := net.Listen("tcp", *listenAddr)
	if err != nil {
		fatal("cannot listen on %s (port taken by another server?): %v", *listenAddr, err)
	}
	ferretAddr := *listenAddr
	if *serialize {
		ferretAddr = "127.0.0.1:0" // private; clients reach it through the relay
	} else {
		ln.Close()
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: ferretAddr},
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

	if *serialize {
		u, _ := url.Parse(f.MongoDBURI())
		go serveRelay(ln, u.Host, logger)
		go func() { <-ctx.Done(); ln.Close() }()
	}

	// The socket is bound, so clients may connect from here on; scripts wait
	// for this line (or a ping) before using the server.
	fmt.Printf("shopgraph-ferretdb ready: mongodb://%s/ (sqlite dir %s, serialize-writes=%v)\n", *listenAddr, dir, *serialize)

	<-done
	fmt.Println("shopgraph-ferretdb stopped")
}

// serializeWrites: FerretDB v1 executes update/findAndModify/delete as
// "query matching docs, then overwrite each whole document by _id" without
// any compare-and-swap, so concurrent writers lose updates: 50 concurrent
// find_one_and_update({stock: {$gte: 1}}, {$inc: {stock: -1}}) on stock 10
// all "succeed". Running write commands one at a time (reads stay parallel)
// restores the single-document atomicity that MongoDB guarantees.
var (
	writeMu   sync.Mutex
	writeCmds = map[string]bool{"insert": true, "update": true, "delete": true, "findAndModify": true, "findandmodify": true}
)

const opMsg = 2013

// serveRelay forwards each client connection to FerretDB, one message at a time.
func serveRelay(ln net.Listener, backendAddr string, logger *slog.Logger) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return // listener closed on shutdown
		}
		go func() {
			defer c.Close()
			b, err := net.Dial("tcp", backendAddr)
			if err != nil {
				logger.Error("relay: cannot reach FerretDB", "error", err)
				return
			}
			defer b.Close()
			for {
				req, err := readMsg(c)
				if err != nil {
					return
				}
				// Non-OP_MSG (legacy handshake, compressed) can't be inspected: lock to be safe.
				lock := opcode(req) != opMsg || writeCmds[commandName(req)]
				if lock {
					writeMu.Lock()
				}
				err = roundTrip(req, c, b)
				if lock {
					writeMu.Unlock()
				}
				if err != nil {
					return
				}
			}
		}()
	}
}

// roundTrip sends req and relays replies until one without moreToCome
// (exhaust cursors stream several); a moreToCome request (w:0) has no reply.
func roundTrip(req []byte, client, backend net.Conn) error {
	if _, err := backend.Write(req); err != nil || moreToCome(req) {
		return err
	}
	for {
		resp, err := readMsg(backend)
		if err != nil {
			return err
		}
		if _, err = client.Write(resp); err != nil || !moreToCome(resp) {
			return err
		}
	}
}

// readMsg reads one length-prefixed wire message (16-byte header first).
func readMsg(r io.Reader) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	size := binary.LittleEndian.Uint32(n[:])
	if size < 16 || size > 64<<20 {
		return nil, errors.New("bad wire message length")
	}
	msg := make([]byte, size)
	copy(msg, n[:])
	_, err := io.ReadFull(r, msg[4:])
	return msg, err
}

func opcode(msg []byte) uint32 { return binary.LittleEndian.Uint32(msg[12:16]) }

func moreToCome(msg []byte) bool {
	return opcode(msg) == opMsg && len(msg) >= 20 && binary.LittleEndian.Uint32(msg[16:20])&2 != 0
}

// commandName returns the first key of the OP_MSG body (kind 0) section.
func commandName(msg []byte) string {
	for p := 20; p+6 < len(msg); {
		switch msg[p] {
		case 0: // body document: int32 length, element type byte, then the key cstring
			for i := p + 6; i < len(msg); i++ {
				if msg[i] == 0 {
					return string(msg[p+6 : i])
				}
			}
			return ""
		case 1: // document sequence: skip kind byte + its int32 size
			p += 1 + int(binary.LittleEndian.Uint32(msg[p+1:p+5]))
		default:
			return ""
		}
	}
	return ""
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "shopgraph-ferretdb: "+format+"\n", args...)
	os.Exit(1)
}

// SPDX-License-Identifier: MIT

package agent

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"runtime/trace"
	"time"
)

// The command bytes of the gops wire protocol. 0x0a-0x0f are unassigned.
const (
	cmdStack       = 0x01
	cmdGC          = 0x02
	cmdMemStats    = 0x03
	cmdVersion     = 0x04
	cmdHeapProfile = 0x05
	cmdCPUProfile  = 0x06
	cmdStats       = 0x07
	cmdTrace       = 0x08
	cmdBinaryDump  = 0x09
	cmdSetGC       = 0x10
)

// Fixed durations of the sampling commands, as clients expect them.
const (
	cpuProfileTime = 30 * time.Second
	traceTime      = 5 * time.Second
)

// How long a client has to send its command after connecting. Real clients
// send it at once; the bound only stops idle connections from piling up.
const requestTimeout = 10 * time.Second

func serve(l net.Listener) {
	var backoff time.Duration
	for {
		conn, err := l.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			// Out of descriptors and the like: wait a little, as
			// net/http does, instead of spinning or giving up.
			if backoff == 0 {
				backoff = 5 * time.Millisecond
			} else if backoff < time.Second {
				backoff *= 2
			}
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		go handle(conn)
	}
}

// handle serves one command on one connection, then closes it: closing is
// how the protocol marks the end of a reply, and after any error it tells
// the client to stop waiting.
func handle(conn net.Conn) {
	defer conn.Close()

	conn.SetReadDeadline(time.Now().Add(requestTimeout))
	// The whole request arrives in one segment; reading it through a
	// buffer takes setgc's zero padding off the socket too, so closing
	// never finds unread bytes (which would turn the close into a reset).
	r := bufio.NewReaderSize(conn, 16)
	cmd, err := r.ReadByte()
	if err != nil {
		return // connected and left, or said nothing in time
	}
	var arg int64
	if cmd == cmdSetGC {
		if arg, err = binary.ReadVarint(r); err != nil {
			logf("setgc: bad argument: %v", err)
			return
		}
	}
	conn.SetReadDeadline(time.Time{})
	if err := run(conn, cmd, arg); err != nil {
		logf("command 0x%02x: %v", cmd, err)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "goscope agent: "+format+"\n", args...)
}

func run(w io.Writer, cmd byte, arg int64) error {
	switch cmd {
	case cmdStack:
		return pprof.Lookup("goroutine").WriteTo(w, 2)
	case cmdGC:
		runtime.GC()
		_, err := io.WriteString(w, "ok")
		return err
	case cmdMemStats:
		var b bytes.Buffer
		writeMemStats(&b)
		_, err := w.Write(b.Bytes())
		return err
	case cmdVersion:
		_, err := io.WriteString(w, runtime.Version()+"\n")
		return err
	case cmdHeapProfile:
		return pprof.WriteHeapProfile(w)
	case cmdCPUProfile:
		if err := pprof.StartCPUProfile(w); err != nil {
			return err
		}
		time.Sleep(cpuProfileTime)
		pprof.StopCPUProfile()
		return nil
	case cmdStats:
		var b bytes.Buffer
		writeStats(&b)
		_, err := w.Write(b.Bytes())
		return err
	case cmdTrace:
		if err := trace.Start(w); err != nil {
			return err
		}
		time.Sleep(traceTime)
		trace.Stop()
		return nil
	case cmdBinaryDump:
		return dumpBinary(w)
	case cmdSetGC:
		prev := debug.SetGCPercent(int(arg))
		_, err := fmt.Fprintf(w, "New GC percent set to %v. Previous value was %v.\n", arg, prev)
		return err
	}
	// Unknown commands get an empty reply, as from gops' agent.
	return nil
}

func writeStats(b *bytes.Buffer) {
	fmt.Fprintf(b, "goroutines: %v\n", runtime.NumGoroutine())
	fmt.Fprintf(b, "OS threads: %v\n", pprof.Lookup("threadcreate").Count())
	fmt.Fprintf(b, "GOMAXPROCS: %v\n", runtime.GOMAXPROCS(0))
	fmt.Fprintf(b, "num CPU: %v\n", runtime.NumCPU())
}

// writeMemStats writes runtime.MemStats with gops' current key names, in
// gops' order and number formats.
func writeMemStats(b *bytes.Buffer) {
	var s runtime.MemStats
	runtime.ReadMemStats(&s)

	size := func(k string, v uint64) { fmt.Fprintf(b, "%s: %s\n", k, formatBytes(v)) }
	count := func(k string, v any) { fmt.Fprintf(b, "%s: %v\n", k, v) }

	size("alloc", s.Alloc)
	size("total-alloc", s.TotalAlloc)
	size("sys", s.Sys)
	count("lookups", s.Lookups)
	count("mallocs", s.Mallocs)
	count("frees", s.Frees)
	size("heap-alloc", s.HeapAlloc)
	size("heap-sys", s.HeapSys)
	size("heap-idle", s.HeapIdle)
	size("heap-in-use", s.HeapInuse)
	size("heap-released", s.HeapReleased)
	count("heap-objects", s.HeapObjects)
	size("stack-in-use", s.StackInuse)
	size("stack-sys", s.StackSys)
	size("mspan-in-use", s.MSpanInuse)
	size("mspan-sys", s.MSpanSys)
	size("mcache-in-use", s.MCacheInuse)
	size("mcache-sys", s.MCacheSys)
	size("buck-hash-sys", s.BuckHashSys)
	size("other-sys", s.OtherSys)
	size("gc-sys", s.GCSys)
	fmt.Fprintf(b, "next-gc: when heap-alloc >= %s\n", formatBytes(s.NextGC))
	lastGC := "-"
	if s.LastGC != 0 {
		lastGC = time.Unix(0, int64(s.LastGC)).String()
	}
	count("last-gc", lastGC)
	count("gc-pause-total", time.Duration(s.PauseTotalNs))
	// The most recent pause sits just before the ring's next slot.
	last := (s.NumGC + 255) % 256
	count("gc-pause", s.PauseNs[last])
	count("gc-pause-end", s.PauseEnd[last])
	count("num-gc", s.NumGC)
	count("num-forced-gc", s.NumForcedGC)
	count("gc-cpu-fraction", s.GCCPUFraction)
	count("enable-gc", s.EnableGC)
	count("debug-gc", s.DebugGC)
}

var byteUnits = [...]string{"KB", "MB", "GB", "TB", "PB"}

// formatBytes prints a size as gops does: "1023 bytes" below 1 KiB, else
// "1.00KB (1024 bytes)" in the largest unit (base 1024, up to PB) that
// keeps the number at least 1.
func formatBytes(v uint64) string {
	if v < 1024 {
		return fmt.Sprintf("%d bytes", v)
	}
	u, div := 0, uint64(1024)
	for u+1 < len(byteUnits) && v/div >= 1024 {
		u++
		div *= 1024
	}
	return fmt.Sprintf("%0.2f%s (%d bytes)", float64(v)/float64(div), byteUnits[u], v)
}

// dumpBinary sends the running executable. /proc/self/exe is the image the
// process runs even after its file was replaced or deleted; the path from
// os.Executable is only the fallback.
func dumpBinary(w io.Writer) error {
	f, err := os.Open("/proc/self/exe")
	if err != nil {
		path, perr := os.Executable()
		if perr != nil {
			return perr
		}
		if f, err = os.Open(path); err != nil {
			return err
		}
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// SPDX-License-Identifier: MIT

package agent

import (
	"encoding/binary"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestFormatBytes(t *testing.T) {
	for _, c := range []struct {
		in   uint64
		want string
	}{
		{0, "0 bytes"},
		{1023, "1023 bytes"},
		{1024, "1.00KB (1024 bytes)"},
		{1536, "1.50KB (1536 bytes)"},
		{1048575, "1024.00KB (1048575 bytes)"},
		{1049600, "1.00MB (1049600 bytes)"},
		{1 << 30, "1.00GB (1073741824 bytes)"},
		{1 << 40, "1.00TB (1099511627776 bytes)"},
		{1 << 50, "1.00PB (1125899906842624 bytes)"},
		{1 << 60, "1024.00PB (1152921504606846976 bytes)"},
	} {
		if got := formatBytes(c.in); got != c.want {
			t.Errorf("formatBytes(%d) = %q, want %q", c.in, got, c.want)
		}
	}
}

// call sends req on a fresh connection and returns the whole reply.
func call(t *testing.T, addr string, req []byte) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func setgc(v int64) []byte {
	b := make([]byte, 1+binary.MaxVarintLen64)
	b[0] = cmdSetGC
	binary.PutVarint(b[1:], v)
	return b
}

func TestAgent(t *testing.T) {
	dir := t.TempDir()
	if err := Listen(Options{ConfigDir: dir}); err != nil {
		t.Fatal(err)
	}
	defer Close()
	if Listen(Options{ConfigDir: dir}) == nil {
		t.Fatal("second Listen succeeded")
	}
	addr := Addr().String()
	port := strconv.Itoa(Addr().(*net.TCPAddr).Port)
	b, err := os.ReadFile(filepath.Join(dir, strconv.Itoa(os.Getpid())))
	if err != nil || string(b) != port {
		t.Fatalf("port file: %q, %v; want %q", b, err, port)
	}

	// A client that says nothing must not hold up the others.
	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()

	if got := call(t, addr, []byte{cmdVersion}); got != runtime.Version()+"\n" {
		t.Errorf("version: %q", got)
	}
	if got := call(t, addr, []byte{cmdGC}); got != "ok" {
		t.Errorf("gc: %q", got)
	}
	stats := call(t, addr, []byte{cmdStats})
	var keys []string
	for _, l := range strings.Split(strings.TrimSuffix(stats, "\n"), "\n") {
		keys = append(keys, strings.SplitN(l, ":", 2)[0])
	}
	if strings.Join(keys, ",") != "goroutines,OS threads,GOMAXPROCS,num CPU" {
		t.Errorf("stats: %q", stats)
	}
	mem := call(t, addr, []byte{cmdMemStats})
	if !strings.HasPrefix(mem, "alloc: ") || !strings.Contains(mem, "\nbuck-hash-sys: ") ||
		!strings.HasSuffix(mem, "\ndebug-gc: false\n") || strings.Count(mem, "\n") != 31 {
		t.Errorf("memstats: %q", mem)
	}
	call(t, addr, setgc(50))
	if got := call(t, addr, setgc(-1)); got != "New GC percent set to -1. Previous value was 50.\n" {
		t.Errorf("setgc: %q", got)
	}
	call(t, addr, setgc(100))
	if got := call(t, addr, []byte{0x0b}); got != "" {
		t.Errorf("unknown command: %q", got)
	}
	// A varint that overflows: the agent closes at once, saying nothing.
	bad := append([]byte{cmdSetGC}, []byte(strings.Repeat("\xff", 10))...)
	if got := call(t, addr, bad); got != "" {
		t.Errorf("bad setgc: %q", got)
	}

	Close()
	if _, err := os.Stat(filepath.Join(dir, strconv.Itoa(os.Getpid()))); !os.IsNotExist(err) {
		t.Errorf("port file survived Close: %v", err)
	}
}

// SPDX-License-Identifier: MIT

// Package agent is goscope's diagnostics agent for Go programs: a small,
// standard-library-only listener that speaks the gops agent wire protocol
// byte for byte, so goscope, the gops CLI and any other gops client can ask
// a program for its stacks, memory statistics, profiles and traces.
//
//	if err := agent.Listen(agent.Options{ShutdownCleanup: true}); err != nil {
//		log.Fatal(err)
//	}
//	defer agent.Close()
//
// Like gops' agent it listens on 127.0.0.1:0 unless told otherwise and
// leaves a port file named by the process ID in the gops config directory.
// Unlike it, connections are served concurrently, a client gets a bounded
// time to send its command, and a command that fails closes its connection
// instead of leaving the client waiting forever.
package agent

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
)

// Options configure Listen. The zero value is the usual choice.
type Options struct {
	// Addr is the TCP address to listen on; "" means 127.0.0.1:0, a
	// loopback port chosen by the kernel.
	Addr string

	// ConfigDir is where the port file goes; "" means the gops rule:
	// $GOPS_CONFIG_DIR, else $XDG_CONFIG_HOME/gops, else $HOME/.config/gops.
	// Clients that follow the rule cannot find a port file put elsewhere.
	ConfigDir string

	// ShutdownCleanup removes the port file on SIGINT, SIGTERM and SIGQUIT,
	// then lets the signal take its default course (the program dies of
	// it). Leave it off in programs with their own signal handling, and
	// call Close on the way out instead.
	ShutdownCleanup bool
}

var (
	mu       sync.Mutex
	listener net.Listener
	portFile string
	cleanup  sync.Once
)

// ConfigDir returns the gops config directory of this process's
// environment: $GOPS_CONFIG_DIR as is, else $XDG_CONFIG_HOME/gops, else
// $HOME/.config/gops. Empty variables count as unset.
func ConfigDir() (string, error) {
	if d := os.Getenv("GOPS_CONFIG_DIR"); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "gops"), nil
	}
	if d := os.Getenv("HOME"); d != "" {
		return filepath.Join(d, ".config", "gops"), nil
	}
	return "", errors.New("agent: no config dir: GOPS_CONFIG_DIR, XDG_CONFIG_HOME and HOME are unset")
}

// Listen starts the agent: it binds opts.Addr, writes the port file and
// serves clients in the background. There is one agent per process (the
// port file is named by the PID); a second Listen before Close fails.
func Listen(opts Options) error {
	mu.Lock()
	defer mu.Unlock()

	if listener != nil {
		return errors.New("agent: already listening")
	}
	dir := opts.ConfigDir
	if dir == "" {
		var err error
		if dir, err = ConfigDir(); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, os.ModePerm); err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	// gops' format: the port in decimal, no newline, mode 0777 minus umask.
	path := filepath.Join(dir, strconv.Itoa(os.Getpid()))
	if err := os.WriteFile(path, []byte(strconv.Itoa(port)), os.ModePerm); err != nil {
		l.Close()
		return fmt.Errorf("agent: %w", err)
	}
	listener, portFile = l, path
	if opts.ShutdownCleanup {
		cleanup.Do(cleanOnSignals)
	}
	go serve(l)
	return nil
}

// Addr is the address the agent listens on, or nil when it is not running.
func Addr() net.Addr {
	mu.Lock()
	defer mu.Unlock()
	if listener == nil {
		return nil
	}
	return listener.Addr()
}

// Close stops accepting clients and removes the port file. Replies already
// under way finish. Closing a stopped agent does nothing.
func Close() {
	mu.Lock()
	defer mu.Unlock()
	if listener == nil {
		return
	}
	listener.Close()
	os.Remove(portFile)
	listener, portFile = nil, ""
}

func cleanOnSignals() {
	sigs := []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT}
	c := make(chan os.Signal, 1)
	signal.Notify(c, sigs...)
	go func() {
		sig := <-c
		Close()
		// Die of the signal as if the agent had never caught it, so the
		// parent sees the real cause and SIGQUIT still dumps the stacks.
		signal.Reset(sigs...)
		syscall.Kill(os.Getpid(), sig.(syscall.Signal))
	}()
}

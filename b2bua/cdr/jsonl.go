package cdr

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// lineFile appends JSON lines to a file. Each line is written with a single
// write(2) on an O_APPEND descriptor, so lines from concurrent writers (or
// other processes appending to the same file) never interleave.
type lineFile struct {
	path string
	sync bool

	mu sync.Mutex
	f  *os.File
}

// openLineFile opens path for appending, creating it and its directory.
func openLineFile(path string, syncWrites bool) (*lineFile, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("cdr: create directory of %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cdr: open %s: %w", path, err)
	}
	return &lineFile{path: path, sync: syncWrites, f: f}, nil
}

// write appends line, which must end in a newline.
func (l *lineFile) write(line []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.f.Write(line); err != nil {
		return fmt.Errorf("cdr: append to %s: %w", l.path, err)
	}
	if l.sync {
		if err := l.f.Sync(); err != nil {
			return fmt.Errorf("cdr: sync %s: %w", l.path, err)
		}
	}
	return nil
}

// reopen closes the file and opens path again, for use after the file was
// renamed by log rotation.
func (l *lineFile) reopen() error {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("cdr: reopen %s: %w", l.path, err)
	}
	l.mu.Lock()
	old := l.f
	l.f = f
	l.mu.Unlock()
	if err := old.Close(); err != nil {
		return fmt.Errorf("cdr: close rotated %s: %w", l.path, err)
	}
	return nil
}

func (l *lineFile) close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("cdr: close %s: %w", l.path, err)
	}
	return nil
}

package browserleg

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"sync"
)

// keyLogLabel is the NSS key log label of a TLS 1.2 (and DTLS 1.2) master
// secret: "CLIENT_RANDOM <client random> <master secret>", both in hex.
const keyLogLabel = "CLIENT_RANDOM"

// masterSecretLen is the length of a TLS 1.2 master secret (RFC 5246 §8.1).
const masterSecretLen = 48

// keyLogMax bounds what a keyLog buffers: pion writes one line per
// handshake, about 180 bytes.
const keyLogMax = 4096

// keyLogEntry is one master secret and the ClientHello random it belongs to.
type keyLogEntry struct {
	clientRandom [dtlsRandomLen]byte
	master       [masterSecretLen]byte
}

// wipe overwrites the secret.
func (e *keyLogEntry) wipe() { clear(e.master[:]) }

// keyLog is the io.Writer given to pion's DTLS as its key log for one leg:
// it keeps the master secret in memory, where only the fast path reads it
// to derive the leg's SRTP keys. It never writes it anywhere else, and
// take hands it over once.
type keyLog struct {
	mu      sync.Mutex
	partial []byte // an unfinished line
	entry   keyLogEntry
	have    bool
}

// Write implements io.Writer. It never fails: lines that are not
// CLIENT_RANDOM lines are dropped.
func (k *keyLog) Write(p []byte) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			if len(k.partial)+len(p) <= keyLogMax {
				k.partial = append(k.partial, p...)
			} else {
				clear(k.partial)
				k.partial = k.partial[:0]
			}
			break
		}
		line := p[:i]
		if len(k.partial) > 0 {
			k.partial = append(k.partial, line...)
			line = k.partial
		}
		if e, err := parseKeyLogLine(line); err == nil {
			k.entry, k.have = e, true
		}
		clear(k.partial)
		k.partial = k.partial[:0]
		p = p[i+1:]
	}
	return n, nil
}

// take returns the last master secret logged and forgets it.
func (k *keyLog) take() (keyLogEntry, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	e, ok := k.entry, k.have
	k.entry.wipe()
	k.have = false
	return e, ok
}

// parseKeyLogLine reads "CLIENT_RANDOM <64 hex digits> <96 hex digits>",
// with an optional trailing carriage return.
func parseKeyLogLine(line []byte) (keyLogEntry, error) {
	var e keyLogEntry
	line = bytes.TrimSuffix(line, []byte{'\r'})
	label, rest, ok := bytes.Cut(line, []byte{' '})
	if !ok || string(label) != keyLogLabel {
		return e, fmt.Errorf("%w: no %s label", errKeyLog, keyLogLabel)
	}
	random, secret, ok := bytes.Cut(rest, []byte{' '})
	if !ok || len(random) != 2*dtlsRandomLen || len(secret) != 2*masterSecretLen {
		return e, fmt.Errorf("%w: field lengths", errKeyLog)
	}
	if _, err := hex.Decode(e.clientRandom[:], random); err != nil {
		return e, fmt.Errorf("%w: client random: %w", errKeyLog, err)
	}
	if _, err := hex.Decode(e.master[:], secret); err != nil {
		e.wipe()
		return e, fmt.Errorf("%w: master secret is not hex", errKeyLog)
	}
	return e, nil
}

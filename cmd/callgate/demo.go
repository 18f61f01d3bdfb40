package main

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// demoUsers are created when no users are configured, so a fresh checkout
// can place calls at once.
var demoUsers = []string{"1000", "1001"}

// demoFile holds the generated passwords so they stay the same across runs.
const demoFile = "demo-users.json"

// loadDemoPasswords returns the demo users' passwords, generating and
// persisting them (mode 0600) on first use.
func loadDemoPasswords(dataDir string) (map[string]string, error) {
	path := filepath.Join(dataDir, demoFile)
	pw := map[string]string{}
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(raw, &pw); err != nil {
			return nil, fmt.Errorf("%s is damaged (delete it to generate new passwords): %w", path, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	changed := false
	for _, u := range demoUsers {
		if pw[u] == "" {
			pw[u] = randomPassword()
			changed = true
		}
	}
	if changed {
		out, _ := json.MarshalIndent(pw, "", "  ")
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, out, 0o600); err != nil {
			return nil, err
		}
		if err := os.Rename(tmp, path); err != nil {
			return nil, err
		}
	}
	return pw, nil
}

// randomPassword returns 16 characters from an unambiguous alphabet (about
// 90 bits of entropy).
func randomPassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY34679"
	var b [16]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

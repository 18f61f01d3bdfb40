package recording

import (
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// fileTimeLayout is the start time in a file name: ISO 8601 basic format
// in UTC, which sorts by time and holds no characters awkward in names.
const fileTimeLayout = "20060102T150405Z"

// maxCallIDLen bounds the call ID part of a file name.
const maxCallIDLen = 80

// sanitizeCallID makes a call ID safe as part of a file name. SIP Call-IDs
// (RFC 3261 §25.1, word ["@" word]) may hold '/', '\', ':' and other
// characters that mean something to a file system or a shell.
func sanitizeCallID(id string) string {
	if id == "" {
		return "call"
	}
	var b strings.Builder
	for i := 0; i < len(id) && b.Len() < maxCallIDLen; i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
			b.WriteByte(c)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// fileName is the path of the recording, with attempt > 0 adding a
// "-<n>" suffix to avoid an existing file of the same name, and ext
// (".wav", ".opus") ending it.
func fileName(dir string, start time.Time, callID string, attempt int, ext string) string {
	name := start.UTC().Format(fileTimeLayout) + "_" + sanitizeCallID(callID)
	if attempt > 0 {
		name += "-" + strconv.Itoa(attempt+1)
	}
	return filepath.Join(dir, name+ext)
}

package browserleg

import (
	"strconv"
	"strings"

	"github.com/callgate/callgate/media"
)

// withOwnFmtp adds to the format parameters of an answer those that our
// codec of the same encoding declares and the answer lacks, adding an
// a=fmtp line where the format has none. pion answers with the offerer's
// parameters, but some state what the answerer wants and are its to
// declare (RFC 3264 §6.1), such as Opus's maxplaybackrate and
// sprop-maxcapturerate (RFC 7587 §6.1).
func withOwnFmtp(s string, own []media.Codec) string {
	lines := sdpLines(s)
	fmtpAt := make(map[uint8]int) // payload type → index of its a=fmtp line
	for i, l := range lines {
		if v, ok := strings.CutPrefix(l, "a=fmtp:"); ok {
			ptText, _, _ := strings.Cut(v, " ")
			if pt, err := strconv.ParseUint(ptText, 10, 7); err == nil {
				fmtpAt[uint8(pt)] = i
			}
		}
	}
	insert := make(map[int]string) // after line i, a new a=fmtp line
	changed := false
	for i, l := range lines {
		v, ok := strings.CutPrefix(l, "a=rtpmap:")
		if !ok {
			continue
		}
		pt, c, ok := parseRTPMap(v)
		if !ok {
			continue
		}
		want := ownParams(c, own)
		if len(want) == 0 {
			continue
		}
		if j, ok := fmtpAt[pt]; ok {
			var grew bool
			lines[j], grew = mergeParams(lines[j], want)
			changed = changed || grew
			continue
		}
		insert[i] = "a=fmtp:" + strconv.Itoa(int(pt)) + " " + strings.Join(want, ";")
		changed = true
	}
	if !changed {
		return s
	}
	out := make([]string, 0, len(lines)+len(insert))
	for i, l := range lines {
		out = append(out, l)
		if f, ok := insert[i]; ok {
			out = append(out, f)
		}
	}
	return joinSDP(out)
}

// ownParams is the name=value format parameters of our codec for c's
// encoding. Parameters of another shape (telephone-event's event list,
// RFC 4733 §2.4.1) describe what both ends agree on and are left alone.
func ownParams(c media.Codec, own []media.Codec) []string {
	for _, o := range own {
		if strings.EqualFold(o.Name, c.Name) && o.Clock == c.Clock && o.Fmtp != "" {
			var ps []string
			for _, p := range strings.Split(o.Fmtp, ";") {
				if p = strings.TrimSpace(p); strings.Contains(p, "=") {
					ps = append(ps, p)
				}
			}
			return ps
		}
	}
	return nil
}

// mergeParams appends to an a=fmtp line the parameters of want whose names
// it lacks; grew reports whether it added any.
func mergeParams(line string, want []string) (string, bool) {
	head, params, _ := strings.Cut(line, " ")
	have := make(map[string]bool)
	var ps []string
	for _, p := range strings.Split(params, ";") {
		if p = strings.TrimSpace(p); p != "" {
			k, _, _ := strings.Cut(p, "=")
			have[strings.ToLower(k)] = true
			ps = append(ps, p)
		}
	}
	grew := false
	for _, p := range want {
		k, _, _ := strings.Cut(p, "=")
		if !have[strings.ToLower(k)] {
			ps = append(ps, p)
			have[strings.ToLower(k)] = true
			grew = true
		}
	}
	return head + " " + strings.Join(ps, ";"), grew
}

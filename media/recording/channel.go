package recording

import "strconv"

// Channel is one direction of the call and one channel of the file.
type Channel int

// The two channels.
const (
	// Caller is the audio received from the calling party, the left
	// channel.
	Caller Channel = 0
	// Callee is the audio received from the called party, the right
	// channel.
	Callee Channel = 1
)

// numChannels is the number of channels in the file.
const numChannels = 2

// valid reports whether c is Caller or Callee.
func (c Channel) valid() bool { return c == Caller || c == Callee }

// String names the channel.
func (c Channel) String() string {
	switch c {
	case Caller:
		return "caller"
	case Callee:
		return "callee"
	}
	return "Channel(" + strconv.Itoa(int(c)) + ")"
}

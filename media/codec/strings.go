package codec

// String names the push result.
func (r PushResult) String() string {
	switch r {
	case Accepted:
		return "Accepted"
	case Duplicate:
		return "Duplicate"
	case Late:
		return "Late"
	case TooLarge:
		return "TooLarge"
	case Restarted:
		return "Restarted"
	}
	return "PushResult(?)"
}

// String names the pop result.
func (r PopResult) String() string {
	switch r {
	case Idle:
		return "Idle"
	case Play:
		return "Play"
	case Lost:
		return "Lost"
	case Underrun:
		return "Underrun"
	}
	return "PopResult(?)"
}

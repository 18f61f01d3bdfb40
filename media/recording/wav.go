package recording

import (
	"encoding/binary"
	"io"
)

// WAV layout: a RIFF file (the Multimedia Programming Interface and Data
// Specifications 1.0, "RIFF" and "WAVE" form) holding a "fmt " chunk for
// WAVE_FORMAT_PCM and one "data" chunk, 44 bytes of header in all.
const (
	wavHeaderSize  = 44
	wavFormatPCM   = 1 // format tag of PCM, as registered in RFC 2361
	bitsPerSample  = 16
	bytesPerFrame  = numChannels * bitsPerSample / 8
	riffSizeOffset = 4  // RIFF chunk size: file size minus 8
	dataSizeOffset = 40 // data chunk size: bytes of samples
	// maxDataBytes keeps the RIFF size within its 32 bits.
	maxDataBytes = (0xFFFFFFFF - (wavHeaderSize - 8)) / bytesPerFrame * bytesPerFrame
)

// wavHeader returns the header for dataBytes of interleaved 16-bit stereo
// samples at rate.
func wavHeader(rate int, dataBytes uint32) []byte {
	h := make([]byte, wavHeaderSize)
	le := binary.LittleEndian
	copy(h[0:], "RIFF")
	le.PutUint32(h[riffSizeOffset:], dataBytes+wavHeaderSize-8)
	copy(h[8:], "WAVE")
	copy(h[12:], "fmt ")
	le.PutUint32(h[16:], 16) // fmt chunk size for PCM
	le.PutUint16(h[20:], wavFormatPCM)
	le.PutUint16(h[22:], numChannels)
	le.PutUint32(h[24:], uint32(rate))
	le.PutUint32(h[28:], uint32(rate*bytesPerFrame)) // byte rate
	le.PutUint16(h[32:], bytesPerFrame)              // block align
	le.PutUint16(h[34:], bitsPerSample)
	copy(h[36:], "data")
	le.PutUint32(h[dataSizeOffset:], dataBytes)
	return h
}

// patchSizes writes the RIFF and data sizes for dataBytes into the header
// at the start of w.
func patchSizes(w io.WriterAt, buf *[4]byte, dataBytes uint32) error {
	binary.LittleEndian.PutUint32(buf[:], dataBytes+wavHeaderSize-8)
	if _, err := w.WriteAt(buf[:], riffSizeOffset); err != nil {
		return err
	}
	binary.LittleEndian.PutUint32(buf[:], dataBytes)
	_, err := w.WriteAt(buf[:], dataSizeOffset)
	return err
}

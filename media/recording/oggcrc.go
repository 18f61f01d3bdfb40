package recording

// oggCRCTable drives the page checksum of RFC 3533 §6: a CRC-32 with
// generator polynomial 0x04c11db7, processed most significant bit first,
// with initial value 0 and no final XOR (unlike the reflected CRC-32 of
// hash/crc32). Entry i is the CRC of the byte i.
var oggCRCTable = func() (t [256]uint32) {
	const poly = 0x04c11db7
	for i := range t {
		c := uint32(i) << 24
		for range 8 {
			if c&0x80000000 != 0 {
				c = c<<1 ^ poly
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

// oggCRC continues the checksum crc over b, a byte at a time.
func oggCRC(crc uint32, b []byte) uint32 {
	for _, v := range b {
		crc = crc<<8 ^ oggCRCTable[byte(crc>>24)^v]
	}
	return crc
}

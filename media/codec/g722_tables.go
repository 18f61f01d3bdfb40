package codec

// Constant tables of ITU-T G.722 (11/88), 64 kbit/s mode. Names follow the
// recommendation's block descriptions.

// g722QMF holds the even-indexed coefficients h0, h2, …, h22 of the 24-tap
// quadrature mirror filter (G.722 Table 2). The filter is symmetric, so
// the odd-indexed ones are the same values in reverse order; all 24 sum to
// 8192.
var g722QMF = [12]int{3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11}

// g722Q6 holds the lower sub-band quantizer decision levels (QUANTL, G.722
// Table 7), scaled so that level*det>>12 compares with the difference
// signal's magnitude. Interval k (1..30) lies between entries k-1 and k.
var g722Q6 = [31]int{
	0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650,
	714, 786, 858, 940, 1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980,
	2195, 2557, 2919, 0,
}

// g722ILN and g722ILP map a QUANTL interval to the 6-bit code for a
// negative and a non-negative difference.
var (
	g722ILN = [31]int{
		0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18,
		17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4,
	}
	g722ILP = [31]int{
		0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46,
		45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32,
	}
)

// g722QM6 is the 6-bit inverse quantizer of the lower sub-band (INVQBL,
// G.722 Table 9), indexed by code. Codes 0 to 3 do not occur in encoder
// output; a decoder maps them like code 63.
var g722QM6 = [64]int{
	-136, -136, -136, -136, -24808, -21904, -19008, -16704,
	-14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856,
	-7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576,
	-3168, -2776, -2400, -2032, -1688, -1360, -1040, -728,
	24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192,
	10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456,
	4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032,
	1688, 1360, 1040, 728, 432, 136, -432, -136,
}

// g722QM4 is the 4-bit inverse quantizer used by the lower sub-band
// predictor (INVQAL), indexed by the code's four most significant bits.
var g722QM4 = [16]int{
	0, -20456, -12896, -8968, -6288, -4240, -2584, -1200,
	20456, 12896, 8968, 6288, 4240, 2584, 1200, 0,
}

// g722RL42 folds a 4-bit code to its magnitude class and g722WL gives the
// log scale factor increment of each class (LOGSCL, G.722 Table 11).
var (
	g722RL42 = [16]int{0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0}
	g722WL   = [8]int{-60, -30, 58, 172, 334, 538, 1198, 3042}
)

// g722ILB is the antilogarithm table of the scale factor computation
// (SCALEL/SCALEH): 2048·2^(i/32), rounded.
var g722ILB = [32]int{
	2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383,
	2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
	2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371,
	3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
}

// Higher sub-band tables (G.722 Tables 8, 10 and 12): codes for a small
// and a large negative (g722IHN) or non-negative (g722IHP) difference, the
// 2-bit inverse quantizer, magnitude classes and their log scale factor
// increments.
var (
	g722IHN = [3]int{0, 1, 0}
	g722IHP = [3]int{0, 3, 2}
	g722QM2 = [4]int{-7408, -1616, 7408, 1616}
	g722RH2 = [4]int{2, 1, 2, 1}
	g722WH  = [3]int{0, -214, 798}
)

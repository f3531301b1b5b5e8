package units_test

import (
	"testing"

	"tarn/internal/units"
)

func TestBytes(t *testing.T) {
	cases := []struct {
		n           int64
		iec, athena string
	}{
		{0, "0 B", "0 B"},
		{1023, "1023 B", "1023 B"},
		{1024, "1.0 KiB", "1.00 KB"},
		{461_516, "450.7 KiB", "450.70 KB"},  // sales.customers as CSV
		{27_669_881, "26.4 MiB", "26.39 MB"}, // the 1-file CSV access log
		{1<<20 - 1, "1024.0 KiB", "1024.00 KB"},
		{3 << 30, "3.0 GiB", "3.00 GB"},
		{5 << 40, "5.0 TiB", "5120.00 GB"}, // Athena's console stops at GB
		{-5, "-5 B", "-5 B"},
	}
	for _, c := range cases {
		if got := units.Bytes(c.n, units.IEC); got != c.iec {
			t.Errorf("Bytes(%d, IEC) = %q, want %q", c.n, got, c.iec)
		}
		if got := units.Bytes(c.n, units.Athena); got != c.athena {
			t.Errorf("Bytes(%d, Athena) = %q, want %q", c.n, got, c.athena)
		}
	}
}

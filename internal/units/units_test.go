package units_test

import (
	"testing"

	"tarn/internal/units"
)

func TestBytes(t *testing.T) {
	cases := []struct {
		n    int64
		want string
	}{
		{0, "0 B"},
		{1023, "1023 B"},
		{1024, "1.0 KiB"},
		{461_516, "450.7 KiB"},   // sales.customers as CSV
		{27_669_881, "26.4 MiB"}, // the 1-file CSV access log
		{10 << 20, "10.0 MiB"},   // Athena's minimum bill and smallest limit
		{1<<20 - 1, "1024.0 KiB"},
		{3 << 30, "3.0 GiB"},
		{5 << 40, "5.0 TiB"},
		{-5, "-5 B"},
	}
	for _, c := range cases {
		if got := units.Bytes(c.n); got != c.want {
			t.Errorf("Bytes(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{
		"4096": 4096, "64KB": 64 << 10, "128MB": 128 << 20, "128MiB": 128 << 20, "128m": 128 << 20,
		"1.5GB": 3 << 29, "1 GiB": 1 << 30, "2T": 2 << 40, "10 B": 10,
	} {
		if got, err := units.ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "MB", "12XB", "-3MB", "1e30TB", "12 MB B"} {
		if n, err := units.ParseBytes(bad); err == nil {
			t.Errorf("ParseBytes(%q) = %d, want an error", bad, n)
		}
	}
}

package perms

import "testing"

func TestLooksLike(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"payment_id ", "payment_id", true},
		{"Payment-ID", "payment_id", true},
		{"PAYMENT ID", "payment_id", true},
		{"payment_id_1", "payment_id", true},
		{"payment_id_12", "payment_id", true},
		{"payment_idx", "payment_id", false},
		{"payment", "payment_id", false},
		{"payment_id_x", "payment_id", false},
		{"loyalty", "payment_id", false},
		{"phone_2", "phone", true},
		{"region", "phone", false},
	} {
		if got := looksLike(c.a, c.b); got != c.want {
			t.Errorf("looksLike(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

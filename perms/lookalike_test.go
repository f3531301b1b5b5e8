package perms

import (
	"strings"
	"testing"
)

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
		// Confusables: letters of other scripts or forms that read as
		// the protected name's (found by tarn crawl --update letting them
		// through with the hidden column's data, readable by leader).
		{"p\u0430yment_id", "payment_id", true},                               // Cyrillic a
		{"\u0440\u0430\u0443ment_\u0456d", "payment_id", true},                // Cyrillic p, a, y, i
		{"ph\u043ene", "phone", true},                                         // Cyrillic o
		{"\u03c1hone", "phone", true},                                         // Greek rho
		{"\uff50\uff41\uff59\uff4d\uff45\uff4e\uff54_id", "payment_id", true}, // fullwidth
		{"\U0001d429ayment_id", "payment_id", true},                           // mathematical bold p
		{"paym\u00e9nt_id", "payment_id", true},                               // precomposed e acute
		{"payment\u3164id", "payment_id", true},                               // Hangul filler, a letter that shows nothing
		{"phone:1", "phone", true},
		{"phone2_1", "phone2", true},
		{"phone2", "phone1", false},
		{"payment_id.1", "payment_id", true},
		{"paymentid2", "payment_id", true},
		{"\u540d\u524d", "id", false},
		{"\u043d\u043e\u043c\u0435\u0440", "phone", false}, // Cyrillic "nomer" reads as hoMep, not phone
		{"regi\u00f3n", "phone", false},
	} {
		if got := looksLike(c.a, c.b); got != c.want {
			t.Errorf("looksLike(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestFieldNames(t *testing.T) {
	for typ, want := range map[string]string{
		"VARCHAR":                      "",
		"DECIMAL(18,3)":                "",
		"STRUCT(a VARCHAR, b INTEGER)": "a,b",
		`STRUCT("a ""b"", c" VARCHAR, d STRUCT(e DATE)[])`:                 `a "b", c,d,e`,
		"MAP(VARCHAR, STRUCT(x TIMESTAMP WITH TIME ZONE, y DECIMAL(9,2)))": "x,y",
		"UNION(n INTEGER, s VARCHAR)":                                      "n,s",
		"STRUCT (a INTEGER)[]":                                             "a",
	} {
		if got := strings.Join(fieldNames(typ), ","); got != want {
			t.Errorf("fieldNames(%s) = %q, want %q", typ, got, want)
		}
	}
}

package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"tarn/lake"
)

// LogRows is the line count of the source's mail.cup.com access log.
const LogRows = 148_534

const (
	firefox  = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:73.0) Gecko/20100101 Firefox/73.0"
	headless = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/77.0.3865.90 Safari/537.36"
	dummy    = "Apache/2.4.25 (Debian) OpenSSL/1.0.2u (internal dummy connection)"
)

type weighted[T any] struct {
	v T
	w int
}

func pick[T any](r *rand.Rand, items []weighted[T]) T {
	total := 0
	for _, it := range items {
		total += it.w
	}
	n := r.IntN(total)
	for _, it := range items {
		if n < it.w {
			return it.v
		}
		n -= it.w
	}
	return items[len(items)-1].v
}

var (
	demoHosts = []weighted[string]{
		{"192.168.10.190", 55}, {"192.168.10.4", 25}, {"192.168.10.14", 8},
		{"192.168.10.24", 5}, {"192.168.10.13", 3}, {"::1", 4},
	}
	demoPages = []weighted[string]{
		{"/login.php", 14}, {"/services/portal/", 10}, {"/services/ajax.php/kronolith/listTopTags", 9},
		{"/services/ajax.php/imp/dynamicInit", 7}, {"/imp/dynamic.php?page=mailbox", 8},
		{"/index.php", 6}, {"/kronolith/", 4}, {"/mnemo/", 4}, {"/nag/", 3}, {"/turba/", 3},
		{"/services/ajax.php/imp/viewPort", 6}, {"/themes/default/graphics/logo.png", 5},
		{"/themes/default/screen.css", 4}, {"/js/prototype.js", 4}, {"/js/horde.js", 3},
		{"/themes/default/graphics/favicon.ico", 3}, {"/static/horde-core.js", 2},
		{"/admin/", 1}, {"/robots.txt", 1},
	}
	demoStatuses = []weighted[int32]{{200, 78}, {302, 12}, {304, 7}, {404, 3}}
	demoAgents   = []weighted[string]{{firefox, 85}, {headless, 15}}
	demoReferers = []weighted[string]{
		{"-", 40}, {"http://mail.cup.com/services/portal/", 25}, {"http://mail.cup.com/login.php", 15},
		{"http://mail.cup.com/imp/dynamic.php?page=mailbox", 12}, {"http://mail.cup.com/kronolith/", 8},
	}
)

// logStart is the first timestamp of the demo log, as in the source.
var logStart = time.Date(2020, 2, 29, 0, 0, 2, 0, time.UTC)

// GenerateLog makes n deterministic access-log records in time order with
// the source log's character: a few 192.168.10.x hosts, ::1 internal
// OPTIONS requests, Horde webmail php pages and static assets.
func GenerateLog(n int, seed uint64) []lake.LogRecord {
	g := NewLogGenerator(seed)
	out := make([]lake.LogRecord, n)
	for i := range out {
		out[i] = g.Next()
	}
	return out
}

// LogGenerator makes GenerateLog's records one at a time, so a log of any
// length streams: its first n records are GenerateLog(n, seed), and the
// rest continue the same distribution with timestamps that never go back.
type LogGenerator struct {
	r *rand.Rand
	t time.Time
}

// NewLogGenerator starts the log of seed at its first record.
func NewLogGenerator(seed uint64) *LogGenerator {
	return &LogGenerator{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), t: logStart}
}

// Next makes the next record.
func (g *LogGenerator) Next() lake.LogRecord {
	rec := logRecord(g.r, g.t)
	g.t = g.t.Add(time.Duration(g.r.IntN(5000)) * time.Millisecond).Truncate(time.Second)
	if g.t.Equal(rec.Time) && g.r.IntN(3) == 0 {
		g.t = g.t.Add(time.Second)
	}
	return rec
}

func logRecord(r *rand.Rand, t time.Time) lake.LogRecord {
	host := pick(r, demoHosts)
	if host == "::1" {
		return lake.LogRecord{Host: host, Ident: "-", AuthUser: "-", Time: t, Method: "OPTIONS",
			Path: "*", Protocol: "HTTP/1.0", Status: 200, Size: 126, Referrer: "-", Agent: dummy}
	}
	rec := lake.LogRecord{Host: host, Ident: "-", AuthUser: "-", Time: t, Method: "GET",
		Path: pick(r, demoPages), Protocol: "HTTP/1.1", Status: pick(r, demoStatuses),
		Referrer: pick(r, demoReferers), Agent: pick(r, demoAgents)}
	if strings.HasPrefix(rec.Path, "/services/ajax.php") || (rec.Path == "/login.php" && r.IntN(3) == 0) {
		rec.Method = "POST"
	}
	if r.IntN(9) == 0 {
		rec.AuthUser = fmt.Sprintf("user%02d", r.IntN(30))
	}
	switch rec.Status {
	case 304:
		rec.Size = 0
	case 302:
		rec.Size = int64(200 + r.IntN(400))
	case 404:
		rec.Size = int64(280 + r.IntN(40))
	default:
		rec.Size = int64(300 + r.IntN(40000))
	}
	return rec
}

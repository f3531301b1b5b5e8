package lake

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// LogRecord is one line of an Apache/Nginx combined access log.
type LogRecord struct {
	Host     string    `parquet:"host,dict"`
	Ident    string    `parquet:"ident,dict"`
	AuthUser string    `parquet:"authuser,dict"`
	Time     time.Time `parquet:"time,timestamp(microsecond:local)"`
	Method   string    `parquet:"method,dict"`
	Path     string    `parquet:"path,dict"`
	Protocol string    `parquet:"protocol,dict"`
	Status   int32     `parquet:"status"`
	Size     int64     `parquet:"size"`
	Referrer string    `parquet:"referrer,dict"`
	Agent    string    `parquet:"agent,dict"`
}

// LogColumns is the catalog schema of an access log table.
var LogColumns = []Column{
	{"host", "VARCHAR"}, {"ident", "VARCHAR"}, {"authuser", "VARCHAR"},
	{"time", "TIMESTAMP"}, {"method", "VARCHAR"}, {"path", "VARCHAR"},
	{"protocol", "VARCHAR"}, {"status", "INTEGER"}, {"size", "BIGINT"},
	{"referrer", "VARCHAR"}, {"agent", "VARCHAR"},
}

// DemoLogRows is the line count of the source's mail.cup.com access log.
const DemoLogRows = 148_534

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

// DemoLogStart is the first timestamp of the demo log, as in the source.
var DemoLogStart = time.Date(2020, 2, 29, 0, 0, 2, 0, time.UTC)

// GenerateLog makes n deterministic access-log records in time order with
// the source log's character: a few 192.168.10.x hosts, ::1 internal
// OPTIONS requests, Horde webmail php pages and static assets.
func GenerateLog(n int, seed uint64) []LogRecord {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]LogRecord, n)
	t := DemoLogStart
	for i := range out {
		out[i] = demoRecord(r, t)
		t = t.Add(time.Duration(r.IntN(5000)) * time.Millisecond).Truncate(time.Second)
		if t.Equal(out[i].Time) && r.IntN(3) == 0 {
			t = t.Add(time.Second)
		}
	}
	return out
}

func demoRecord(r *rand.Rand, t time.Time) LogRecord {
	host := pick(r, demoHosts)
	if host == "::1" {
		return LogRecord{Host: host, Ident: "-", AuthUser: "-", Time: t, Method: "OPTIONS",
			Path: "*", Protocol: "HTTP/1.0", Status: 200, Size: 126, Referrer: "-", Agent: dummy}
	}
	rec := LogRecord{Host: host, Ident: "-", AuthUser: "-", Time: t, Method: "GET",
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

// ParseLogLine parses one combined (or common) log format line.
//
//	host ident authuser [02/Jan/2006:15:04:05 -0700] "METHOD path PROTO" status size "referrer" "agent"
func ParseLogLine(line string) (LogRecord, error) {
	var rec LogRecord
	fields := make([]string, 0, 3)
	rest := line
	for len(fields) < 3 {
		sp := strings.IndexByte(rest, ' ')
		if sp < 0 {
			return rec, fmt.Errorf("expected host, ident and authuser")
		}
		fields = append(fields, rest[:sp])
		rest = rest[sp+1:]
	}
	rec.Host, rec.Ident, rec.AuthUser = fields[0], fields[1], fields[2]
	if !strings.HasPrefix(rest, "[") {
		return rec, fmt.Errorf("expected [time]")
	}
	end := strings.IndexByte(rest, ']')
	if end < 0 {
		return rec, fmt.Errorf("unterminated [time]")
	}
	t, err := time.Parse("02/Jan/2006:15:04:05 -0700", rest[1:end])
	if err != nil {
		return rec, fmt.Errorf("bad time %q", rest[1:end])
	}
	rec.Time = t.UTC()
	rest = strings.TrimPrefix(rest[end+1:], " ")
	request, rest, err := quoted(rest)
	if err != nil {
		return rec, fmt.Errorf("request: %v", err)
	}
	parts := strings.Split(request, " ")
	switch len(parts) {
	case 3:
		rec.Method, rec.Path, rec.Protocol = parts[0], parts[1], parts[2]
	case 2:
		rec.Method, rec.Path = parts[0], parts[1]
	default:
		rec.Path = request // "-" or garbage requests keep the raw text
	}
	nums := strings.Fields(rest)
	if len(nums) < 2 {
		return rec, fmt.Errorf("expected status and size")
	}
	status, err := strconv.Atoi(nums[0])
	if err != nil || status < 100 || status > 999 {
		return rec, fmt.Errorf("bad status %q", nums[0])
	}
	rec.Status = int32(status)
	if nums[1] != "-" {
		if rec.Size, err = strconv.ParseInt(nums[1], 10, 64); err != nil {
			return rec, fmt.Errorf("bad size %q", nums[1])
		}
	}
	rest = strings.TrimLeft(rest, " ")
	rest = strings.TrimLeft(rest[len(nums[0]):], " ")
	rest = strings.TrimLeft(rest[len(nums[1]):], " ")
	if rest == "" { // common log format: no referrer or agent
		rec.Referrer, rec.Agent = "-", "-"
		return rec, nil
	}
	if rec.Referrer, rest, err = quoted(rest); err != nil {
		return rec, fmt.Errorf("referrer: %v", err)
	}
	if rec.Agent, _, err = quoted(strings.TrimLeft(rest, " ")); err != nil {
		return rec, fmt.Errorf("agent: %v", err)
	}
	return rec, nil
}

// quoted reads one "..." field with \" escapes and returns the rest.
func quoted(s string) (string, string, error) {
	if !strings.HasPrefix(s, `"`) {
		return "", s, fmt.Errorf("expected a quoted field")
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == '"':
			return b.String(), s[i+1:], nil
		default:
			b.WriteByte(c)
		}
	}
	return "", "", fmt.Errorf("unterminated quoted field")
}

// FormatLogLine renders a record as a combined log line (used by tests
// and to make sample logs).
func FormatLogLine(r LogRecord) string {
	req := r.Method + " " + r.Path + " " + r.Protocol
	return fmt.Sprintf(`%s %s %s [%s] %q %d %d %q %q`, r.Host, r.Ident, r.AuthUser,
		r.Time.Format("02/Jan/2006:15:04:05 -0700"), req, r.Status, r.Size, r.Referrer, r.Agent)
}

package lake

import (
	"fmt"
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

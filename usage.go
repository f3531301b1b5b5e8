package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is one of tarn's commands with its usage: the one source of
// what `tarn help` prints, what a command's -h and usage errors say, and
// the README's list of commands (TestREADMEListsTheCommands compares them).
type command struct {
	name     string
	synopsis []string // command lines; later ones may be indented continuations
	about    string   // what it does, wrapped when printed
	run      func(e *env, args []string) error
}

// commands are tarn's commands, the first (no name) `tarn` alone.
func commands() []command {
	return []command{
		{"", []string{"tarn [--lake DIR] [--persona P] [--theme T]"},
			"open the workbench on the lake as P (the default lake is created on first run, with " +
				"progress; one named by --lake or $TARN_LAKE must exist; when output is not a terminal, print the catalog); `tarn --persona P CMD` is `tarn CMD --persona P`", runOpen},
		{"demo", []string{"tarn demo [--bench] [--scale N] [--walkthrough]"},
			"create or complete the demo lake; --bench adds every layout of the format experiment (~53,500 files, ~600 MB); " +
				"--scale N adds the access log N times larger, streamed, as Parquet and CSV in 1 and 100 files (weblogs.logs_xN_csv_100 ...); " +
				"--walkthrough resets the policy to the Lake Formation story's start, the analyst holding no grant on any sales table", runDemo},
		{"catalog", []string{"tarn catalog [--persona P] [--json]"},
			"databases, tables, format, compression, files, bytes, rows; with --persona only what P may describe, with P's visible columns", runCatalog},
		{"import", []string{
			"tarn import FILE... --db D --table T [--to parquet|csv|json] [--files N] [--gzip]",
			"            [--input csv|json|log] [--replace [--update-policy]]",
			"tarn import aws --map s3://bucket/prefix=DIR FILE..."},
			"import CSV, JSON lines or access logs as a table (a log's malformed lines are kept in .tarn/rejects/D.T.csv, " +
				"for the lake's owner only); --replace refuses new columns that would break the policy " +
				"(it lists the entries); --update-policy drops what names gone columns where that narrows access. " +
				"import aws reads the JSON the AWS CLI prints (glue get-databases, get-tables; lakeformation list-lf-tags, " +
				"get-resource-lf-tags saved as DB.json or DB.TABLE.json, list-permissions, list-data-cells-filter, get-data-lake-settings) " +
				"into an empty lake: tables under the mapped folders, LF-Tags, IAM principals as personas with their grants; " +
				"what has no place in tarn is listed by file and JSON path", runImport},
		{"compact", []string{
			"tarn compact DB.TABLE [--target-size 128MB] [--to parquet|csv|json] [--gzip]",
			"             [--persona P] [--no-bench] [--format table|json] [--chart FILE.svg]"},
			"rewrite a table's files into as few as the target size allows (administrators only): written into a hidden folder, " +
				"checked against the old files (rows and every column's checksum), then switched to in one catalog save; tags, grants, " +
				"filters and masks are unchanged. Prints files, bytes and rows before and after, and the source's three queries " +
				"(trimmed mean of 5, data scanned) over each; --chart draws them as bench --chart does, before beside after", runCompact},
		{"crawl", []string{"tarn crawl [PATH] [--update]"}, "register data folders found under the lake, or under PATH: a folder relative to the lake's root " +
			"(raw/events), or an absolute path inside the lake", runCrawl},
		{"personas", []string{"tarn personas"}, "the personas of the lake's policy", runPersonas},
		{"query", []string{
			"tarn query [--persona P] [--format table|csv|json|null] [--stats]",
			"           [--chart FILE.svg [--chart-kind bar|line|scatter|histogram] [--x COL] [--y COL]]",
			"           SQL | --file F | --saved NAME"},
			"run one read-only query as a persona, streaming its rows (SQL on stdin when none is given); " +
				"--stats adds state, rows, data scanned, billed bytes, cost and timings; --chart writes a plot " +
				"of the result instead (kind and columns chosen from the column types unless given; at most " +
				"20,000 rows, a histogram 2,000,000, saying so)", runQuery},
		{"profile", []string{"tarn profile DB.TABLE [COLUMN...] [--persona P] [--format table|json]"},
			"each column's rows, nulls, distinct values, min, max, mean and quartiles of numbers, most frequent " +
				"values and a histogram, on P's view (masks and row filters apply); every column P may read when none is named; " +
				"each column is one query: data scanned, cost and timings on stderr, the workgroup's limit, history and audit", runProfile},
		{"bench", []string{
			"tarn bench [--formats csv,json,parquet] [--files 1,100] [--compression none,gzip]",
			"           [--queries full,like,projection] [--runs 5] [--warmup 1] [--persona P]",
			"           [--tables T,...] [--saved NAME,...] [--sql SQL]",
			"           [--format table|csv|json|markdown] [--chart FILE.svg] [--beside-duckdb] [--no-copies]"},
			"the source's format benchmark: trimmed means, engine and fetch time, data scanned and cost beside Athena's figures; " +
				"--chart also writes them as bar charts, a panel per query; --beside-duckdb also times each query over the same files " +
				"in plain DuckDB (default settings, no governance; administrators only) after each of tarn's runs, and prints tarn/plain; " +
				"--no-copies reads every table from its own files, not tarn's copy of a table of many small files", runBench},
		{"history", []string{"tarn history [--workgroup W | --persona P] [--limit N] [--json]"},
			"a workgroup's past queries, with totals of scanned and cost (a persona who is not an administrator: its own queries)", runHistory},
		{"saved", []string{
			"tarn saved [list] | add NAME [--description D] [--table T] [--replace] SQL |",
			"           delete NAME [--persona P | --workgroup W]"},
			"saved queries (queries.toml); {table} stands for a table. A persona's belong to its workgroup; " +
				"an administrator's are shared with everyone who may see their table (--workgroup W for a workgroup's)", runSaved},
		{"access", []string{"tarn access DB.TABLE [--why] [--persona P] | --json [DB.TABLE]"},
			"columns x personas: visible / masked(kind) / hidden, row filters (administrators only); --json: every table " +
				"(or one), per persona select / describe / none, each column visible / hidden / masked:KIND and the row filter", runAccess},
		{"tags", []string{
			"tarn tags [list] [--as P]",
			"tarn tags create KEY VALUE... | delete KEY [VALUE] | assign RESOURCE KEY=VALUE |",
			"          unassign RESOURCE KEY [--as P] [--dry-run]"},
			"LF-Tags and their assignments: all for an administrator, the ones P's grants name for anyone else; " +
				"changing them is for administrators, who see which personas gain or lose which tables, columns " +
				"and rows (--dry-run: only that; --persona is the same as --as)", runTags},
		{"grants", []string{
			"tarn grants [list] [--as P]",
			"tarn grants add|revoke PERSONA DESCRIBE,SELECT KEY=VALUE[,VALUE]... [--as P] [--dry-run]",
			"tarn grants add|revoke PERSONA DESCRIBE,SELECT DATABASE[.TABLE] [COLUMN...]",
			"tarn grants add|revoke PERSONA filter DB.TABLE [rows=EXPR] [include=C,...|exclude=C,...]"},
			"grants on tag expressions or named resources (DESCRIBE, SELECT or both), and data filters: all for an " +
				"administrator, P's own for anyone else; changing them is for administrators, who see the effect " +
				"first as for tags (--dry-run: only that; --persona is the same as --as)", runGrants},
		{"principals", []string{
			"tarn principals [list] [--as A] [--json]",
			"tarn principals add NAME --persona P --key FILE.pub [--key FILE.pub]... [--as A]",
			"tarn principals remove NAME | persona NAME P | key add NAME FILE.pub |",
			"                key remove NAME SHA256:FINGERPRINT [--as A]"},
			"who may connect to a served lake (tarn serve) and as which persona: a name, a persona and SSH public keys " +
				"(authorized_keys lines; FILE - reads stdin). The list shows each key's type, SHA256 fingerprint (as ssh-keygen -l) " +
				"and comment; key add and key remove rotate a key, persona moves a principal to another. Administrators only " +
				"(--as A; outside add, --persona is the same as --as)", runPrincipals},
		{"export", []string{
			"tarn export trino --out DIR [--catalog hive] [--location-prefix s3://bucket/prefix]",
			"tarn export aws --out DIR --bucket s3://bucket/prefix [--persona P]"},
			"publish the catalog and policy to another engine (administrators only): for Trino catalog.sql (Hive connector " +
				"tables) and rules.json (file-based access control, users are personas and their principals); for AWS Terraform " +
				"(*.tf.json: Glue tables, LF-Tags, grants, data cells filters, Athena workgroups) and upload.sh. Stricter than tarn, " +
				"never looser: every place it is stricter is printed and in NOTES.md", runExport},
		{"serve", []string{
			"tarn serve [--listen 127.0.0.1:23234] [--max-sessions 64] [--max-sessions-per-principal 4]",
			"           [--max-queries-per-principal 2] [--idle 30m] [--memory-limit 1GB]",
			"           [--spill-limit 4GB]"},
			"serve the lake over SSH to the policy's principals (public keys only): `ssh -p 23234 HOST` opens the workbench as the key's " +
				"persona; `ssh -p 23234 HOST query|catalog|history|saved|access ...` runs that command; every audit record names the principal, " +
				"key and address; the limits say which one a refused session or query hit", runServe},
		{"help", []string{"tarn help [COMMAND]"}, "this list, or one command's usage and flags", runHelp},
	}
}

const (
	aboutColumn = 38 // where the description starts, as in the README
	usageWidth  = 88
)

// usageText is a command's entry in the list: its synopsis, and its
// description wrapped beside it (below a synopsis too long to share a line).
func (c command) usageText() string {
	var b strings.Builder
	lines := c.synopsis
	for _, l := range lines[:len(lines)-1] {
		b.WriteString(l + "\n")
	}
	last := lines[len(lines)-1]
	words := strings.Fields(c.about)
	line := last
	if len(last) > aboutColumn-2 {
		b.WriteString(last + "\n")
		line = ""
	}
	for len(words) > 0 {
		line = padTo(line, aboutColumn) + words[0]
		words = words[1:]
		for len(words) > 0 && len(line)+1+len(words[0]) <= usageWidth {
			line += " " + words[0]
			words = words[1:]
		}
		b.WriteString(line + "\n")
		line = ""
	}
	return b.String()
}

func padTo(s string, n int) string {
	return s + strings.Repeat(" ", max(n-len(s), 0))
}

// usageError is a command's usage as an error, for arguments it cannot use.
func usageError(name string) error {
	c, _ := findCommand(name)
	return fmt.Errorf("usage: %s", strings.Join(strings.Fields(strings.Join(c.synopsis, " ")), " "))
}

// usageList is what `tarn help` and `tarn -h` print.
func usageList(w io.Writer) {
	fmt.Fprintln(w, "tarn: a terminal workbench for a local data lake")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprint(w, c.usageText())
	}
	fmt.Fprintln(w, `
Every command takes --lake DIR; the lake is --lake DIR, else $TARN_LAKE,
else $XDG_DATA_HOME/tarn/lake (~/.local/share/tarn/lake).`)
}

// commandUsage is what `tarn CMD -h` and `tarn help CMD` print: the
// command's entry, then its flags.
func commandUsage(w io.Writer, c command, fs *flag.FlagSet) {
	fmt.Fprint(w, c.usageText())
	fmt.Fprintln(w, "\nflags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// runHelp prints the list, or one command's usage with its flags (which
// its own flag set knows: the command runs with -h).
func runHelp(e *env, args []string) error {
	fs := e.newFlags("help")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) == 0:
		usageList(e.stdout)
		return nil
	case len(rest) > 1:
		return usageError("help")
	}
	c, ok := findCommand(rest[0])
	if !ok || c.name == "help" {
		return fmt.Errorf("no command %q: `tarn help` lists them", rest[0])
	}
	help := *e
	help.helpAsked = true
	if err := c.run(&help, []string{"-h"}); err != nil && !errors.Is(err, errHelp) {
		return err
	}
	return nil
}

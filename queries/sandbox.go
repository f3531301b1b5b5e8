package queries

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"strings"

	"tarn/lake"
	"tarn/perms"
)

// sandbox is the second layer of enforcement: what a DuckDB may open on
// its own, whatever statement reaches it. A session may open only the
// folders of the tables its persona may SELECT (every table owns its
// folder: the catalog refuses nested locations), never the lake root, so
// never the audit log, the history, tarn's state or the TOML files, for
// an administrator neither. Spilled data goes to a folder of the
// session's own. Then the configuration is locked: no ATTACH, no
// extension, no later SET (measured in DESIGN.md).
//
// DuckDB resolves symlinks and ".." before it compares a path with the
// allowed folders (tested), but it lets a session write where it may
// read: the guard and the plan check refuse COPY and every other write.
func sandbox(dirs []string, tmp string, disabledOptimizers ...string) []string {
	return []string{
		// DuckDB's CTE filter pusher copies a user's predicate into a
		// materialised CTE: into a row filter's tarn_filtered, where it
		// runs on the rows the filter removes (an error could quote one,
		// and Parquet statistics would prune by it). A row filter must be
		// a barrier, so the pusher is off in every DuckDB that sees a view.
		"SET disabled_optimizers = " + lake.SQLString(strings.Join(append([]string{"cte_filter_pusher"}, disabledOptimizers...), ",")),
		"SET temp_directory = " + lake.SQLString(tmp),
		"SET allowed_directories = " + dirList(dirs),
		"SET autoinstall_known_extensions = false",
		"SET autoload_known_extensions = false",
		// Lake files are local: the OS already caches them. DuckDB's own
		// copy grew a full tarn bench to 1.67 GB RSS.
		"SET enable_external_file_cache = false",
		// Read a Parquet file's column chunks in merged reads, as DuckDB
		// does for remote files, not one read each: at 10,000 files of the
		// log, 35-40% less CPU for the source's three queries, 18-25% at 1
		// and 1,000 files (tarn bench, interleaved, CPU time).
		"SET prefetch_all_parquet_files = true",
		"SET enable_external_access = false",
		// DuckDB keeps its estimate of a query's progress only with its
		// progress bar on (duckdb_query_progress is -1 otherwise): a
		// write's progress line reads it for a time left. Its own bar
		// would print to tarn's stderr (a served lake's terminal), so
		// printing goes off first.
		"SET enable_progress_bar_print = false",
		"SET enable_progress_bar = true",
		"SET lock_configuration = true",
	}
}

// dirList is dirs as a DuckDB list of strings. DuckDB binds a list
// literal one constant at a time: 3,334 folders took 0.5 s to bind before
// the SET began, so the folders go as one string split on newlines (about
// 0.3 s less at 3,334 folders, measured interleaved). A folder holding a
// newline, and no folder at all, keep the literal: splitting "" gives a
// list of one empty string, which DuckDB takes for the working folder
// (tested), where the persona may open none.
func dirList(dirs []string) string {
	if len(dirs) == 0 || slices.ContainsFunc(dirs, func(d string) bool { return strings.Contains(d, "\n") }) {
		quoted := make([]string, len(dirs))
		for i, d := range dirs {
			quoted[i] = lake.SQLString(d)
		}
		return "[" + strings.Join(quoted, ", ") + "]"
	}
	return "string_split(" + lake.SQLString(strings.Join(dirs, "\n")) + ", chr(10))"
}

// readableDirs are the folders of the tables a persona may SELECT, and of
// their copies that exist now (see copiesDir), sorted.
func readableDirs(l *lake.Lake, vis perms.Visibility) []string {
	if !enforcement.narrowSandbox {
		return []string{l.Root}
	}
	var dirs []string
	var tables []lake.Table
	for _, ta := range vis.Tables {
		if ta.Select {
			dirs = append(dirs, l.Dir(ta.Table))
			tables = append(tables, ta.Table)
		}
	}
	dirs = append(dirs, copyDirsOf(l.Root, tables)...)
	slices.Sort(dirs)
	return slices.Compact(dirs)
}

// sessionTemp makes the folder a session's DuckDB may spill to. DuckDB
// adds it to the folders the session may open, so it is the session's
// own, removed when the session closes.
func sessionTemp() (string, error) {
	return os.MkdirTemp("", "tarn-session-")
}

// openDuck opens a private in-memory DuckDB with its one connection and
// runs setup on it (schemas, then the sandbox, which locks the settings).
func openDuck(ctx context.Context, setup []string) (*sql.DB, *sql.Conn, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, nil, err
	}
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	for _, q := range setup {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			conn.Close()
			db.Close()
			return nil, nil, fmt.Errorf("%s: %w", q, err)
		}
	}
	return db, conn, nil
}

// createSchemas are the statements that create the lake databases' schemas.
func createSchemas(databases []string) []string {
	stmts := make([]string, len(databases))
	for i, d := range databases {
		stmts[i] = "CREATE SCHEMA " + lake.QuoteIdent(d)
	}
	return stmts
}

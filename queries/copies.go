package queries

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"tarn/internal/atomicfile"
	"tarn/internal/filelock"
	"tarn/lake"
)

// A copy is tarn's own consolidated copy of a table of many small files:
// one Parquet file in the lake's .tarn/copies, which a session reads in
// place of the table's files while every one of them is as it was copied
// (path, identity, size, modification and change time: lake.FileVersion),
// like Databricks' disk cache. Opening 10,000 files cost DuckDB 0.5-0.7 s
// before reading a single column (a count(*)) and the source's LIKE 2.3-2.6 s
// at best; one file of the same rows answers it in under 0.1 s.
//
// A copy changes no figure but the time: data scanned is what the table's
// own files would give (their footers, the scan's columns and filters), the
// rows are the same (the copy is the table's relation, in its order, and
// is used only while no file changed). The first query over a table reads
// its files; the copy is built after it, in the background, where a
// session may build (the workbench, a served lake, tarn bench).
//
// Each copy lives in a folder of its own, .tarn/copies/data/KEY, KEY a
// hash of the table's name and location: a session's sandbox admits the
// folders of the copies of the tables it may read and no other, so the
// sandbox alone still holds a persona to its tables. What a copy holds and
// which files it was made from is in .tarn/copies/manifests/KEY.json,
// which no session's sandbox admits: a session that could write in a
// folder it may read (DuckDB lets it, though the guard and the plan check
// refuse every write) cannot vouch for a copy. The manifest names the
// copy's own version too, so a copy rewritten in place is not used.
const copiesDir = ".tarn/copies"

// MinCopyFiles is the file count from which a table of small files gets a
// copy: at 1,000 files of the source's log every query was under 0.5x
// Athena's time already; at 10,000 the per-file cost made Parquet slower
// than Athena.
const MinCopyFiles = 1000

// maxCopyBytes bounds what one copy holds: a copy is for many small files,
// not for a large table (which tarn compact serves).
const maxCopyBytes = 4 << 30

const copyFormat = "tarn copy 1"

type copyManifest struct {
	Format      string `json:"format"`
	Table       string `json:"table"`
	Location    string `json:"location"`
	Sources     string `json:"sources"` // fingerprint of the files copied
	Files       int    `json:"files"`
	Data        string `json:"data"`         // the copy's file name in its folder
	DataVersion string `json:"data_version"` // the copy's lake.FileVersion
}

// copyKey names t's copy: its name and location, so a table dropped and
// made again elsewhere under the same name never meets the old copy.
func copyKey(t lake.Table) string {
	h := sha256.Sum256([]byte(t.QualifiedName() + "\x00" + t.Location))
	return hex.EncodeToString(h[:12])
}

func copyDataDir(root string, t lake.Table) string { return dataDirOf(root, copyKey(t)) }

func copyManifestPath(root string, t lake.Table) string { return manifestOf(root, copyKey(t)) }

func dataDirOf(root, key string) string { return filepath.Join(root, copiesDir, "data", key) }

func manifestOf(root, key string) string {
	return filepath.Join(root, copiesDir, "manifests", key+".json")
}

// tableFiles are a table's files as they are now.
type tableFiles struct {
	files       []string
	bytes       int64
	fingerprint string // of how the catalog reads the table, and every file's path and version
}

func statTable(l *lake.Lake, t lake.Table) (tableFiles, error) {
	files, err := l.Files(t)
	if err != nil {
		return tableFiles{}, err
	}
	tf := tableFiles{files: files}
	h := sha256.New()
	// The catalog's columns, types, format and union_by_name shape the
	// rows as much as the files do: a lake.toml edit that leaves every
	// file as it was must leave no copy valid.
	fmt.Fprintf(h, "%s\n", lake.RelationOf(t, []string{filepath.Join(l.Dir(t), t.FilePattern())}))
	for _, f := range files {
		info, err := os.Stat(f)
		if err != nil {
			return tableFiles{}, fmt.Errorf("table %s: %w", t.QualifiedName(), err)
		}
		tf.bytes += info.Size()
		fmt.Fprintf(h, "%s\x00%s\n", f, lake.InfoVersion(info))
	}
	tf.fingerprint = hex.EncodeToString(h.Sum(nil))
	return tf, nil
}

// copyable says whether a table of these files gets a copy.
func (tf tableFiles) copyable() bool {
	n := int64(len(tf.files))
	return n >= MinCopyFiles && tf.bytes/n < lake.SmallFileAverage && tf.bytes <= maxCopyBytes
}

// validCopy is the path of t's copy if it was made from exactly the files
// of tf and is itself unchanged, "" otherwise.
func validCopy(root string, t lake.Table, tf tableFiles) string {
	b, err := os.ReadFile(copyManifestPath(root, t))
	if err != nil {
		return ""
	}
	var m copyManifest
	if json.Unmarshal(b, &m) != nil || m.Format != copyFormat || m.Table != t.QualifiedName() || m.Location != t.Location ||
		m.Sources != tf.fingerprint || m.Data == "" || m.Data != filepath.Base(m.Data) {
		return ""
	}
	data := filepath.Join(copyDataDir(root, t), m.Data)
	if lake.StatVersion(data).String() != m.DataVersion {
		return ""
	}
	return data
}

// copyDirsOf are the copy folders, among those on disk, of the tables
// given: what a session's sandbox admits beside the tables' own folders.
func copyDirsOf(root string, tables []lake.Table) []string {
	entries, err := os.ReadDir(filepath.Join(root, copiesDir, "data"))
	if err != nil || len(entries) == 0 {
		return nil
	}
	have := map[string]bool{}
	for _, e := range entries {
		have[e.Name()] = true
	}
	var dirs []string
	for _, t := range tables {
		if have[copyKey(t)] {
			dirs = append(dirs, copyDataDir(root, t))
		}
	}
	return dirs
}

// builds are the copies being made in this process, by data folder: a
// second request for one waits for the first.
var builds = struct {
	sync.Mutex
	m map[string]chan struct{}
	// failed are the fingerprints of the files whose copy failed, by
	// data folder: they are not tried again in this process.
	failed map[string]string
}{m: map[string]chan struct{}{}, failed: map[string]string{}}

// copyFailed says whether making t's copy from the files tf failed here.
func copyFailed(root string, t lake.Table, tf tableFiles) bool {
	builds.Lock()
	defer builds.Unlock()
	return builds.failed[copyDataDir(root, t)] == tf.fingerprint
}

// requestCopy starts making t's copy in the background unless it is under
// way already; the channel closes when it is done (or failed: a table
// without a copy is read from its files, so a failure costs only time).
func requestCopy(l *lake.Lake, t lake.Table) <-chan struct{} {
	dir := copyDataDir(l.Root, t)
	builds.Lock()
	defer builds.Unlock()
	if done, ok := builds.m[dir]; ok {
		return done
	}
	done := make(chan struct{})
	builds.m[dir] = done
	go func() {
		defer func() {
			builds.Lock()
			delete(builds.m, dir)
			builds.Unlock()
			close(done)
		}()
		fingerprint, err := buildCopy(context.Background(), l, t)
		if err != nil && fingerprint != "" {
			builds.Lock()
			builds.failed[dir] = fingerprint
			builds.Unlock()
		}
	}()
	return done
}

// buildCopy makes t's copy, one process at a time (a lock per copy), in a
// DuckDB of its own that may open only the table's folder and the copy's.
// The files are fingerprinted before and after: a file changed meanwhile
// leaves no copy.
func buildCopy(ctx context.Context, l *lake.Lake, t lake.Table) (fingerprint string, err error) {
	root := l.Root
	for _, sub := range []string{"manifests", "building"} {
		if err := os.MkdirAll(filepath.Join(root, copiesDir, sub), 0o755); err != nil {
			return "", err
		}
	}
	dir := copyDataDir(root, t)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	unlock, err := filelock.Lock(copyManifestPath(root, t) + ".lock")
	if err != nil {
		return "", err
	}
	defer unlock()
	before, err := statTable(l, t)
	if err != nil || !before.copyable() || validCopy(root, t, before) != "" {
		return "", err
	}
	// The manifest goes first, so that no session vouches for what is
	// removed next: earlier copies, and what a killed build left.
	if err := os.Remove(copyManifestPath(root, t)); err != nil && !os.IsNotExist(err) {
		return before.fingerprint, err
	}
	if err := emptyDir(dir); err != nil {
		return before.fingerprint, err
	}
	if err := removeBuilding(root, t); err != nil {
		return before.fingerprint, err
	}
	name, version, err := writeCopy(ctx, l, t, dir)
	if err != nil {
		return before.fingerprint, err
	}
	after, err := statTable(l, t)
	if err != nil || after.fingerprint != before.fingerprint {
		os.Remove(filepath.Join(dir, name))
		return "", err // changed meanwhile: the next query asks again
	}
	m := copyManifest{Format: copyFormat, Table: t.QualifiedName(), Location: t.Location, Sources: before.fingerprint,
		Files: len(before.files), Data: name, DataVersion: version.String()}
	if err := atomicfile.WriteFile(copyManifestPath(root, t), func(w io.Writer) error { return json.NewEncoder(w).Encode(m) }); err != nil {
		return before.fingerprint, err
	}
	return before.fingerprint, pruneCopies(root, copyKey(t))
}

// pruneCopies removes the copies whose key no table of the catalog on disk
// has (a table compacted, moved or dropped): nothing would read them, and
// each may hold gigabytes. It runs after a build, which is when copies
// come; built is the key just made, whatever the catalog says.
func pruneCopies(root, built string) error {
	l, err := lake.Open(root)
	if err != nil {
		return err
	}
	keep := map[string]bool{built: true}
	for _, t := range l.Catalog.Tables {
		keep[copyKey(t)] = true
	}
	entries, err := os.ReadDir(filepath.Join(root, copiesDir, "data"))
	for _, e := range entries {
		if err == nil && !keep[e.Name()] {
			err = removeCopy(root, e.Name())
		}
	}
	return err
}

// removeCopy removes the copy of key, its manifest first, under its lock.
func removeCopy(root, key string) error {
	manifest := manifestOf(root, key)
	unlock, err := filelock.Lock(manifest + ".lock")
	if err != nil {
		return err
	}
	defer unlock()
	if err := os.Remove(manifest); err != nil && !os.IsNotExist(err) {
		return err
	}
	return os.RemoveAll(dataDirOf(root, key))
}

func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// removeBuilding removes what a killed build of t's copy left.
func removeBuilding(root string, t lake.Table) error {
	left, err := filepath.Glob(filepath.Join(root, copiesDir, "building", copyKey(t)+"-*"))
	for _, dir := range left {
		if err == nil {
			err = os.RemoveAll(dir)
		}
	}
	return err
}

// writeCopy writes t's relation into one Parquet file in dir, durably,
// and returns its name and version. The copy must have the relation's
// columns and types exactly, or it is not kept. It is written and checked
// in a folder of .tarn/copies/building that no session may open, not in
// dir, where the table's readers may write: a file swapped in there
// before the rename became the copy the manifest vouched for. Once moved
// into dir it must still be the very file written, unchanged.
func writeCopy(ctx context.Context, l *lake.Lake, t lake.Table, dir string) (string, lake.FileVersion, error) {
	tmpDir, err := sessionTemp()
	if err != nil {
		return "", lake.FileVersion{}, err
	}
	defer os.RemoveAll(tmpDir)
	building, err := os.MkdirTemp(filepath.Join(l.Root, copiesDir, "building"), copyKey(t)+"-")
	if err != nil {
		return "", lake.FileVersion{}, err
	}
	defer os.RemoveAll(building)
	// One thread and a bounded memory: the copy is made beside the user's
	// own queries.
	setup := append([]string{"SET threads = 1", "SET memory_limit = '256MB'"}, sandbox([]string{l.Dir(t), building}, tmpDir)...)
	db, conn, err := openDuck(ctx, setup)
	if err != nil {
		return "", lake.FileVersion{}, err
	}
	defer db.Close()
	defer conn.Close()
	var suffix [8]byte
	rand.Read(suffix[:])
	name := "copy-" + hex.EncodeToString(suffix[:]) + ".parquet"
	tmp := filepath.Join(building, name)
	rel := l.Relation(t)
	cols, err := describeColumns(ctx, conn, "SELECT * FROM "+rel)
	if err == nil {
		err = keptByParquet(t, cols)
	}
	if err == nil {
		_, err = conn.ExecContext(ctx, "COPY (SELECT * FROM "+rel+") TO "+lake.SQLString(tmp)+" (FORMAT parquet)")
	}
	if err != nil {
		return "", lake.FileVersion{}, err
	}
	if err := sameCopy(ctx, conn, t, rel, tmp, cols); err != nil {
		return "", lake.FileVersion{}, err
	}
	version, err := moveInto(tmp, filepath.Join(dir, name))
	return name, version, err
}

// sameCopy checks the copy at path against the files, as tarn compact
// checks its new files: the same columns and types, the same row count,
// and per column the same count of values that are not NULL and the same
// sum of DuckDB's hash of every value.
func sameCopy(ctx context.Context, conn *sql.Conn, t lake.Table, rel, path string, cols []lake.Column) error {
	copyRel := "read_parquet(" + lake.SQLString(path) + ")"
	copied, err := describeColumns(ctx, conn, "SELECT * FROM "+copyRel)
	if err == nil && !slices.Equal(cols, copied) {
		err = errors.New("the columns came out otherwise")
	}
	var before, after lake.Checksum
	if err == nil {
		before, err = lake.TableChecksum(ctx, conn, rel, cols)
	}
	if err == nil {
		after, err = lake.TableChecksum(ctx, conn, copyRel, cols)
	}
	if diff := before.Differs(after); err == nil && diff != "" {
		err = errors.New(diff)
	}
	if err != nil {
		return fmt.Errorf("copy of %s: %w", t.QualifiedName(), err)
	}
	return nil
}

// moveInto makes the file at tmp durable and renames it to path, and
// returns its version there, provided it is still the same, unchanged
// file.
func moveInto(tmp, path string) (lake.FileVersion, error) {
	f, err := os.Open(tmp)
	if err != nil {
		return lake.FileVersion{}, err
	}
	defer f.Close()
	written, err := f.Stat()
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = atomicfile.SyncDir(filepath.Dir(path))
	}
	if err != nil {
		return lake.FileVersion{}, err
	}
	moved, err := os.Stat(path)
	if err != nil {
		return lake.FileVersion{}, err
	}
	if !os.SameFile(written, moved) || moved.Size() != written.Size() || !moved.ModTime().Equal(written.ModTime()) {
		os.Remove(path)
		return lake.FileVersion{}, fmt.Errorf("%s changed as it was moved into place", path)
	}
	return lake.InfoVersion(moved), nil
}

// keptByParquet refuses a copy of columns whose values Parquet keeps with
// their type but not as they were: a TIME WITH TIME ZONE comes back in
// UTC (12:34:56+05:30 read 07:04:56+00), at any depth of a list or struct.
func keptByParquet(t lake.Table, cols []lake.Column) error {
	for _, c := range cols {
		if strings.Contains(c.Type, "TIME WITH TIME ZONE") {
			return fmt.Errorf("copy of %s: column %s is %s, which Parquet keeps only in UTC", t.QualifiedName(), c.Name, c.Type)
		}
	}
	return nil
}

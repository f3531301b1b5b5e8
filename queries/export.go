package queries

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ExportFormats are the file formats Export writes.
var ExportFormats = []string{"csv", "json", "parquet"}

// exportWriters write an export's file, by format: CSV with a header,
// JSON lines, Parquet (see writers.go).
var exportWriters = map[string]func(ctx context.Context, file string, src Rows) error{
	"csv":     textFile(WriteCSV),
	"json":    textFile(WriteJSONLines),
	"parquet": writeParquet,
}

// Export runs text as the session's persona and writes its rows to path
// as CSV (with a header), JSON lines or Parquet. The rows go through the
// guard and views like any query, and stream into the format's writer,
// which writes the file into a private folder (Parquet by DuckDB, in a
// private, sandboxed DuckDB that never sees the lake or the user's SQL);
// the file is then put in place whole (see destination.go), so path holds
// the old file or the whole new one. The export is one audit record of its
// own (kind export, its destination, rows and state): a query that ran but
// whose file could not be written is FAILED.
//
// An export never writes inside the lake, whoever asks: tables read every
// file of their folder, so a file there would add rows to a table (or
// replace one the persona cannot even see), and policy.toml would become
// whatever the rows say. It does not replace an existing file unless
// overwrite is set.
func (s *Session) Export(ctx context.Context, text, path, format string, overwrite bool) (Stats, error) {
	return s.ExportMetered(ctx, text, path, format, overwrite, nil)
}

// ExportMetered is Export keeping meter, if not nil, at the rows taken
// and the bytes of the file so far. A cancelled export (ctx) leaves path
// as it was: the file is written in a private folder and removed there.
func (s *Session) ExportMetered(ctx context.Context, text, path, format string, overwrite bool, meter *WriteMeter) (Stats, error) {
	write, ok := exportWriters[format]
	if !ok {
		return Stats{}, fmt.Errorf("export format %q: use csv, json or parquet", format)
	}
	if err := s.follow(ctx); err != nil { // the lake as it is now: its tables' folders
		return Stats{}, err
	}
	dest, err := openDestination(s.Lake, path, overwrite)
	if err != nil {
		return Stats{}, err
	}
	defer dest.close()
	r, err := s.run(ctx, text, "export", path)
	if err != nil {
		return s.Last().Stats, err
	}
	private, err := os.MkdirTemp("", "tarn-export-")
	if err == nil {
		defer os.RemoveAll(private)
		file := filepath.Join(private, "export."+format)
		meter.watchFile(file)
		if err = write(ctx, file, meter.Rows(r)); err == nil {
			err = dest.commit(file, overwrite) // its errors name the export
		} else {
			err = fmt.Errorf("export to %s: %w", path, err)
		}
	} else {
		err = fmt.Errorf("export to %s: %w", path, err)
	}
	if err != nil {
		r.fail(err)
	}
	err = r.Close()
	return r.Stats(), err
}

// textFile makes a writer of text to w a writer of a new file.
func textFile(write func(w io.Writer, src Rows) error) func(context.Context, string, Rows) error {
	return func(_ context.Context, file string, src Rows) error {
		f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		w := bufio.NewWriterSize(f, 64<<10)
		err = write(w, src)
		if err == nil {
			err = w.Flush()
		}
		return errors.Join(err, f.Close())
	}
}

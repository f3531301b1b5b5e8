package lake

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"

	"github.com/klauspost/compress/gzip"
	"github.com/parquet-go/parquet-go"
)

// StreamOptions are the optional parts of WriteLayoutStream.
type StreamOptions struct {
	LayoutOptions
	// OnRows is called with the count of each batch once it is written.
	OnRows func(n int)
}

// WriteLayoutStream writes total rows, arriving in order as batches, into
// dir as the layout, split over its files as WriteLayout splits them and
// with the same bytes. Only a few batches are in memory at once, whatever
// total is: the batches are made in one goroutine while the previous ones
// are encoded in this one. A batch must not change once yielded. Like
// WriteLayout it replaces dir only when every file is written and synced.
func WriteLayoutStream[T any](ctx context.Context, dir string, batches iter.Seq[[]T], total int, lay Layout, opts StreamOptions) error {
	if lay.Files < 1 || lay.Files > total {
		return fmt.Errorf("cannot split %d rows into %d files", total, lay.Files)
	}
	return ReplaceDirAtomically(dir, opts.withMarker(func(tmp string) error {
		return writeStream(ctx, tmp, batches, total, lay, opts)
	}))
}

func writeStream[T any](ctx context.Context, dir string, batches iter.Seq[[]T], total int, lay Layout, opts StreamOptions) (err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the producer when writing fails
	ch := make(chan []T, 2)
	go func() {
		defer close(ch)
		for b := range batches {
			select {
			case ch <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	ext := Extension(lay.Format, lay.Compression)
	var file *streamFile[T]
	defer func() {
		if file != nil {
			file.abandon()
		}
	}()
	done, part := 0, 0
	_, end := SplitBounds(total, lay.Files, 0)
	for batch := range ch {
		if err := ctx.Err(); err != nil {
			return err
		}
		if done+len(batch) > total {
			return fmt.Errorf("the rows run past the %d announced", total)
		}
		for len(batch) > 0 {
			if file == nil {
				if file, err = createStreamFile[T](filepath.Join(dir, PartName(part, lay.Files, ext)), lay); err != nil {
					return err
				}
			}
			n := min(len(batch), end-done)
			if err := file.write(batch[:n]); err != nil {
				return err
			}
			batch, done = batch[n:], done+n
			if opts.OnRows != nil {
				opts.OnRows(n)
			}
			if done == end {
				f := file
				file = nil
				if err := f.close(); err != nil {
					return err
				}
				if opts.OnFile != nil {
					opts.OnFile()
				}
				part++
				_, end = SplitBounds(total, lay.Files, part)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if done != total {
		return fmt.Errorf("the rows stopped at %d of the %d announced", done, total)
	}
	return nil
}

// streamFile is one data file being written batch by batch.
type streamFile[T any] struct {
	path    string
	f       *os.File
	bw      *bufio.Writer
	gz      *gzip.Writer
	w       io.Writer // where rows are encoded: bw or gz over it
	format  Format
	pq      *parquet.GenericWriter[T]
	inGroup int // rows in the Parquet row group being filled
	buf     []byte
}

func createStreamFile[T any](path string, lay Layout) (*streamFile[T], error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	s := &streamFile[T]{path: path, f: f, bw: bufio.NewWriterSize(f, 256<<10), format: lay.Format}
	s.w = s.bw
	if lay.Compression == Gzip {
		s.gz = gzip.NewWriter(s.bw)
		s.w = s.gz
	}
	switch lay.Format {
	case Parquet:
		s.pq = newParquetWriter[T](s.w)
	case CSV:
		s.buf = RowsOf[T](nil).AppendCSVHeader(nil)
	}
	return s, nil
}

func (s *streamFile[T]) write(rows []T) error {
	if s.pq != nil {
		return s.writeParquet(rows)
	}
	ds := RowsOf(rows)
	for i := range rows {
		if s.format == CSV {
			s.buf = ds.AppendCSV(s.buf, i)
		} else {
			s.buf = ds.AppendJSON(s.buf, i)
		}
		if len(s.buf) > 32<<10 {
			if err := s.flushBuf(); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeParquet fills row groups of ParquetRowGroupRows, as ParquetEncoder
// does, whatever the batches' sizes.
func (s *streamFile[T]) writeParquet(rows []T) error {
	for len(rows) > 0 {
		if s.inGroup == ParquetRowGroupRows {
			if err := s.pq.Flush(); err != nil {
				return fmt.Errorf("%s: %w", s.path, err)
			}
			s.inGroup = 0
		}
		n := min(len(rows), ParquetRowGroupRows-s.inGroup)
		if _, err := s.pq.Write(rows[:n]); err != nil {
			return fmt.Errorf("%s: %w", s.path, err)
		}
		rows, s.inGroup = rows[n:], s.inGroup+n
	}
	return nil
}

func (s *streamFile[T]) flushBuf() error {
	_, err := s.w.Write(s.buf)
	s.buf = s.buf[:0]
	if err != nil {
		return fmt.Errorf("%s: %w", s.path, err)
	}
	return nil
}

func (s *streamFile[T]) close() (err error) {
	defer closeWith(s.f, &err)
	if s.pq != nil {
		err = s.pq.Close()
	} else {
		err = s.flushBuf()
	}
	if err == nil && s.gz != nil {
		err = s.gz.Close()
	}
	if err == nil {
		err = s.bw.Flush()
	}
	if err != nil {
		return fmt.Errorf("%s: %w", s.path, err)
	}
	return nil
}

// abandon closes a file that failed; its folder is removed by the caller.
func (s *streamFile[T]) abandon() { s.f.Close() }

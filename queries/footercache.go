package queries

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync"

	"tarn/internal/atomicfile"
)

// FootersFile keeps, per lake, the Parquet footers data scanned needs, so
// that a new tarn (the benchmark's first run, a new TUI) does not read
// 10,000 footers again: reading them took 5-12 s of the first query over
// the 10,000-file log on a busy 2-core machine, loading them ~0.1 s.
const FootersFile = ".tarn/footers.gob"

// footersFormat changes whenever the stored entries change meaning; a file
// of another format is ignored and rewritten.
const footersFormat = "tarn footers 1"

// maxCachedFooters bounds a lake's footer cache (the demo's Parquet
// layouts hold 11,111 files; a footer here is under 1 KB).
const maxCachedFooters = 50000

// footerCache is one lake's parsed footers by absolute path. An entry
// counts only for the file version it was read from (lake.FileVersion:
// identity, size, mtime and ctime), so a rewritten, touched or replaced
// file is always read again, whatever the stored file says.
type footerCache struct {
	mu      sync.Mutex
	file    string // FootersFile in the lake
	loaded  bool
	entries map[string]*parquetMeta
}

// footerCaches are the caches of the lakes this process opened, by root.
var footerCaches = struct {
	sync.Mutex
	m map[string]*footerCache
}{m: map[string]*footerCache{}}

// footersOf is the footer cache of the lake at root.
func footersOf(root string) *footerCache {
	footerCaches.Lock()
	defer footerCaches.Unlock()
	c := footerCaches.m[root]
	if c == nil {
		c = &footerCache{file: filepath.Join(root, FootersFile), entries: map[string]*parquetMeta{}}
		footerCaches.m[root] = c
	}
	return c
}

// lookup returns path's footer if one was read from the version given.
func (c *footerCache) lookup(path, version string) *parquetMeta {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.loaded {
		c.loaded = true
		for p, m := range loadFooters(c.file) {
			if _, ok := c.entries[p]; !ok {
				c.entries[p] = m
			}
		}
	}
	if m := c.entries[path]; m != nil && m.version == version {
		return m
	}
	return nil
}

// add keeps newly read footers, in memory and on disk.
func (c *footerCache) add(read map[string]*parquetMeta) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries)+len(read) > maxCachedFooters {
		c.entries = map[string]*parquetMeta{}
	}
	for p, m := range read {
		c.entries[p] = m
	}
	c.save()
}

// save writes the cache over the stored one, taking in what another
// process stored meanwhile. It fails silently: the cache only saves
// time, and a lake tarn cannot write to still answers queries.
func (c *footerCache) save() {
	for p, m := range loadFooters(c.file) {
		if _, ok := c.entries[p]; !ok && len(c.entries) < maxCachedFooters {
			c.entries[p] = m
		}
	}
	if os.MkdirAll(filepath.Dir(c.file), 0o755) != nil {
		return
	}
	var buf bytes.Buffer
	if encodeFooters(&buf, c.entries) != nil {
		return
	}
	// A checksum at the end: a damaged file that gob still decodes must
	// not pass for footers.
	buf.Write(binary.LittleEndian.AppendUint32(nil, crc32.ChecksumIEEE(buf.Bytes())))
	atomicfile.WriteFile(c.file, func(w io.Writer) error {
		_, err := w.Write(buf.Bytes())
		return err
	})
}

// storedFooter and storedChunk are parquetMeta and chunkMeta as stored.
type storedFooter struct {
	Version string
	Footer  int64
	Groups  [][]storedChunk
}

type storedChunk struct {
	Path          string
	Column        int
	Bytes         int64
	Min, Max      *string
	Nulls, Values int64
	NullsKnown    bool
}

func encodeFooters(w io.Writer, entries map[string]*parquetMeta) error {
	stored := make(map[string]storedFooter, len(entries))
	for p, m := range entries {
		f := storedFooter{Version: m.version, Footer: m.footer, Groups: make([][]storedChunk, len(m.groups))}
		for i, g := range m.groups {
			for _, c := range g {
				f.Groups[i] = append(f.Groups[i], storedChunk{c.path, c.column, c.bytes, c.min, c.max, c.nulls, c.values, c.nullsKnown})
			}
		}
		stored[p] = f
	}
	enc := gob.NewEncoder(w)
	if err := enc.Encode(footersFormat); err != nil {
		return err
	}
	return enc.Encode(stored)
}

// loadFooters reads a stored cache; a missing, unreadable, damaged or
// other-format file is an empty cache (it is rewritten at the next save).
func loadFooters(path string) map[string]*parquetMeta {
	data, err := os.ReadFile(path)
	n := len(data) - 4
	if err != nil || n < 0 || crc32.ChecksumIEEE(data[:n]) != binary.LittleEndian.Uint32(data[n:]) {
		return nil
	}
	entries, err := decodeFooters(bytes.NewReader(data[:n]))
	if err != nil {
		return nil
	}
	return entries
}

func decodeFooters(r io.Reader) (entries map[string]*parquetMeta, err error) {
	defer func() {
		// gob can panic on some corrupt input rather than fail.
		if recover() != nil {
			entries, err = nil, errors.New("corrupt footer cache")
		}
	}()
	dec := gob.NewDecoder(r)
	var format string
	if err := dec.Decode(&format); err != nil || format != footersFormat {
		return nil, errors.New("not a footer cache of this tarn")
	}
	var stored map[string]storedFooter
	if err := dec.Decode(&stored); err != nil {
		return nil, err
	}
	entries = make(map[string]*parquetMeta, len(stored))
	for p, f := range stored {
		m := &parquetMeta{version: f.Version, footer: f.Footer, groups: make([][]chunkMeta, len(f.Groups))}
		for i, g := range f.Groups {
			for _, c := range g {
				m.groups[i] = append(m.groups[i], chunkMeta{c.Path, c.Column, c.Bytes, c.Min, c.Max, c.Nulls, c.Values, c.NullsKnown})
			}
		}
		entries[p] = m
	}
	return entries, nil
}

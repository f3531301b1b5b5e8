// Command scaletree writes issue 15's generated catalog, 100 databases of
// 100 small tables in mixed formats, into a new lake for tarn crawl:
//
//	go run ./scripts/scaletree DIR
//
// scripts/scale-catalog.sh runs it; the tests share its generator
// (internal/testlake.Tree).
package main

import (
	"flag"
	"fmt"
	"os"

	"tarn/internal/testlake"
	"tarn/lake"
)

func main() {
	tr := testlake.TenThousandTables
	flag.IntVar(&tr.Databases, "databases", tr.Databases, "database folders")
	flag.IntVar(&tr.Tables, "tables", tr.Tables, "table folders in each database")
	flag.IntVar(&tr.FilesPerTable, "files", tr.FilesPerTable, "files in each table")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: scaletree [-databases N] [-tables N] [-files N] DIR (a folder that does not exist yet)")
		os.Exit(2)
	}
	if err := write(flag.Arg(0), tr); err != nil {
		fmt.Fprintln(os.Stderr, "scaletree:", err)
		os.Exit(1)
	}
}

func write(dir string, tr testlake.Tree) error {
	if _, err := os.Stat(dir); err == nil {
		return fmt.Errorf("%s exists; give a new folder", dir)
	}
	l, err := lake.Create(dir)
	if err != nil {
		return err
	}
	tables, err := tr.Write(l.Root)
	if err != nil {
		return err
	}
	fmt.Printf("wrote %d tables of %d files each under %s\n", len(tables), tr.FilesPerTable, l.Root)
	return nil
}

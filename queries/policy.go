package queries

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"tarn/lake"
	"tarn/perms"
)

// LoadPolicy loads the lake's policy, checking each row filter with
// DuckDB's parser and binder against its table's schema, so a typo fails
// when the policy loads rather than when a query runs.
func LoadPolicy(l *lake.Lake) (*perms.Policy, error) {
	return perms.Load(l.Root, l.Catalog, CheckRowFilter)
}

// rowFilters is the scratch DuckDB behind CheckRowFilter.
var rowFilters struct {
	sync.Mutex
	db *sql.DB
}

// CheckRowFilter is the perms.ExprValidator of every policy load and edit:
// one scratch DuckDB for the process, opened at the first check (and kept:
// opening one costs more than a check), its checks one at a time.
func CheckRowFilter(t lake.Table, expr string) error {
	rowFilters.Lock()
	defer rowFilters.Unlock()
	if rowFilters.db == nil {
		db, err := sql.Open("duckdb", "")
		if err != nil {
			return err
		}
		db.SetMaxOpenConns(1)
		rowFilters.db = db
	}
	return checkRowFilter(rowFilters.db, t, expr)
}

// LoadLake opens the lake at root and loads its policy, as they are on
// disk now.
func LoadLake(root string) (*lake.Lake, *perms.Policy, error) {
	l, err := lake.Open(root)
	if err != nil {
		return nil, nil, err
	}
	pol, err := LoadPolicy(l)
	if err != nil {
		return nil, nil, err
	}
	return l, pol, nil
}

// checkRowFilter checks expr against t's columns in db: a row filter
// must be one boolean expression over the table's own columns, with no
// subqueries and no other tables.
func checkRowFilter(db *sql.DB, t lake.Table, expr string) error {
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = lake.QuoteIdent(c.Name) + " " + c.Type
	}
	if _, err := db.Exec("CREATE OR REPLACE TABLE tarn_check (" + strings.Join(cols, ", ") + ")"); err != nil {
		return err
	}
	query := "SELECT * FROM tarn_check WHERE (" + expr + ")"
	if err := onlyFilters(db, query); err != nil {
		return err
	}
	if _, err := db.Exec("SELECT count(*) FROM (" + query + ")"); err != nil {
		msg, _, _ := strings.Cut(err.Error(), "\n")
		return errors.New(msg)
	}
	return nil
}

// onlyFilters checks that query parses as one plain SELECT of tarn_check
// whose expressions hold no subquery.
func onlyFilters(db *sql.DB, query string) error {
	var serialized string
	if err := db.QueryRow("SELECT json_serialize_sql(?::VARCHAR)::VARCHAR", query).Scan(&serialized); err != nil {
		return err
	}
	var doc struct {
		Error      bool   `json:"error"`
		Message    string `json:"error_message"`
		Statements []struct {
			Node struct {
				Type      string `json:"type"`
				Modifiers []any  `json:"modifiers"`
				FromTable struct {
					Type  string `json:"type"`
					Table string `json:"table_name"`
				} `json:"from_table"`
			} `json:"node"`
		} `json:"statements"`
	}
	if err := json.Unmarshal([]byte(serialized), &doc); err != nil {
		return err
	}
	if doc.Error {
		return errors.New(doc.Message)
	}
	if len(doc.Statements) != 1 || doc.Statements[0].Node.Type != "SELECT_NODE" || len(doc.Statements[0].Node.Modifiers) > 0 ||
		doc.Statements[0].Node.FromTable.Type != "BASE_TABLE" || doc.Statements[0].Node.FromTable.Table != "tarn_check" {
		return fmt.Errorf("a row filter must be one boolean expression over the table's columns")
	}
	if strings.Contains(serialized, `"class":"SUBQUERY"`) {
		return fmt.Errorf("a row filter may not contain a subquery")
	}
	return nil
}

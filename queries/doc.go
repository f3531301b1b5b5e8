// Package queries will own DuckDB for queries: per-persona sessions over
// governed views, the statement guard, streaming, data scanned, cost,
// workgroups, history and the timing harness. See the execution issue.
package queries

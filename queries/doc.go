// Package queries owns DuckDB for queries: one sandboxed in-memory database
// per persona session holding only that persona's governed views, the
// statement guard in front of it, and the audit log of every query.
//
// # Streaming and duckdb-go
//
// duckdb-go (the database/sql driver) runs every query to a materialised
// result, so a large SELECT would be held whole in memory before its first
// row. Results here stream instead (stream.go): DuckDB's C API computes
// one chunk at a time on the driver's own connection handle, and the
// chunks are decoded by duckdb-go's own code. That reaches three private
// parts of duckdb-go:
//
//   - (*DataChunk).initFromDuckDataChunk and logicalTypeString, through
//     go:linkname;
//   - Conn's field conn (the C connection), through reflect and unsafe;
//   - DataChunk's first field being its C chunk handle.
//
// This is safe only for the duckdb-go release it was checked against, so
// go.mod pins duckdb-go and its bindings exactly, and a binary built with
// another release refuses to stream (coupledTo, couplingErr) instead of
// calling a function whose signature may have changed.
//
// To upgrade duckdb-go:
//
//  1. If the new release has a public streaming or chunk API (an upstream
//     pull request proposes a native chunk API), use it and delete
//     linkname.s, the linknames and rawConn: that is the way out.
//  2. Otherwise bump both modules in go.mod, set coupledTo, and run
//     `go test ./queries -run 'TestLinkedSignatures|TestStream'`: it
//     compares every linked signature and reached field with the new
//     release's source, decodes every DuckDB type through the stream and
//     against duckdb-go's own path, and checks that memory stays bounded.
//     These run in `go test -short` too.
//  3. If a private part changed, adapt the declarations in stream.go, or
//     keep a small fork of duckdb-go that exports what is needed and point
//     go.mod at it with a replace directive; TestLinkedSignatures then
//     reads the fork's source.
package queries

package lake

// CSVReadBuffer lets benchmarks compare DuckDB's CSV buffer sizes.
var CSVReadBuffer = &csvReadBuffer

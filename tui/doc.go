// Package tui is tarn's workbench, a Bubble Tea program: the catalog, the
// SQL editor, the results and the query's stats, with overlays for
// history, saved queries, personas, tags, access and exports. It is
// presentation only: queries run through package queries, and every slow
// step runs as a cancellable command whose replies carry a sequence id.
package tui

// Package perms will hold the lake's policy (policy.toml): LF-Tags and
// their assignments, personas, grants, data filters and column masks, and
// the evaluation of what each persona may see. Pure Go: it never imports
// DuckDB. See the governance issue.
package perms

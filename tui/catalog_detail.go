package tui

import (
	"fmt"
	"path"
	"strings"

	"tarn/internal/units"
	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
)

// tableDetail is everything the persona may know of a table, for the
// detail view: what the catalog line has no room for.
func tableDetail(ctx *Context, ta *perms.TableAccess, fs lake.FileStats, counted bool) string {
	t := ta.Table
	var b strings.Builder
	field := func(name, value string) { fmt.Fprintf(&b, "%-12s %s\n", name, value) }
	field("table", t.QualifiedName())
	if t.Description != "" {
		field("description", t.Description)
	}
	field("format", string(t.Format))
	field("compression", string(t.Compression))
	if counted {
		field("files", queries.FormatCount(int64(fs.Files)))
		field("bytes", fmt.Sprintf("%s (%s bytes)", units.Bytes(fs.Bytes), queries.FormatCount(fs.Bytes)))
		if fs.SmallFiles() {
			field("small files", smallFilesHint(ctx, fs))
		}
	} else {
		field("files", "not counted yet")
	}
	field("rows", tableRows(ctx, ta))
	field("location", path.Join(ctx.LakeLabel, t.Location)+" ("+t.FilePattern()+")")
	field("tags", tagList(ctx, perms.Resource{Database: t.Database, Table: t.Name}, true))
	field("access", accessOf(ctx, ta))
	fmt.Fprintf(&b, "\ncolumns %s may read (%d of %d):\n", ctx.Persona.Name, len(ta.Columns), len(t.Columns))
	for _, c := range ta.Columns {
		line := fmt.Sprintf("  %-20s %-12s", c.Name, c.Type)
		if c.Mask != "" {
			line += " masked(" + c.Mask + ")"
		}
		if tags := tagList(ctx, perms.Resource{Database: t.Database, Table: t.Name, Column: c.Name}, false); tags != "none" {
			line += " [" + tags + "]"
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// smallFilesHint says why the files are small and what cures them.
func smallFilesHint(ctx *Context, fs lake.FileStats) string {
	hint := fmt.Sprintf("%s a file on average, below %s: each query opens every file; ", units.Bytes(fs.Bytes/int64(fs.Files)),
		units.Bytes(lake.SmallFileAverage))
	if ctx.Persona.Admin {
		return hint + ctx.Keys.Compact.Help().Key + " in the catalog (or tarn compact) rewrites them into fewer"
	}
	return hint + "an administrator can compact them (tarn compact)"
}

// tableRows is the catalog's row count, unless a data filter shows the
// persona only some rows: then the whole table's count is not theirs.
func tableRows(ctx *Context, ta *perms.TableAccess) string {
	if ta.RowFilter != "" {
		return "filtered: " + ctx.Persona.Name + " reads only the rows its data filter passes"
	}
	return queries.FormatCount(ta.Table.Rows)
}

func accessOf(ctx *Context, ta *perms.TableAccess) string {
	if !ta.Select {
		return "DESCRIBE only: " + ctx.Persona.Name + " sees the schema, not the rows"
	}
	return "SELECT"
}

// tagList is a resource's tags the persona may see; with inherited, those
// it takes from its database too, saying so.
func tagList(ctx *Context, r perms.Resource, inherited bool) string {
	var parts []string
	for _, t := range ctx.Policy.TagsOfFor(r, ctx.Persona.Name) {
		switch {
		case !t.Inherited:
			parts = append(parts, t.Key+"="+t.Value)
		case inherited:
			parts = append(parts, t.Key+"="+t.Value+" (from "+t.From+")")
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

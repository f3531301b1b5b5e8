package queries

import (
	"testing"

	"tarn/chart"
)

// TestChartAxesWriteValuesAsTheGrid reads each value of a plottable type
// from its text, as a plot does, and writes it back with ChartColumns'
// formatter: an axis tick at a value of the data reads as the grid's cell.
func TestChartAxesWriteValuesAsTheGrid(t *testing.T) {
	conn := plainDuck(t)
	q := `SELECT 1478::BIGINT AS big, -7::INTEGER AS i, 200::SMALLINT AS s, 2.5::DOUBLE AS d, 100.0::DOUBLE AS hundred,
		0.25::FLOAT AS f, -1.50::DECIMAL(5,2) AS dec, 7::DECIMAL(9,0) AS intdec, DATE '2020-02-29' AS day,
		TIMESTAMP '2020-02-29 00:00:02' AS ts, TIMESTAMP '2020-02-29 00:00:02.5' AS tsfrac,
		TIMESTAMPTZ '2024-01-02 03:04:05+00' AS tz, TIME '01:02:03' AS clock`
	got, cols := streamed(t, conn, q, 1)
	for i, c := range ChartColumns(cols) {
		text := FormatOf(cols[i].Type).Text(got[0][i])
		v, ok := chart.Value(c.Class(), text)
		if !ok {
			t.Errorf("column %s (%s): chart cannot read %q", c.Name, c.Type, text)
			continue
		}
		if back := c.Format(v); back != text {
			t.Errorf("column %s (%s): grid %q, axis %q", c.Name, c.Type, text, back)
		}
	}
}

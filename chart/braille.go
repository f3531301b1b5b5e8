package chart

// canvas is a grid of braille cells, each 2 dots wide and 4 high, so a
// line or a scatter has 8 points per character.
type canvas struct {
	w, h  int // in cells
	cells []rune
}

func newCanvas(w, h int) *canvas {
	c := &canvas{w: w, h: h, cells: make([]rune, w*h)}
	for i := range c.cells {
		c.cells[i] = 0x2800
	}
	return c
}

// brailleBits are the dots' bits: [row][column] within a cell.
var brailleBits = [4][2]rune{{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}}

// set marks the dot at x, y (dots, from the top left); outside is ignored.
func (c *canvas) set(x, y int) {
	if x < 0 || y < 0 || x >= 2*c.w || y >= 4*c.h {
		return
	}
	c.cells[(y/4)*c.w+x/2] |= brailleBits[y%4][x%2]
}

// line marks the dots from (x0, y0) to (x1, y1) (Bresenham).
func (c *canvas) line(x0, y0, x1, y1 int) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := sign(x1-x0), sign(y1-y0)
	err := dx + dy
	for {
		c.set(x0, y0)
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * err
		if e2 >= dy {
			err += dy
			x0 += sx
		}
		if e2 <= dx {
			err += dx
			y0 += sy
		}
	}
}

// row is line i of the canvas; blank cells are spaces, so a copy of the
// screen reads cleanly.
func (c *canvas) row(i int) string {
	out := make([]rune, c.w)
	for j, r := range c.cells[i*c.w : (i+1)*c.w] {
		if r == 0x2800 {
			r = ' '
		}
		out[j] = r
	}
	return string(out)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

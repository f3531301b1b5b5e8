//go:build !cgo

package lake

import "context"

func (c *crawlConn) execDirect(context.Context, string) (int64, error) { return 0, errNoCgo }

func (c *crawlConn) textRowsDirect(context.Context, string) ([][]string, error) { return nil, errNoCgo }

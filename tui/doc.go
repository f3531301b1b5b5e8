// Package tui will be the Bubble Tea program: presentation only.
package tui

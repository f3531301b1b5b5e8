// Package themes will build lipgloss styles from TOML palettes for the TUI.
package themes

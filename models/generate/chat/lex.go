package chat

import (
	"fmt"
	"strings"
)

// The lexer splits a template into text, {{ expression }} and
// {% statement %} pieces, applying the whitespace rules of the Jinja
// environment Hugging Face renders chat templates in: trim_blocks (the
// first newline after a block tag or comment goes), lstrip_blocks (spaces
// and tabs before a block tag or comment on its line go), and the "-"
// markers ({%- -%} {{- -}} {#- -#}) that strip all whitespace on their
// side.

type pieceKind int

const (
	textPiece pieceKind = iota
	exprPiece
	stmtPiece
)

type piece struct {
	kind pieceKind
	text string // the text, or the source inside the delimiters
	pos  int    // byte offset in the template, for errors
}

func lex(src string) ([]piece, error) {
	var out []piece
	i := 0
	trimNextNewline := false
	stripNextSpace := false
	for i < len(src) {
		j := nextTag(src, i)
		text := src[i:j]
		lineStart := i == 0 || src[i-1] == '\n'
		if stripNextSpace {
			text = strings.TrimLeft(text, " \t\r\n")
		} else if trimNextNewline && strings.HasPrefix(text, "\n") {
			text, lineStart = text[1:], true
		}
		stripNextSpace, trimNextNewline = false, false
		if j == len(src) {
			if text != "" {
				out = append(out, piece{textPiece, text, i})
			}
			break
		}
		open := src[j : j+2]
		close := map[string]string{"{{": "}}", "{%": "%}", "{#": "#}"}[open]
		body := j + 2
		leftStrip := body < len(src) && src[body] == '-'
		leftKeep := body < len(src) && src[body] == '+'
		if leftStrip || leftKeep {
			body++
		}
		end := findClose(src, body, close)
		if end < 0 {
			return nil, fmt.Errorf("offset %d: %s without %s", j, open, close)
		}
		inner := src[body:end]
		rightStrip := strings.HasSuffix(inner, "-")
		if rightStrip {
			inner = inner[:len(inner)-1]
		}
		block := open != "{{"
		switch {
		case leftStrip:
			text = strings.TrimRight(text, " \t\r\n")
		case block && !leftKeep:
			// lstrip_blocks: drop spaces and tabs between the start of the
			// line and the tag.
			k := len(text)
			for k > 0 && (text[k-1] == ' ' || text[k-1] == '\t') {
				k--
			}
			if k == 0 && lineStart || k > 0 && text[k-1] == '\n' {
				text = text[:k]
			}
		}
		if text != "" {
			out = append(out, piece{textPiece, text, i})
		}
		switch open {
		case "{{":
			out = append(out, piece{exprPiece, inner, body})
		case "{%":
			out = append(out, piece{stmtPiece, inner, body})
		}
		i = end + 2
		if rightStrip {
			stripNextSpace = true
		} else if block {
			trimNextNewline = true
		}
	}
	return out, nil
}

// nextTag returns the offset of the next {{, {% or {# at or after i.
func nextTag(src string, i int) int {
	for k := i; k+1 < len(src); k++ {
		if src[k] == '{' && (src[k+1] == '{' || src[k+1] == '%' || src[k+1] == '#') {
			return k
		}
	}
	return len(src)
}

// findClose returns the offset of the delimiter close after i, skipping
// string literals inside expressions and statements.
func findClose(src string, i int, close string) int {
	if close == "#}" {
		k := strings.Index(src[i:], close)
		if k < 0 {
			return -1
		}
		return i + k
	}
	for k := i; k+1 < len(src); k++ {
		switch c := src[k]; c {
		case '\'', '"':
			for k++; k < len(src) && src[k] != c; k++ {
				if src[k] == '\\' {
					k++
				}
			}
		default:
			if src[k:k+2] == close {
				return k
			}
		}
	}
	return -1
}

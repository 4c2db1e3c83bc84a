// Writes remove_npm.tsv.gz: for every list of npm stopword 3.1.5, tokens
// (each stop word as it is, in upper case and capitalized, plus 40 words
// that are not stop words) and whether removeStopwords keeps each, as
// "code<TAB>token<TAB>0|1" lines; the fixture behind TestMatchesNPM. Run by
// hand; CI never runs it:
//
//     NODE_PATH=.scratch/ref/node_modules node tokenize/stopwords/testdata/gen_remove.js
const fs = require('fs')
const path = require('path')
const zlib = require('zlib')
const sw = require('stopword')
const others = ('cat dog house river mountain quickly blue seventeen Ångström naïve ' +
  'Straße ΟΔΟΣ İstanbul 東京 서울 กรุงเทพ Москва ☃ 😀 x1 ' +
  'computer tokenizer transformer gradient matrix tensor embedding attention layer model ' +
  'THE The tHe AND And ÉTÉ été Été ÜBER über').split(' ')
const lines = []
for (const code of Object.keys(sw).sort()) {
  const list = sw[code]
  if (!Array.isArray(list)) continue
  const name = code === '_123' ? 'digits' : code
  const tokens = []
  for (const w of list) {
    tokens.push(w, w.toUpperCase(), w.charAt(0).toUpperCase() + w.slice(1))
  }
  tokens.push(...others)
  for (const t of [...new Set(tokens)]) {
    if (t.includes('\t') || t.includes('\n')) continue
    const kept = sw.removeStopwords([t], list).length
    lines.push(name + '\t' + t + '\t' + kept)
  }
}
fs.writeFileSync(path.join(__dirname, 'remove_npm.tsv.gz'), zlib.gzipSync(lines.join('\n') + '\n', { level: 9 }))

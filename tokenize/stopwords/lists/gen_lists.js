// Writes one <code>.txt file per language, one stop word a line in the
// package's order, from npm stopword 3.1.5 (MIT; each list's own licence is
// in THIRD_PARTY_LICENSES, copied from the package's dist/3rd-party.txt).
// Run by hand; CI never runs it:
//
//     NODE_PATH=.scratch/ref/node_modules node tokenize/stopwords/lists/gen_lists.js
const fs = require('fs')
const path = require('path')
const sw = require('stopword')
const pkg = require('stopword/package.json')
if (pkg.version !== '3.1.5') throw new Error('want stopword 3.1.5, have ' + pkg.version)
for (const code of Object.keys(sw)) {
  const list = sw[code]
  if (!Array.isArray(list)) continue
  const name = code === '_123' ? 'digits' : code
  fs.writeFileSync(path.join(__dirname, name + '.txt'), list.join('\n') + '\n')
}
fs.copyFileSync(require.resolve('stopword/dist/3rd-party.txt'), path.join(__dirname, 'THIRD_PARTY_LICENSES'))

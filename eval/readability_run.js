// readability_run.js - Mozilla Readability.js over a JSONL set of pages, a
// peer column for eval/eval_extract.sh.
//
// usage: node eval/readability_run.js MODULES_DIR IN.jsonl OUT.jsonl
// IN holds {"id","html"} per line; OUT gets {"id","text"}: the text of the
// article Readability finds, one line per block element (textContent would
// glue the words of neighbouring paragraphs into one token), "" when it
// finds none.  MODULES_DIR is the folder npm installed @mozilla/readability
// and jsdom into (eval_extract.sh installs them under build/peers).
'use strict';
const fs = require('fs');
const path = require('path');
const readline = require('readline');

const [mods, inPath, outPath] = process.argv.slice(2);
if (!outPath) {
  process.stderr.write('usage: readability_run.js MODULES_DIR IN OUT\n');
  process.exit(2);
}
const req = (m) => require(path.join(path.resolve(mods), 'node_modules', m));
const { JSDOM, VirtualConsole } = req('jsdom');
const { Readability } = req('@mozilla/readability');

const INLINE = new Set(['A', 'ABBR', 'B', 'BDI', 'BDO', 'CITE', 'CODE',
  'DATA', 'DFN', 'EM', 'FONT', 'I', 'KBD', 'MARK', 'Q', 'S', 'SAMP', 'SMALL',
  'SPAN', 'STRONG', 'SUB', 'SUP', 'TIME', 'U', 'VAR', 'WBR']);

function text(node, out) {
  for (let c = node.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 3) {
      out.push(c.nodeValue);
    } else if (c.nodeType === 1) {
      const block = !INLINE.has(c.tagName);
      if (block) out.push('\n');
      text(c, out);
      if (block) out.push('\n');
    }
  }
}

async function main() {
  const vc = new VirtualConsole(); // page scripts are not run; silence CSS noise
  const out = fs.openSync(outPath + '.tmp', 'w');
  const rl = readline.createInterface({
    input: fs.createReadStream(inPath), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const d = JSON.parse(line);
    let t = '';
    try {
      const dom = new JSDOM(d.html, { url: 'http://localhost/', virtualConsole: vc });
      const art = new Readability(dom.window.document).parse();
      if (art && art.content) {
        const frag = new JSDOM(art.content, { virtualConsole: vc });
        const parts = [];
        text(frag.window.document.body, parts);
        t = parts.join('').replace(/[ \t\r\f\v]+/g, ' ')
          .replace(/ *\n[\n ]*/g, '\n').trim();
        frag.window.close();
      }
      dom.window.close();
    } catch (e) {
      t = '';
    }
    fs.writeSync(out, JSON.stringify({ id: d.id, text: t }) + '\n');
  }
  fs.closeSync(out);
  fs.renameSync(outPath + '.tmp', outPath);
}
main().catch((e) => { process.stderr.write(String(e) + '\n'); process.exit(3); });

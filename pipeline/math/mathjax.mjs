// Folio's MathJax run: reads a JSON list of {tex, display} on stdin and writes, for each, its SVG
// (self-contained: no shared glyph cache) or an error message, as one JSON list on stdout.
import {createRequire} from 'node:module';

const require = createRequire(process.env.FOLIO_MATHJAX + '/');
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const items = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const MathJax = await require('mathjax').init({
  loader: {load: ['input/tex', 'output/svg']},
  tex: {packages: {'[+]': ['ams']}, formatError: (jax, err) => { throw err; }},
  // One SVG a formula: no shared glyph cache, and inline math not broken across lines.
  svg: {fontCache: 'none', linebreaks: {inline: false}},
});
const adaptor = MathJax.startup.adaptor;
const out = [];
for (const {tex, display} of items) {
  try {
    // The promise form: some glyphs (\mathbb, \mathcal) load their font data on first use.
    const node = await MathJax.tex2svgPromise(tex, {display});
    // As XML: the SVG is read as an image, where "<" in an attribute (data-latex="a < b")
    // breaks it, and WeasyPrint printed the alternative text instead of the formula.
    out.push({svg: adaptor.serializeXML(adaptor.firstChild(node))});
  } catch (err) {
    out.push({error: String(err.message || err)});
  }
}
process.stdout.write(JSON.stringify(out));

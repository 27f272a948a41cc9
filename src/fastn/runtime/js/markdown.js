// ftd.text content -> HTML in the browser.
//
// The server renders markdown with markdown-it (ftd/markdown.py) and sends the HTML of every
// text of the page that is more than plain text (model.markdown), so redrawing what the
// server showed gives exactly its HTML. Text that only exists in the browser (a value typed
// or computed after loading) goes through the small inline renderer below: plain text,
// paragraphs, `code`, **strong**, *em*/_em_, ~~del~~, [links](url) and bare http(s) URLs.

function plainTextHtml(text) {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

function textHtml(text) {
  const known = MODEL.markdown[text];
  return known === undefined ? smallMarkdown(text) : known;
}

function smallMarkdown(text) {
  const leading = text.length - text.replace(/^ +/, "").length;
  const trailing = leading === text.length ? 0 : text.length - text.replace(/ +$/, "").length;
  const paragraphs = text
    .split(/\n[ \t]*\n/)
    .map((p) => p.replace(/^[ \t]+/gm, "").trim())
    .filter((p) => p);
  const rendered = paragraphs
    .map((p, i) => (i < paragraphs.length - 1 ? `<p>${inline(p)}</p>\n` : `${inline(p)}\n`))
    .join("");
  return (" ".repeat(leading) + rendered + " ".repeat(trailing)).replace(/\n+$/, "");
}

function inline(text) {
  return text
    .split(/(`[^`]*`)/)
    .map((piece, i) => {
      if (i % 2 === 1) return `<code>${plainTextHtml(piece.slice(1, -1))}</code>`;
      return emphasis(plainTextHtml(piece));
    })
    .join("");
}

const ESCAPED = "\u0000";

/** Like markdown-it: no links to script, files or data (except images). */
function linkable(url) {
  const lower = url.trim().toLowerCase();
  return !/^(vbscript|javascript|file|data):/.test(lower) || /^data:image\/(gif|png|jpeg|webp);/.test(lower);
}

function emphasis(html) {
  const escapes = [];
  html = html.replace(/\\([!-/:-@[-`{-~])/g, (_, c) => {
    escapes.push(c);
    return ESCAPED;
  });
  html = html
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (link, label, url) =>
      linkable(url) ? `<a href="${url}">${label}</a>` : link,
    )
    .replace(/(^|[\s(])(https?:\/\/[^\s<]+[^\s<.,:;!?)])/g, '$1<a href="$2">$2</a>')
    .replace(/\*\*(?=\S)([^*]*?\S)\*\*/g, "<strong>$1</strong>")
    .replace(/__(?=\S)([^_]*?\S)__(?![\w])/g, "<strong>$1</strong>")
    .replace(/\*(?=\S)([^*]*?\S)\*/g, "<em>$1</em>")
    .replace(/(^|[^\w])_(?=\S)([^_]*?\S)_(?![\w])/g, "$1<em>$2</em>")
    .replace(/~~(?=\S)([^~]*?\S)~~/g, "<del>$1</del>");
  return html.replace(/\u0000/g, () => escapes.shift());
}

"""What tools/pdf.py has Chromium print, besides the chapters' HTML: the A4 page, the print CSS, the script
that waits for a page to be ready, each chapter's header, the contents page and the page-number overlay.
"""

from __future__ import annotations

import html

A4_PAGE_MM, A4_MARGIN_MM = (210, 297), (14, 18)  # the page; the left/right and top/bottom margins
A4 = {"format": "A4", "margin": {side: f"{A4_MARGIN_MM[side in ('top', 'bottom')]}mm"
                                 for side in ("top", "bottom", "left", "right")}}
MM = 72 / 25.4  # PDF points per millimetre; a CSS pixel is 0.75 pt

# Print only the article: no navigation bars, sidebars, buttons or prev/next links.
PRINT_CSS = """
.bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .header-article, .prev-next-area,
.prev-next-footer, .bd-footer, .bd-footer-article, .bd-footer-content, footer, .headerlink,
#pst-back-to-top, .skip-link, .search-button__wrapper, .toggle-details__summary .tooltip { display: none !important; }
.bd-main, .bd-content, .bd-article-container, .bd-page-width, .bd-container, .bd-container__inner, .bd-article {
  max-width: none !important; width: 100% !important; margin: 0 !important; padding: 0 !important; }
html, body { background: white !important; }
figure, img, .cell_output, mjx-container[display="true"] { break-inside: avoid; }
h1, h2, h3 { break-after: avoid; }
pre { white-space: pre-wrap !important; overflow-wrap: anywhere; overflow: visible !important; }
.cell_output, .output, .highlight, table { overflow: visible !important; max-height: none !important; }
"""

WAIT_FOR_PAGE = """async () => {
  const images = [...document.images];
  images.forEach(i => { i.loading = "eager"; });
  await Promise.all(images.map(i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; })));
  const maths = document.querySelectorAll(".math");
  if (maths.length) {
    for (let i = 0; i < 100 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++) {
      await new Promise(r => setTimeout(r, 100));
    }
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  }
  await document.fonts.ready;
  const h1 = document.querySelector("main h1, article h1, h1");
  return {
    title: h1 ? h1.textContent.replace(/[#¶]\\s*$/, "").trim() : document.title,
    raw: [...maths].filter(m => !m.querySelector("mjx-container")).map(m => m.textContent.slice(0, 60)),
    mathErrors: [...document.querySelectorAll("mjx-merror")].map(e => e.textContent.slice(0, 60)),
    brokenImages: images.filter(i => !(i.naturalWidth > 0)).map(i => (i.currentSrc || i.src).slice(0, 100)),
  };
}"""


def header(text: str) -> str:
    return (f'<div style="font-size:8px; color:#666; width:100%; text-align:center; margin:0 14mm;">'
            f"{html.escape(text)}</div>")


def contents_html(book_title: str, entries: list[tuple[str, int]]) -> str:
    rows = "".join(f'<li><span class="t">{html.escape(t)}</span><span class="d"></span><span>{n}</span></li>'
                   for t, n in entries)
    return f"""<!doctype html><html><head><meta charset="utf-8"><style>
body {{ font-family: sans-serif; }} h1 {{ font-size: 24px; margin: 0 0 4px; }}
p {{ color: #555; margin: 0 0 24px; }} ol {{ list-style: none; padding: 0; }}
li {{ display: flex; font-size: 14px; margin: 6px 0; }}
.d {{ flex: 1; border-bottom: 1px dotted #999; margin: 0 6px 4px; }}
</style></head><body><h1>{html.escape(book_title)}</h1><p>Contents</p><ol>{rows}</ol></body></html>"""


def numbers_html(count: int) -> str:
    """``count`` blank pages; Chromium's footer writes each one's number (the overlay stamped on the book)."""
    return "<!doctype html><html><body>" + '<div style="break-after: page">&nbsp;</div>' * count + "</body></html>"

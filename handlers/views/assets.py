"""The web view's static files: one stylesheet, one script, one icon, the same for every view (pure).

Kept as text here (not files beside the code) so the function's zip and the dev server need nothing
else. Served at ``/project/_static/<name>`` (a project name never starts with ``_``), publicly: they
hold no data, and a browser asking for them never has to repeat its credentials.
"""

from __future__ import annotations

from typing import Final

#: Browsers may keep the files a day: they change only with a deployment.
CACHE_CONTROL: Final = "public, max-age=86400"
#: The folder below the view root that serves these files.
FOLDER: Final = "_static"

_CSS = """\
:root{color-scheme:light dark;--fg:#1d232a;--bg:#fff;--muted:#5b6570;--line:#d7dce1;--accent:#0b5cad;
--code:#f3f5f7;--warn:#fff3cd;--warn-fg:#5c4400}
@media (prefers-color-scheme:dark){:root{--fg:#e6e9ec;--bg:#15191d;--muted:#9aa5b1;--line:#33393f;
--accent:#6cb4ff;--code:#22282e;--warn:#3d3212;--warn-fg:#f3dc9b}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);
background:var(--bg)}
header,main,footer{max-width:60rem;margin:0 auto;padding:0 1rem}
header{padding-top:1rem;padding-bottom:.5rem;border-bottom:1px solid var(--line)}
a{color:var(--accent)}
h1{margin:.8rem 0 .2rem;overflow-wrap:anywhere}
h1 .version{color:var(--muted);font-weight:normal}
.summary{color:var(--muted);margin-top:0}
.notice{background:var(--warn);color:var(--warn-fg);padding:.5rem .8rem;border-radius:4px}
pre,code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
pre{background:var(--code);padding:.6rem .8rem;border-radius:4px;overflow-x:auto;max-width:100%}
.install code{white-space:pre-wrap;overflow-wrap:anywhere}
.readme{overflow-wrap:anywhere}
.readme img{max-width:100%}
.readme table{display:block;overflow-x:auto}
ul.files,ul.history,ul.projects{list-style:none;padding:0}
ul.files li,ul.history li,ul.projects li{border-bottom:1px solid var(--line);padding:.5rem 0}
.sha256{overflow-wrap:anywhere;word-break:break-all;user-select:all}
.meta,.count{color:var(--muted);font-size:.9em}
.yanked{color:#b42318;font-weight:600}
input[type=search]{width:100%;font:inherit;padding:.5rem;border:1px solid var(--line);border-radius:4px;
background:var(--bg);color:var(--fg)}
"""

_JS = """\
"use strict";
// The only script of the web view: the index URL in the install lines, and the project filter.
(function () {
  var view = document.currentScript.src.replace(/_static\\/site\\.js(\\?.*)?$/, "");
  var index = new URL("../simple/", view).href;
  document.querySelectorAll(".index-url").forEach(function (el) { el.textContent = index; });
  var filter = document.getElementById("filter");
  if (!filter) { return; }
  var items = document.querySelectorAll("ul.projects li");
  var count = document.getElementById("count");
  function apply() {
    var wanted = filter.value.trim().toLowerCase().replace(/[-_.]+/g, "-");
    var shown = 0;
    items.forEach(function (li) {
      var hit = li.getAttribute("data-name").indexOf(wanted) !== -1;
      li.hidden = !hit;
      if (hit) { shown += 1; }
    });
    count.textContent = shown + (shown === 1 ? " project" : " projects");
  }
  filter.addEventListener("input", apply);
  apply();
})();
"""

_ICON = """\
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" \
fill="#0b5cad"/><path d="M4 4h5a3 3 0 0 1 0 6H6v2H4z" fill="#fff"/></svg>
"""

#: Each file: its content type and bytes.
FILES: Final[dict[str, tuple[str, bytes]]] = {
    "site.css": ("text/css; charset=utf-8", _CSS.encode()),
    "site.js": ("text/javascript; charset=utf-8", _JS.encode()),
    "favicon.svg": ("image/svg+xml", _ICON.encode()),
}

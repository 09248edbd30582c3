/** The report site's stylesheet and script (plotly.js itself is copied from node_modules). */
export const SITE_CSS = `
:root { --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --ok: #1a7f37; --no: #9a6700; --bg2: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); margin: 0 auto; max-width: 1280px; padding: 24px; }
h1 { font-size: 1.6em; margin: 0 0 4px; } h2 { font-size: 1.25em; margin-top: 1.6em; }
.muted { color: var(--muted); }
.controls { display: flex; gap: 12px; align-items: center; margin: 16px 0; flex-wrap: wrap; }
.controls input { flex: 1; min-width: 240px; padding: 6px 10px; border: 1px solid var(--line); border-radius: 6px; font: inherit; }
.controls select { padding: 6px; border: 1px solid var(--line); border-radius: 6px; font: inherit; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: var(--bg2); position: sticky; top: 0; }
td.num { text-align: right; white-space: nowrap; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.badge.reproduced { background: #dafbe1; color: var(--ok); }
.badge.not-reproduced { background: #fff8c5; color: var(--no); }
.badge.not-run { background: var(--bg2); color: var(--muted); }
.badge.partly-reproduced { background: #ddf4ff; color: #0969da; }
.badge.inconclusive { background: #eaeef2; color: #57606a; }
.badge.stale { background: #ffebe9; color: #cf222e; }
.scroll { overflow-x: auto; max-width: 100%; }
th.sortable { cursor: pointer; } th[data-dir="asc"]::after { content: " \\25B2"; } th[data-dir="desc"]::after { content: " \\25BC"; }
svg.forest { display: block; }
@media (max-width: 600px) { body { padding: 10px; } #claims th:nth-child(2), #claims td:nth-child(2) { display: none; } .controls input { min-width: 0; } }
table.effects { width: auto; margin: 6px 0; }
.html-output, .markdown-output { overflow-x: auto; max-width: 100%; }
table.noiselab-table, .markdown-output table { width: auto; font-variant-numeric: tabular-nums; }
.effect { white-space: nowrap; font-variant-numeric: tabular-nums; }
.cell { margin: 12px 0; }
.cell.markdown { line-height: 1.6; }
pre { background: var(--bg2); padding: 8px 10px; border-radius: 6px; overflow-x: auto; font-size: 12.5px; margin: 4px 0; }
pre.source { border-left: 3px solid #0969da; }
pre.stderr { background: #fff8c5; }
pre.error { background: #ffebe9; }
.figure { margin: 8px 0; }
.plotly-figure { width: 100%; max-width: 900px; min-height: 380px; }
details.static img { max-width: 100%; border: 1px solid var(--line); }
table.numbers { width: auto; min-width: 320px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; font-size: 14px; }
dl.meta dt { color: var(--muted); }
`;

export const SITE_JS = `
// Draw every figure from its JSON, and filter the claims table by text and verdict.
(function () {
  document.querySelectorAll('.plotly-figure').forEach(function (div) {
    var fig = JSON.parse(div.nextElementSibling.textContent);
    Plotly.newPlot(div, fig.data, fig.layout, { responsive: true, displaylogo: false })
      .then(function () { div.dataset.rendered = 'true'; });
  });
  var table = document.getElementById('claims');
  if (!table) return;
  var q = document.getElementById('filter');
  var verdict = document.getElementById('verdict');
  var family = document.getElementById('family');
  var count = document.getElementById('count');
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  function apply() {
    var text = q.value.trim().toLowerCase();
    var shown = 0;
    rows.forEach(function (tr) {
      var ok = (!text || tr.textContent.toLowerCase().indexOf(text) >= 0) && (!verdict.value || tr.dataset.status === verdict.value) &&
        (!family.value || tr.dataset.family === family.value);
      tr.hidden = !ok;
      if (ok) shown++;
    });
    count.textContent = shown + ' of ' + rows.length + ' claims';
    var params = new URLSearchParams();
    if (text) params.set('q', text);
    if (verdict.value) params.set('verdict', verdict.value);
    if (family.value) params.set('family', family.value);
    history.replaceState(null, '', params.toString() ? '?' + params : location.pathname);
  }
  var init = new URLSearchParams(location.search);
  q.value = init.get('q') || '';
  verdict.value = init.get('verdict') || '';
  family.value = init.get('family') || '';
  q.addEventListener('input', apply);
  verdict.addEventListener('change', apply);
  family.addEventListener('change', apply);
  // sort by a column with data-key: click once ascending, again descending
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
    if (!th.dataset.key) return;
    th.classList.add('sortable');
    th.addEventListener('click', function () {
      var k = Number(th.dataset.key);
      var dir = th.dataset.dir === 'asc' ? -1 : 1;
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { delete h.dataset.dir; });
      th.dataset.dir = dir === 1 ? 'asc' : 'desc';
      var key = function (tr) { var v = tr.cells[k].dataset.sort; return isNaN(Number(v)) ? v : Number(v); };
      rows.sort(function (a, b) { var x = key(a), y = key(b); return (x < y ? -1 : x > y ? 1 : 0) * dir; });
      rows.forEach(function (tr) { table.tBodies[0].appendChild(tr); });
    });
  });
  apply();
})();
`;

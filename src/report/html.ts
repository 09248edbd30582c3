/** Small HTML helpers for the report site: escaping and a page shell with the site's own assets. */
export function esc(s: unknown): string {
  return String(s ?? '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A JSON value inside a <script type="application/json"> element (no "</script>" can end it early). */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c');
}

export function page(title: string, body: string, assets: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${esc(title)}</title>
<link rel="stylesheet" href="${assets}/site.css">
<script src="${assets}/plotly.min.js"></script>
<script src="${assets}/site.js" defer></script>
</head>
<body>
${body}
</body>
</html>
`;
}

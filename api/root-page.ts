// The API's root page, for a person who opens the API's address in a browser: what this is and where to go. The
// web console will be served here once it exists; until then the page says so instead of answering 404.
const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export function rootPage(version: string): string {
  const v = escapeHtml(version);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>loco API ${v}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>loco API ${v}</h1>
<p>This is loco's API. The web console will be served at this address; it is not part of this version yet.</p>
<ul>
<li>Use the CLI: <code>npx loco whoami</code>, <code>npx loco ls</code>, <code>npx loco deploy</code>.</li>
<li>The API's routes: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</li>
<li>Health: <a href="/healthz">/healthz</a>, readiness: <a href="/readyz">/readyz</a>.</li>
</ul>
</body></html>
`;
}

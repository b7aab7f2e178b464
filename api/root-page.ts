// The API's root page when the web console is not built (api/console-assets.ts serves the console at / when it
// is): what this is, how to get the console, and where to go meanwhile — instead of a bare 404.
const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export function rootPage(version: string): string {
  const v = escapeHtml(version);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>loco API ${v}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>loco API ${v}</h1>
<p>This is loco's API. The web console is served at this address once it is built, and this installation has no
build of it: run <code>npm run build:console</code> in loco's folder (<code>npm start</code> does it for you), then
restart the API.</p>
<ul>
<li>Use the CLI: <code>npx loco whoami</code>, <code>npx loco ls</code>, <code>npx loco deploy</code>.</li>
<li>The API's routes: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</li>
<li>Health: <a href="/healthz">/healthz</a>, readiness: <a href="/readyz">/readyz</a>.</li>
</ul>
</body></html>
`;
}

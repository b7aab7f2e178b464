// The local OpenID Provider's pages: plain server-rendered HTML with one inline stylesheet and nothing else — no
// scripts, no images, no external assets — under a CSP that allows exactly that stylesheet (by its hash) and forms
// posted back to the provider. Every page says that this is the local development provider. Pure functions of
// their inputs; every interpolated value is escaped.
// One page is oidc-provider's own: the link `loco login` prints (with the code in it) answers a form that submits
// itself by an inline script; oidc-provider adds that script's hash to `script-src` when the CSP has one, so
// `script-src 'none'` becomes "that one script" on that page and "no script" everywhere else.
import { createHash } from "node:crypto";

const STYLE =
  "body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1d2330}" +
  ".local{background:#fff6d6;border:1px solid #e6c200;border-radius:6px;padding:.6rem .9rem;font-size:.9rem}" +
  "h1{font-size:1.5rem}code.user-code{font-size:1.3rem;letter-spacing:.1em}dl{display:grid;grid-template-columns:auto 1fr;gap:.2rem 1rem}" +
  "dt{color:#5a6275}dd{margin:0}button{font:inherit;padding:.5rem 1.2rem;border:0;border-radius:6px;" +
  "background:#2f5bd3;color:#fff;cursor:pointer}button.secondary{background:none;color:#5a6275}" +
  "input[type=text]{font:inherit;font-size:1.3rem;padding:.4rem;text-transform:uppercase;width:12rem}.error{color:#b3261e}";

const styleHash = createHash("sha256").update(STYLE).digest("base64");

/** The Content-Security-Policy of every answer: the one stylesheet, forms to this origin, no framing. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src 'sha256-${styleHash}'`,
  "script-src 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

export const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const BANNER =
  '<p class="local"><strong>Local development provider.</strong> This is loco\'s own OpenID Provider, started by ' +
  "<code>npm start</code> for development on this computer. It has one user and no password: it listens on " +
  "127.0.0.1 only, so only programs on this computer can reach it. Never expose it to a network.</p>";

export function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · loco local sign-in</title><style>${STYLE}</style></head><body>${BANNER}${body}</body></html>`;
}

export interface LocalUser {
  id: string;
  name: string;
  email: string;
  groups: string[];
}

export interface AskingClient {
  id: string;
  name: string;
}

function request(user: LocalUser, client: AskingClient, scopes: string[], audience: string): string {
  return (
    `<p><strong>${escapeHtml(client.name)}</strong> asks to act as you on the loco API.</p><dl>` +
    `<dt>User</dt><dd>${escapeHtml(user.id)} (${escapeHtml(user.email)})</dd>` +
    `<dt>App</dt><dd>${escapeHtml(client.name)} (client ${escapeHtml(client.id)})</dd>` +
    `<dt>API</dt><dd>${escapeHtml(audience)}</dd>` +
    `<dt>Scopes</dt><dd>${escapeHtml(scopes.join(" ") || "none")}</dd></dl>`
  );
}

/** The login prompt: signing in also allows the request, so it takes one button. */
export function loginPage(options: {
  uid: string;
  user: LocalUser;
  client: AskingClient;
  scopes: string[];
  audience: string;
}): string {
  return page(
    "Sign in",
    `<h1>Sign in to loco</h1>${request(options.user, options.client, options.scopes, options.audience)}` +
      `<form method="post" action="/interaction/${encodeURIComponent(options.uid)}/login">` +
      `<button type="submit">Sign in as ${escapeHtml(options.user.id)}</button></form>`,
  );
}

/** The consent prompt, when an app asks for more than the sign-in allowed. */
export function consentPage(options: {
  uid: string;
  user: LocalUser;
  client: AskingClient;
  scopes: string[];
  audience: string;
}): string {
  return page(
    "Allow",
    `<h1>Allow ${escapeHtml(options.client.name)}?</h1>${request(options.user, options.client, options.scopes, options.audience)}` +
      `<form method="post" action="/interaction/${encodeURIComponent(options.uid)}/confirm">` +
      `<button type="submit">Allow</button></form>`,
  );
}

/**
 * The device flow's code entry. `form` is oidc-provider's (it carries the CSRF token); its inline focus handler
 * is dropped because the CSP would block it anyway.
 */
export function codeInputPage(form: string, error: string | undefined): string {
  const hint = error
    ? `<p class="error">${escapeHtml(error)}</p>`
    : "<p>Enter the code that <code>loco login</code> printed in your terminal.</p>";
  return page(
    "Enter code",
    `<h1>Sign in to loco</h1>${hint}${form.replace(/\s+onfocus="[^"]*"/, "")}` +
      '<p><button type="submit" form="op.deviceInputForm">Continue</button></p>',
  );
}

export function codeConfirmPage(form: string, client: AskingClient, userCode: string): string {
  return page(
    "Confirm code",
    `<h1>Confirm the code</h1><p><strong>${escapeHtml(client.name)}</strong> is waiting to sign in. Continue only if your terminal shows this code:</p>` +
      `<p><code class="user-code">${escapeHtml(userCode)}</code></p>${form}` +
      '<p><button type="submit" form="op.deviceConfirmForm">Continue</button> ' +
      '<button type="submit" form="op.deviceConfirmForm" name="abort" value="yes" class="secondary">Cancel</button></p>',
  );
}

export function successPage(client: AskingClient): string {
  return page(
    "Signed in",
    `<h1>Sign-in complete</h1><p>${escapeHtml(client.name)} is signed in. You can close this page and return to your terminal.</p>`,
  );
}

export function errorPage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p class="error">${escapeHtml(message)}</p>`);
}

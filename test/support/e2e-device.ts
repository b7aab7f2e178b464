// Completes an OIDC device login the way a person would in a browser, over plain HTTP: opens the verification
// URL the CLI printed, enters (or confirms) the user code, signs in as a test user on the provider's login page
// and allows the consent. Cookies are kept like a browser does; redirects are followed by hand so that each
// page's form can be read and submitted.

export interface DeviceApproval {
  /** The URL the CLI told the user to open (verification_uri or verification_uri_complete). */
  url: string;
  userCode: string;
  /** The test user to sign in as (one of the provider's `users`). */
  user: string;
  /** Sees every page the walk lands on, in order (to check what a person would be shown). */
  onPage?: (page: Page) => void;
}

export interface Page {
  url: string;
  status: number;
  html: string;
  headers: Headers;
}

class Browser {
  private readonly cookies = new Map<string, string>();

  async go(url: string, form?: URLSearchParams): Promise<Page> {
    let next = url;
    let body = form;
    for (let hop = 0; hop < 20; hop++) {
      const response = await fetch(next, {
        method: body ? "POST" : "GET",
        redirect: "manual",
        headers: {
          ...(this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") } : {}),
          ...(body ? { "content-type": "application/x-www-form-urlencoded" } : {}),
        },
        ...(body ? { body: body.toString() } : {}),
      });
      for (const cookie of response.headers.getSetCookie()) {
        const [pair] = cookie.split(";");
        const at = pair!.indexOf("=");
        const name = pair!.slice(0, at).trim();
        const value = pair!.slice(at + 1).trim();
        if (/expires=Thu, 01 Jan 1970/i.test(cookie) || value === "") this.cookies.delete(name);
        else this.cookies.set(name, value);
      }
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location) {
        await response.arrayBuffer();
        next = new URL(location, next).href;
        body = undefined;
        continue;
      }
      return { url: next, status: response.status, html: await response.text(), headers: response.headers };
    }
    throw new Error(`More than 20 redirects from ${url}`);
  }
}

const attribute = (tag: string, name: string) =>
  new RegExp(`\\b${name}="([^"]*)"`, "i").exec(tag)?.[1]?.replace(/&amp;/g, "&");

/** The page's first form: its action and its inputs with their values. */
function formOf(page: Page): { action: string; fields: URLSearchParams; names: string[] } {
  const tag = /<form\b[^>]*>/i.exec(page.html)?.[0];
  if (!tag) {
    throw new Error(`The provider's page ${page.url} (HTTP ${page.status}) has no form: ${page.html.slice(0, 400)}`);
  }
  const action = new URL(attribute(tag, "action") ?? page.url, page.url).href;
  const fields = new URLSearchParams();
  const names: string[] = [];
  for (const input of page.html.matchAll(/<input\b[^>]*>/gi)) {
    const name = attribute(input[0], "name");
    if (!name) continue;
    names.push(name);
    const value = attribute(input[0], "value");
    if (value !== undefined) fields.set(name, value);
  }
  return { action, fields, names };
}

/** Walks the provider's pages until the device login is approved; throws with the page when it gets stuck. */
export async function approveDeviceLogin(approval: DeviceApproval): Promise<void> {
  const browser = new Browser();
  let page = await browser.go(approval.url);
  for (let step = 0; step < 10; step++) {
    approval.onPage?.(page);
    if (/Sign-in complete/.test(page.html)) return;
    if (page.status >= 400) throw new Error(`The provider answered ${page.status} at ${page.url}: ${page.html}`);
    const form = formOf(page);
    if (form.names.includes("user_code") && !form.fields.get("user_code"))
      form.fields.set("user_code", approval.userCode);
    if (form.names.includes("login")) form.fields.set("login", approval.user);
    page = await browser.go(form.action, form.fields);
  }
  throw new Error(`The device login did not complete; last page ${page.url}: ${page.html.slice(0, 400)}`);
}

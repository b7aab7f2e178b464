import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CONTENT_SECURITY_POLICY, codeInputPage, errorPage, loginPage } from "./oidc-pages.ts";

const user = { id: "developer", name: "developer", email: "developer@loco.local", groups: [] };
const view = {
  uid: "abc",
  user,
  client: { id: "loco-cli", name: "loco CLI" },
  scopes: ["openid", "offline_access"],
  audience: "http://127.0.0.1:7443",
};

describe("the local provider's pages", () => {
  it("say they are the local provider, name the user and the app, and have one button", () => {
    const html = loginPage(view);
    expect(html).toContain("Local development provider");
    expect(html).toContain("127.0.0.1 only");
    expect(html).toContain("developer@loco.local");
    expect(html).toContain("loco CLI (client loco-cli)");
    expect(html.match(/<button/g)).toHaveLength(1);
    expect(html).toContain('<form method="post" action="/interaction/abc/login">');
  });

  it("allow their one stylesheet by hash and nothing inline else", () => {
    const style = /<style>([\s\S]*?)<\/style>/.exec(loginPage(view))![1]!;
    expect(CONTENT_SECURITY_POLICY).toContain(
      `style-src 'sha256-${createHash("sha256").update(style).digest("base64")}'`,
    );
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toContain("unsafe");
  });

  it("escape what they show", () => {
    const html = errorPage("Failed", `<img src=x onerror="alert(1)">`);
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(loginPage({ ...view, uid: "a/../b" })).toContain('action="/interaction/a%2F..%2Fb/login"');
  });

  it("drop the inline focus handler of oidc-provider's code form (the CSP blocks it)", () => {
    const form =
      '<form id="op.deviceInputForm" method="post" action="/device"><input\n    type="text" name="user_code" onfocus="this.select(); this.onfocus = undefined;" autofocus></form>';
    const html = codeInputPage(form, undefined);
    expect(html).not.toContain("onfocus");
    expect(html).toContain('name="user_code"');
  });
});

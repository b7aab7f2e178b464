import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import type { RequestOptions } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { inClusterAccess, loadKubeAccess, plainAccessFromKubeconfig } from "./kube-access.ts";

const kubeconfig = (user: string, cluster = "      server: https://127.0.0.1:6443\n") =>
  `apiVersion: v1
kind: Config
current-context: main
contexts:
  - name: main
    context: { cluster: plane, user: admin }
clusters:
  - name: plane
    cluster:
${cluster}users:
  - name: admin
    user:
${user}`;

async function optionsOf(access: { applyToHTTPSOptions(options: RequestOptions): Promise<void> }) {
  const options: RequestOptions = { headers: {} };
  await access.applyToHTTPSOptions(options);
  return options;
}

describe("kube access", () => {
  it("reads client certificates relative to the kubeconfig, CA data and a token, as client-node does", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kube-access-"));
    mkdirSync(join(dir, "pki"));
    writeFileSync(join(dir, "pki", "admin.crt"), "CERT");
    writeFileSync(join(dir, "pki", "admin.key"), "KEY");
    const text = kubeconfig(
      "      client-certificate: pki/admin.crt\n      client-key: pki/admin.key\n      token: abc\n",
      `      server: https://127.0.0.1:6443\n      certificate-authority-data: ${Buffer.from("CA").toString("base64")}\n      tls-server-name: kubernetes\n`,
    );
    const file = join(dir, "config");
    writeFileSync(file, text);
    const ours = await optionsOf(plainAccessFromKubeconfig(text, file)!);
    const theirs = new KubeConfig();
    theirs.loadFromFile(file);
    const expected = await optionsOf(theirs);
    expect(String(ours.ca)).toBe("CA");
    expect(String(ours.cert)).toBe("CERT");
    expect(String(ours.key)).toBe("KEY");
    expect(ours.headers).toEqual({ Authorization: "Bearer abc" });
    for (const field of ["ca", "cert", "key", "servername", "rejectUnauthorized", "headers"] as const) {
      expect(ours[field], field).toEqual(expected[field]);
    }
    expect((await loadKubeAccess(file, {})).getCurrentCluster()?.server).toBe("https://127.0.0.1:6443");
  });

  it("leaves exec plugins to client-node", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kube-access-"));
    const text = kubeconfig(
      "      exec:\n        apiVersion: client.authentication.k8s.io/v1\n        command: get-token\n",
    );
    const file = join(dir, "config");
    writeFileSync(file, text);
    expect(plainAccessFromKubeconfig(text, file)).toBeUndefined();
    expect(await loadKubeAccess(file, {})).toBeInstanceOf(KubeConfig);
  });

  it("reads the service account's token file and CA in a pod", async () => {
    const root = mkdtempSync(join(tmpdir(), "kube-access-sa-"));
    writeFileSync(join(root, "ca.crt"), "CA");
    writeFileSync(join(root, "token"), "sa-token\n");
    const access = inClusterAccess({ KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "443" }, root);
    expect(access.getCurrentCluster()?.server).toBe("https://[fd00::1]:443");
    const options = await optionsOf(access);
    expect(String(options.ca)).toBe("CA");
    expect(options.headers).toEqual({ Authorization: "Bearer sa-token" });
  });

  it("says which file lacks a current context", () => {
    expect(() => plainAccessFromKubeconfig("apiVersion: v1\nkind: Config\n", "/etc/kube/config")).toThrow(
      /kubeconfig \/etc\/kube\/config has no current-context/,
    );
  });
});

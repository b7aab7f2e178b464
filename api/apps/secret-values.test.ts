import { describe, expect, it } from "vitest";
import { secretData, secretObject } from "./secret-values.ts";

describe("secretData", () => {
  it("keeps other keys, drops those unset, and encodes the values set", () => {
    const data = secretData({ KEEP: "a2VlcA==", OLD: "b2xk" }, { NEW: "hé" }, new Set(["OLD"]));
    expect(data).toEqual({ KEEP: "a2VlcA==", NEW: Buffer.from("hé", "utf8").toString("base64") });
  });
});

describe("secretObject", () => {
  it("is controlled by the App and labelled as loco's", () => {
    const secret = secretObject(
      {
        namespace: "acme-dev",
        object: { apiVersion: "loco.dev/v1alpha1", kind: "App", metadata: { name: "web", uid: "u-1" } },
      },
      { team: "a" },
      {},
    );
    expect(secret.metadata).toMatchObject({
      name: "web-secrets",
      namespace: "acme-dev",
      labels: { team: "a", "app.kubernetes.io/managed-by": "loco", "loco.dev/app": "web" },
      ownerReferences: [{ kind: "App", name: "web", uid: "u-1", controller: true }],
    });
    expect(secret.type).toBe("Opaque");
  });
});

describe("secretVersionIds", () => {
  it("gives a changed value a new id, keeps the id of an unchanged one, and drops unset keys", async () => {
    const { secretVersionIds } = await import("./secret-values.ts");
    let n = 0;
    const newId = () => `NEW${++n}`;
    const existing = { data: { A: "YQ==", B: "Yg==", C: "Yw==" }, versions: { A: "IDA", B: "IDB", C: "IDC" } };
    const data = { A: "YQ==", B: "eA==", D: "ZA==" };
    expect(secretVersionIds(existing, data, { A: "a", B: "x", D: "d" }, newId)).toEqual({
      A: "IDA",
      B: "NEW1",
      D: "NEW2",
    });
  });
});

import { describe, expect, it } from "vitest";
import { parseProfileFile } from "./profile-file.ts";

const profile = (name: string) =>
  `apiVersion: loco.dev/v1alpha1\nkind: Profile\nmetadata:\n  name: ${name}\nspec:\n  baseDomain: ${name}.example.com\n`;

describe("parseProfileFile", () => {
  it("reads every Profile of a multi-document YAML file, in order, skipping empty documents", async () => {
    expect(await parseProfileFile(`${profile("dev")}---\n---\n${profile("prod")}`, "profiles.yaml")).toEqual([
      { name: "dev", spec: { baseDomain: "dev.example.com" } },
      { name: "prod", spec: { baseDomain: "prod.example.com" } },
    ]);
  });

  it("reads a JSON object or array", async () => {
    const dev = { kind: "Profile", metadata: { name: "dev" }, spec: { baseDomain: "d.example.com" } };
    expect(await parseProfileFile(JSON.stringify(dev), "p.json")).toHaveLength(1);
    expect(await parseProfileFile(JSON.stringify([dev, dev]), "p.json")).toHaveLength(2);
  });

  it("names the document that is not a Profile, has no name or no spec, and refuses bad syntax", async () => {
    await expect(parseProfileFile(`${profile("dev")}---\nkind: App\n`, "f.yaml")).rejects.toThrow(
      "document 2 of f.yaml is not a Profile",
    );
    await expect(parseProfileFile("kind: Profile\nspec: {}\n", "f.yaml")).rejects.toThrow("f.yaml has no name");
    await expect(parseProfileFile("kind: Profile\nmetadata: { name: dev }\n", "f.yaml")).rejects.toThrow(
      "Profile dev in f.yaml has no spec",
    );
    await expect(parseProfileFile("kind: [", "f.yaml")).rejects.toThrow("Could not read f.yaml");
    await expect(parseProfileFile("", "f.yaml")).rejects.toThrow("f.yaml holds no Profile");
  });
});

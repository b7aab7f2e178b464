// Profiles as a file for `loco profile apply`: YAML (one or more documents) or JSON, each a Profile manifest
// (kind: Profile, metadata.name, spec — the same file `kubectl apply -f` takes). The API validates each spec with
// the Profile schema and names any bad field; this only checks that the file holds Profiles with names.
import { usageError } from "../cli-error.ts";
import { parseManifestText, readManifestText } from "./manifest-text.ts";

export interface ProfileDocument {
  name: string;
  spec: Record<string, unknown>;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The Profiles in the text of a file (empty YAML documents are skipped). Pure; `file` names it in errors. */
export async function parseProfileFile(text: string, file: string): Promise<ProfileDocument[]> {
  const parsed = await parseManifestText(text, file, true);
  // A JSON file may hold one Profile or an array of them.
  const documents = parsed.length === 1 && Array.isArray(parsed[0]) ? (parsed[0] as unknown[]) : parsed;
  const profiles: ProfileDocument[] = [];
  for (const [index, document] of documents.entries()) {
    if (document === null || document === undefined) continue;
    const where = documents.length > 1 ? `document ${index + 1} of ${file}` : file;
    if (!isObject(document) || document.kind !== "Profile") {
      throw usageError(
        `${where} is not a Profile`,
        isObject(document) ? `Its kind is ${String(document.kind ?? "missing")}.` : "It does not hold an object.",
        "Pass a file of Profile manifests (apiVersion: loco.dev/v1alpha1, kind: Profile, metadata.name, spec).",
      );
    }
    const name = isObject(document.metadata) ? document.metadata.name : undefined;
    if (typeof name !== "string" || name === "") {
      throw usageError(`${where} has no name`, "metadata.name is missing.", "Add metadata.name to the Profile.");
    }
    if (!isObject(document.spec)) {
      throw usageError(`Profile ${name} in ${file} has no spec`, "spec is missing or not an object.", "Add a spec.");
    }
    profiles.push({ name, spec: document.spec });
  }
  if (profiles.length === 0) {
    throw usageError(`${file} holds no Profile`, "The file is empty.", "Pass a file of Profile manifests.");
  }
  return profiles;
}

export async function readProfileFile(cwd: string, file: string): Promise<ProfileDocument[]> {
  const text = readManifestText(cwd, file, "Pass the path of a file of Profile manifests (YAML or JSON).");
  return parseProfileFile(text, file);
}

// A Pipeline as a file for `loco pipeline apply|diff`: YAML or JSON, either a whole manifest (kind: Pipeline,
// metadata.name, spec — what kubectl would take) or just the spec (with the name from --name). The API validates
// the spec with the CRD's schema and names any bad field.
import { usageError } from "../cli-error.ts";
import type { ContextWith } from "../context.ts";
import { parseManifestText, readManifestText } from "./manifest-text.ts";

export interface PipelineFile {
  name: string;
  spec: Record<string, unknown>;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Parses the text of a pipeline file. Pure; `file` names it in errors. */
export async function parsePipelineFile(text: string, file: string, name: string | undefined): Promise<PipelineFile> {
  const [document] = await parseManifestText(text, file, false);
  if (!isObject(document)) {
    throw usageError(
      `${file} is not a Pipeline`,
      "The file does not hold an object.",
      "Write a Pipeline manifest (kind: Pipeline, metadata.name, spec) or a spec with tasks.",
    );
  }
  const manifest = "spec" in document || "kind" in document;
  if (manifest && document.kind !== undefined && document.kind !== "Pipeline") {
    throw usageError(
      `${file} is not a Pipeline`,
      `Its kind is ${String(document.kind)}.`,
      "Pass a file with kind: Pipeline, or just a Pipeline's spec.",
    );
  }
  const spec = manifest ? document.spec : document;
  if (!isObject(spec)) {
    throw usageError(`${file} has no spec`, "spec is missing or not an object.", "Add a spec with at least one task.");
  }
  const metadata = isObject(document.metadata) ? document.metadata : {};
  const resolved = name ?? (typeof metadata.name === "string" ? metadata.name : undefined);
  if (!resolved) {
    throw usageError(
      `No pipeline name for ${file}`,
      "The file has no metadata.name and --name was not given.",
      "Pass --name <pipeline>, or add metadata.name to the file.",
    );
  }
  return { name: resolved, spec };
}

export async function readPipelineFile(
  command: ContextWith<{ name: string | undefined }, { file: string }>,
): Promise<PipelineFile> {
  const file = command.args.file;
  const text = readManifestText(command.cwd, file, "Pass the path of a Pipeline file (YAML or JSON).");
  return parsePipelineFile(text, file, command.flags.name);
}

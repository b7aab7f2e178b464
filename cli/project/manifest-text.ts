// Reading a manifest file given to the CLI (`loco pipeline apply`, `loco profile apply`): its text, and its
// documents as YAML or JSON by extension. Errors say which file and why, as usage errors.
import { readFileSync } from "node:fs";
import { extname, resolve } from "node:path";
import { CliError } from "../cli-error.ts";

/** The text of `file` (relative to `cwd`); `fix` says what to pass instead when it cannot be read. */
export function readManifestText(cwd: string, file: string, fix: string): string {
  try {
    return readFileSync(resolve(cwd, file), "utf8");
  } catch (error) {
    throw new CliError({
      code: "usage",
      what: `Could not read ${file}`,
      why:
        error instanceof Error && "code" in error && error.code === "ENOENT"
          ? `${resolve(cwd, file)} does not exist.`
          : String(error),
      fix,
      cause: error,
    });
  }
}

/** The documents of a manifest's text: JSON for `.json` files, else YAML (every `---` document when `all`). */
export async function parseManifestText(text: string, file: string, all: boolean): Promise<unknown[]> {
  try {
    if (extname(file) === ".json") return [JSON.parse(text)];
    const yaml = await import("yaml");
    if (!all) return [yaml.parse(text)];
    return yaml.parseAllDocuments(text).map((document) => {
      if (document.errors.length > 0) throw document.errors[0];
      return document.toJS();
    });
  } catch (error) {
    throw new CliError({
      code: "usage",
      what: `Could not read ${file}`,
      why: `It is not valid ${extname(file) === ".json" ? "JSON" : "YAML"}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
      fix: `Fix the syntax of ${file} and retry.`,
      cause: error,
    });
  }
}

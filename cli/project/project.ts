// The loco.toml of the directory a command runs in, and the app and profile a command acts on. The loader (zod,
// smol-toml) is imported only when there is a file to read, so commands that do not need one start fast.
// Built-ins through process.getBuiltinModule: an ESM import builds a facade that reads every export (running
// their lazy getters), which costs a noticeable part of a short command's start-up (bench/cli-startup.ts).
const { existsSync, readFileSync } = process.getBuiltinModule("node:fs");
const { resolve } = process.getBuiltinModule("node:path");

import type { LocoToml } from "../../crds/loco-toml.ts";
import { CliError } from "../cli-error.ts";
import type { ContextWith } from "../context.ts";

/** The parsed loco.toml, or undefined when there is none (and `required` is false). */
export async function readProject(
  command: ContextWith<{ file?: string }>,
  required: boolean,
): Promise<LocoToml | undefined> {
  const file = command.flags.file ?? "loco.toml";
  const path = resolve(command.cwd, file);
  if (!existsSync(path)) {
    if (!required) return undefined;
    throw new CliError({
      code: "usage",
      what: `No ${file} here`,
      why: `${path} does not exist.`,
      fix: "Run `loco init` to write one, or pass --file.",
    });
  }
  const { LocoTomlError, parseLocoToml } = await import("./loco-toml.ts");
  try {
    return parseLocoToml(readFileSync(path, "utf8"), file);
  } catch (error) {
    if (!(error instanceof LocoTomlError)) throw error;
    throw new CliError({
      code: "usage",
      what: `${file} is invalid`,
      why: error.message,
      fix: `Fix the keys named in ${file}; the schema is crds/generated/loco-toml.schema.json.`,
      cause: error,
    });
  }
}

/**
 * The profile a command acts on: --profile (or LOCO_PROFILE, resolved by the parser), else loco.toml's
 * defaultProfile, else its only [profile.*] table; undefined when none of these decides.
 */
export function chooseProfile(config: LocoToml | undefined, requested: string | undefined): string | undefined {
  if (requested) return requested;
  if (config?.defaultProfile) return config.defaultProfile;
  const defined = Object.keys(config?.profile ?? {});
  return defined.length === 1 ? defined[0] : undefined;
}

export function profileFor(
  command: ContextWith<{ profile?: string | undefined }>,
  project: LocoToml | undefined,
): string {
  const profile = chooseProfile(project, command.flags.profile);
  if (profile) return profile;
  const defined = Object.keys(project?.profile ?? {});
  throw new CliError({
    code: "usage",
    what: "No profile chosen",
    why: defined.length
      ? `loco.toml defines ${defined.join(", ")} and sets no defaultProfile.`
      : "Neither --profile nor LOCO_PROFILE is set, and there is no loco.toml with a defaultProfile.",
    fix: `Pass --profile <name>${project ? ', or set defaultProfile = "<name>" in loco.toml' : ""}.`,
  });
}

/** The app a command changes: --app, else loco.toml's name; and its profile. */
export async function appTarget(
  command: ContextWith<{ app?: string | undefined; file?: string; profile?: string | undefined }>,
): Promise<{ app: string; profile: string }> {
  const project = await readProject(command, false);
  const app = command.flags.app ?? project?.name;
  if (!app) {
    throw new CliError({
      code: "usage",
      what: "No app named",
      why: "--app was not given and there is no loco.toml here.",
      fix: `Pass --app <name>, or run \`${["loco", ...command.command.path].join(" ")}\` where the app's loco.toml is.`,
    });
  }
  return { app, profile: profileFor(command, project) };
}

import { existsSync, writeFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { CliError } from "../cli-error.ts";
import type { initCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { fullLocoToml, minimalLocoToml } from "../project/init-template.ts";
import { appFromLocoToml, LocoTomlError, parseLocoToml } from "../project/loco-toml.ts";

/** The directory's name as a DNS-1035 label, or "app". */
export function defaultAppName(directory: string): string {
  const name = basename(directory)
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^[^a-z]+/, "")
    .replace(/-+$/, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return name || "app";
}

export async function run(command: ContextOf<typeof initCommand>): Promise<number> {
  const file = command.flags.file;
  const path = resolve(command.cwd, file);
  if (existsSync(path) && !command.flags.force) {
    throw new CliError({
      code: "usage",
      what: `${file} already exists`,
      why: `${path} is there and init does not overwrite it.`,
      fix: "Edit it, or pass --force to replace it.",
    });
  }
  const values = {
    name: command.flags.name ?? defaultAppName(command.cwd),
    image: command.flags.image ?? "registry.example.com/team/app:latest",
  };
  const text = command.flags.minimal ? minimalLocoToml(values) : fullLocoToml(values);
  try {
    const config = parseLocoToml(text, file);
    for (const profile of Object.keys(config.profile ?? {}).concat(config.defaultProfile ?? []))
      appFromLocoToml(config, profile, file);
  } catch (error) {
    if (!(error instanceof LocoTomlError)) throw error;
    throw new CliError({
      code: "usage",
      what: `Could not write ${file}`,
      why: error.message,
      fix: "Pass a valid --name (lowercase letters, digits, '-') and --image.",
    });
  }
  writeFileSync(path, text);
  command.io.stdout.write(
    `Wrote ${file} for app ${values.name}${command.flags.image ? "" : " (set image before deploying)"}.\n`,
  );
  return 0;
}

// loco.toml → App spec for one profile. Three steps, each with errors that name the file, the key and what to
// do: TOML syntax (line and column), the document's shape (crds/loco-toml.ts), then the merged spec against the
// App schema itself, whose cross-field rules may span the top level and a [profile.<name>] table.
import { parse, TomlError } from "smol-toml";
import { AppSpec } from "../../crds/app.ts";
import { type FieldPath, fieldProblems, formatPath } from "../../crds/field-problems.ts";
import { LocoToml, type LocoTomlSettings } from "../../crds/loco-toml.ts";

export interface LocoTomlProblem {
  file: string;
  /** Dotted key path in the file, such as `profile.prod.autoscale.max`; absent for syntax errors. */
  key?: string;
  line?: number;
  column?: number;
  message: string;
}

export function formatProblem(problem: LocoTomlProblem): string {
  if (problem.line !== undefined) return `${problem.file}:${problem.line}:${problem.column}: ${problem.message}`;
  return problem.key ? `${problem.file}: ${problem.key}: ${problem.message}` : `${problem.file}: ${problem.message}`;
}

export class LocoTomlError extends Error {
  readonly problems: LocoTomlProblem[];

  constructor(problems: LocoTomlProblem[]) {
    super(problems.map(formatProblem).join("\n"));
    this.name = "LocoTomlError";
    this.problems = problems;
  }
}

/** What `loco deploy` needs from loco.toml: the App's name and its spec for the chosen profile. */
export interface LocoApp {
  name: string;
  spec: AppSpec;
}

/** Parses and checks the shape of a loco.toml document (every profile), without choosing a profile. */
export function parseLocoToml(text: string, file = "loco.toml"): LocoToml {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    // smol-toml's message ends with a code frame; the first line is the problem.
    const problem = error.message.split("\n")[0]?.replace(/^Invalid TOML document: /, "") ?? "invalid TOML";
    throw new LocoTomlError([
      { file, line: error.line, column: error.column, message: `${problem}; fix the TOML syntax here` },
    ]);
  }
  const parsed = LocoToml.safeParse(document, { reportInput: true });
  if (!parsed.success) {
    throw new LocoTomlError(
      fieldProblems(parsed.error, { dialect: "toml", schema: LocoToml }).map((p) => ({
        file,
        key: formatPath(p.path),
        message: p.message,
      })),
    );
  }
  return parsed.data;
}

/**
 * The settings for one profile: top-level keys, replaced key by key by the profile's (tables are not merged, so
 * a profile's `resources` is complete in itself), except env and secretEnv, whose variables are merged. A
 * profile that sets replicas drops a top-level autoscale and vice versa, since an App can't have both.
 */
export function mergeProfile(base: LocoTomlSettings, override: LocoTomlSettings = {}): LocoTomlSettings {
  const merged: LocoTomlSettings = { ...base, ...override };
  if (override.autoscale !== undefined && override.replicas === undefined) delete merged.replicas;
  if (override.replicas !== undefined && override.autoscale === undefined) delete merged.autoscale;
  if (base.env || override.env) merged.env = { ...base.env, ...override.env };
  if (base.secretEnv || override.secretEnv) merged.secretEnv = { ...base.secretEnv, ...override.secretEnv };
  return merged;
}

/** Where in the file a field of the merged spec came from: the profile's table if it set the key, else the top. */
function keyInFile(
  path: FieldPath,
  spec: Record<string, unknown>,
  override: LocoTomlSettings,
  profile: string,
): FieldPath {
  const [top, index, ...rest] = path;
  const inProfile = (key: string): FieldPath => ["profile", profile, key];
  if ((top === "env" || top === "secretEnv") && typeof index === "number") {
    // Lists in the spec, tables in the file: env[2].value is env.<NAME of the third variable>.
    const name = (spec[top] as { name: string }[])[index]?.name ?? String(index);
    const table = override[top];
    return table && Object.hasOwn(table, name) ? [...inProfile(top), name] : [top, name];
  }
  const tail = index === undefined ? rest : [index, ...rest];
  if (typeof top !== "string") return path;
  return Object.hasOwn(override, top) ? [...inProfile(top), ...tail] : [top, ...tail];
}

/** The App spec `loco deploy --profile <profile>` sends, or a LocoTomlError naming every problem. */
export function appFromLocoToml(config: LocoToml, profile: string, file = "loco.toml"): LocoApp {
  const { name, profile: profiles, defaultProfile: _defaultProfile, ...base } = config;
  const defined = Object.keys(profiles ?? {});
  // With no [profile.*] tables the top level applies to every profile; with some, a missing one is likely a typo.
  if (defined.length > 0 && !defined.includes(profile)) {
    throw new LocoTomlError([
      {
        file,
        key: formatPath(["profile", profile]),
        message: `there is no [profile.${profile}] table; add one or use ${defined.join(", ")}`,
      },
    ]);
  }
  const override = profiles?.[profile] ?? {};
  const { env, secretEnv, ...settings } = mergeProfile(base, override);
  const candidate: Record<string, unknown> = { profile, ...settings };
  if (env) candidate.env = Object.entries(env).map(([variable, value]) => ({ name: variable, value }));
  if (secretEnv) {
    candidate.secretEnv = Object.entries(secretEnv).map(([variable, secretKey]) => ({ name: variable, secretKey }));
  }
  const parsed = AppSpec.safeParse(candidate, { reportInput: true });
  if (!parsed.success) {
    throw new LocoTomlError(
      fieldProblems(parsed.error, { dialect: "toml", schema: AppSpec }).map((p) => {
        const missing = p.message.startsWith("is required");
        return {
          file,
          key: formatPath(keyInFile(p.path, candidate, override, profile)),
          message: missing ? `is required; set it at the top level or in [profile.${profile}]` : p.message,
        };
      }),
    );
  }
  return { name, spec: parsed.data };
}

/** parseLocoToml, then appFromLocoToml. */
export function loadLocoToml(text: string, profile: string, file = "loco.toml"): LocoApp {
  return appFromLocoToml(parseLocoToml(text, file), profile, file);
}

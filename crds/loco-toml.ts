// The shape of `loco.toml` (DESIGN.md §9), derived from the App spec: the same field schemas, with env and
// secretEnv written as TOML tables and per-profile overrides under [profile.<name>]. Cross-field rules of the
// App spec run on the merged result (cli/project/loco-toml.ts), since a rule may span the top level and a profile.
import { z } from "zod";
import { appSpecFields } from "./app.ts";
import { dns1035Label, dnsLabel, envVarName, secretKey } from "./common.ts";

// `profile` comes from --profile (or the table name), and `paused` is an operational switch, not configuration.
const { profile: _profile, paused: _paused, env: _env, secretEnv: _secretEnv, ...appFields } = appSpecFields;

export const LocoTomlSettings = z
  .strictObject({
    ...appFields,
    env: z
      .record(envVarName(), z.string().max(32_768))
      .describe('Environment variables as a table: LOG_LEVEL = "info".'),
    secretEnv: z
      .record(envVarName(), secretKey())
      .describe(
        'Environment variables from the App\'s loco-managed Secret: DB_PASSWORD = "db-password" (the key, not the value).',
      ),
  })
  .partial()
  .describe("App settings; every key is optional at this level.");
export type LocoTomlSettings = z.infer<typeof LocoTomlSettings>;

export const LocoToml = LocoTomlSettings.extend({
  name: dns1035Label().describe("Name of the App (lowercase letters, digits and '-', starting with a letter)."),
  profile: z
    .record(
      dnsLabel(),
      LocoTomlSettings.describe(
        "Overrides for one profile. A key set here replaces the top-level one entirely (tables are not merged), except env and secretEnv, whose variables are merged; replicas here drops a top-level autoscale and vice versa.",
      ),
    )
    .optional()
    .describe("Per-profile overrides, as [profile.<name>] tables; `loco deploy --profile <name>` applies one."),
  defaultProfile: dnsLabel()
    .optional()
    .describe("Profile the CLI uses when neither --profile nor LOCO_PROFILE names one, such as dev."),
}).describe("loco.toml: how to deploy this repository's App, per profile.");
export type LocoToml = z.infer<typeof LocoToml>;

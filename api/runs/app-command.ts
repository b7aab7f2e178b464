// A one-off command run as an App (`loco run`): the App's image, env, secret env and resources, with the caller's
// overrides. Pure: the App's spec and the request in, the Run's inline task out. The secret env keeps the App's
// variable names and keys; the Run's spec.app makes the operator read them from the App's Secret.
import { z } from "zod";
import { boundedRecord, dns1035Label, duration, envList, imageReference, Resources } from "../../crds/common.ts";
import type { InlineTask } from "../../crds/run.ts";

export const AppCommand = z
  .strictObject({
    name: dns1035Label(63).describe("The App to run the command as, in the profile's namespace."),
    command: z
      .array(z.string().max(4096))
      .min(1)
      .max(64)
      .describe("The command and its arguments; replaces the image's entrypoint and the App's command."),
    image: imageReference().optional().describe("Run this image instead of the App's."),
    env: envList().optional().describe("Variables added to the App's; a name the App also has takes this value."),
    resources: Resources.optional().describe("CPU and memory for the command; default to the App's."),
    timeout: duration().optional().describe("Longest the command may run before it fails with TimedOut (default 8h)."),
    podAnnotations: boundedRecord(z.string().max(4096), 32)
      .optional()
      .describe("Annotations on the command's pod; only the keys the platform allows."),
  })
  .describe("A command to run as an App: with its image, env, secret env and resources.");
export type AppCommand = z.infer<typeof AppCommand>;

interface AppSpecPart {
  image?: string;
  env?: { name: string; value: string }[];
  secretEnv?: { name: string; secretKey: string }[];
  resources?: InlineTask["resources"];
}

/** Pure: the inline task that runs `request.command` as the App whose spec is `app`. */
export function appCommandTask(app: AppSpecPart, request: AppCommand): z.input<typeof InlineTask> {
  const given = new Map((request.env ?? []).map((e) => [e.name, e.value]));
  const env = [
    ...(app.env ?? []).map((e) => ({ name: e.name, value: given.has(e.name) ? given.get(e.name)! : e.value })),
    ...(request.env ?? []).filter((e) => !(app.env ?? []).some((a) => a.name === e.name)),
  ];
  // A plain variable given for the command wins over the App's secret one of the same name (a container's env
  // holds a name once).
  const secretEnv = (app.secretEnv ?? []).filter((s) => !given.has(s.name));
  const resources = request.resources ?? app.resources;
  return {
    image: request.image ?? app.image ?? "",
    command: [...request.command],
    ...(env.length > 0 ? { env } : {}),
    ...(secretEnv.length > 0 ? { secretEnv: secretEnv.map((s) => ({ name: s.name, secretKey: s.secretKey })) } : {}),
    ...(resources ? { resources } : {}),
    ...(request.timeout ? { timeout: request.timeout } : {}),
    ...(request.podAnnotations && Object.keys(request.podAnnotations).length > 0
      ? { podAnnotations: { ...request.podAnnotations } }
      : {}),
  };
}

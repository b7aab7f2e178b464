// Building blocks shared by the four kinds. Every regex here is also a Kubernetes `pattern`, so each must be
// valid RE2 (no lookarounds or backreferences), and each carries a message saying what a valid value looks like.
import { z } from "zod";
import { apiGroup, apiVersion, apiVersionName } from "./kinds.ts";

// --- Names -------------------------------------------------------------------------------------------------

/** RFC 1123 label: the rule for namespaces, profiles, projects and most names that end up in a hostname. */
export const dnsLabel = (maxLength = 63) =>
  z
    .string()
    .min(1)
    .max(maxLength)
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
      error: "must be lowercase letters, digits and '-', starting and ending with a letter or digit",
    });

/**
 * A tenant's name: lowercase letters and digits, no '-'. Tenants' names are joined to other names with '-' —
 * namespaces `<tenant>-<profile>`, default hostnames `{app}-{tenant}` — and only a part that cannot contain the
 * separator makes those joins injective: a namespace splits at its first '-', a default hostname's first label at
 * its last. (With '-' allowed, acme + eu-prod and acme-eu + prod were both acme-eu-prod.) At most 40 characters, so
 * that `<tenant>-<profile>` (profile ≤ 22) stays a valid namespace name.
 */
export const TENANT_NAME_PATTERN = /^[a-z0-9]+$/;
export const TENANT_NAME_MAX_LENGTH = 40;
export const tenantName = () =>
  z.string().min(1).max(TENANT_NAME_MAX_LENGTH).regex(TENANT_NAME_PATTERN, {
    error:
      "must be lowercase letters and digits only, without '-' (it separates the tenant from the profile in namespace names)",
  });
/** Whether `name` follows the tenant-name rule (tenants created before it may not). */
export const followsTenantNameRule = (name: string): boolean =>
  name.length <= TENANT_NAME_MAX_LENGTH && TENANT_NAME_PATTERN.test(name);

/** RFC 1035 label: like a DNS label but starting with a letter (Service and port names). */
export const dns1035Label = (maxLength = 63) =>
  z
    .string()
    .min(1)
    .max(maxLength)
    .regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, {
      error: "must be lowercase letters, digits and '-', starting with a letter and ending with a letter or digit",
    });

/** RFC 1123 subdomain, as Kubernetes object names and DNS names are. */
export const dnsSubdomain = () =>
  z
    .string()
    .min(1)
    .max(253)
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
      error: "must be a lowercase DNS name such as apps.example.com",
    });

/** A hostname a route may claim; a leading `*.` makes it a wildcard, as in Gateway API. */
export const hostname = () =>
  z
    .string()
    .min(1)
    .max(253)
    .regex(/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
      error: "must be a lowercase hostname such as shop.example.com (or *.example.com)",
    });

export const envVarName = () =>
  z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
      error: "must be letters, digits and '_', not starting with a digit (like LOG_LEVEL)",
    });

export const secretKey = () =>
  z
    .string()
    .min(1)
    .max(253)
    .regex(/^[-._a-zA-Z0-9]+$/, { error: "must be letters, digits, '-', '_' or '.' (a Secret key)" });

export const imageReference = () =>
  z
    .string()
    .min(1)
    .max(512)
    .regex(
      /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/,
      {
        error: "must be an image reference such as registry.example.com/team/app:1.2.3",
      },
    );

// --- Values ------------------------------------------------------------------------------------------------

/** Non-negative Kubernetes resource quantity (`250m`, `1`, `1.5`, `256Mi`, `1e3`) in its string form. */
export const quantityPattern = /^([0-9]+(\.[0-9]*)?|\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$/;

/**
 * A Kubernetes quantity, which manifests may write as an integer (`cpu: 2`) or a string (`memory: 1Gi`); the
 * generator turns the union into `x-kubernetes-int-or-string`.
 */
export const quantity = () =>
  z.union([
    z.int().min(0),
    z.string().max(64).regex(quantityPattern, {
      error: "must be a Kubernetes quantity such as 250m, 0.5 or 1 (CPU) or 256Mi, 1Gi (memory)",
    }),
  ]);

/** Go duration syntax, which both the operator (parseDuration) and CEL's duration() understand. */
export const durationPattern = /^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$/;

/**
 * The longest duration Go (and so CEL and the apiserver) can hold, 2^63-1 ns, in milliseconds. A longer one is
 * refused here, naming its field: otherwise the apiserver answers with a CEL conversion error on the enclosing
 * object, or a field without a CEL rule is stored and fails later in the operator.
 */
export const MAX_DURATION_MS = 9_223_372_036_854;
export const maxDurationText = "2562047h";

export const duration = () =>
  z
    .string()
    .max(64)
    .regex(durationPattern, {
      error: "must be a duration such as 30s, 5m or 1h30m (units h, m, s, ms, us, ns)",
    })
    // Runs after a failed pattern too (zod does not stop at the first check): the guard keeps it from parsing
    // what is not a duration, so that value gets the pattern's issue only.
    .refine((text) => !durationPattern.test(text) || parseDuration(text) <= MAX_DURATION_MS, {
      error: `must be at most ${maxDurationText} (the longest duration Kubernetes can hold)`,
    });

const durationUnitMs: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 1e-3, ns: 1e-6 };

/** Milliseconds in a Go-style duration (`1h30m` → 5_400_000); throws on anything not in duration syntax. */
export function parseDuration(text: string): number {
  if (!durationPattern.test(text)) throw new Error(`${JSON.stringify(text)} is not a duration such as 30s or 1h30m`);
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/([0-9]+(?:\.[0-9]+)?)(ns|us|ms|s|m|h)/g)) {
    total += Number(amount) * durationUnitMs[unit as string]!;
  }
  return total;
}

/** RFC 3339 timestamp as Kubernetes writes metav1.Time. */
export const timestamp = () =>
  z.iso.datetime({ offset: true, error: "must be an RFC 3339 time such as 2026-01-02T15:04:05Z" });

/** A port number, or the name of one of the App's ports (int-or-string, like a Kubernetes probe port). */
export const portReference = () =>
  z.union([
    z.int().min(1).max(65535),
    z
      .string()
      .max(15)
      .regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, { error: "must be a port number or the name of one of the App's ports" }),
  ]);

// --- Lists -------------------------------------------------------------------------------------------------

/**
 * A list whose items are identified by `key` (`x-kubernetes-list-type: map`): server-side apply merges items
 * by key, so two writers (the API and a GitOps tool) can each own some, and duplicates are refused.
 */
export function keyedList<T extends z.ZodObject>(item: T, key: keyof z.output<T> & string, maxItems: number) {
  const list = z.array(item).max(maxItems);
  const unique = list.superRefine((items, ctx) => {
    const seen = new Set<unknown>();
    items.forEach((entry, index) => {
      const value = (entry as Record<string, unknown>)[key];
      if (seen.has(value)) {
        ctx.addIssue({
          code: "custom",
          message: `${JSON.stringify(value)} appears more than once; each ${key} must be unique`,
          path: [index, key],
          input: value,
        });
      }
      seen.add(value);
    });
  });
  return unique.meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": [key] });
}

/** A list of unique scalars (`x-kubernetes-list-type: set`). */
export function uniqueList<T extends z.ZodString>(item: T, maxItems: number) {
  const list = z
    .array(item)
    .max(maxItems)
    .superRefine((items, ctx) => {
      items.forEach((value, index) => {
        if (items.indexOf(value) !== index) {
          ctx.addIssue({ code: "custom", message: `${JSON.stringify(value)} appears more than once`, path: [index] });
        }
      });
    });
  return list.meta({ "x-kubernetes-list-type": "set" });
}

/**
 * A string-keyed map with at most `maxProperties` entries. The bound matters to the apiserver: CEL rules that
 * touch an unbounded map are costed as if it filled a whole request, and refused.
 */
export function boundedRecord<V extends z.ZodType>(value: V, maxProperties: number) {
  const record = z.record(z.string().max(253), value).superRefine((entries, ctx) => {
    const count = Object.keys(entries).length;
    if (count > maxProperties) {
      ctx.addIssue({ code: "custom", message: `has ${count} entries, more than ${maxProperties}; remove some` });
    }
  });
  return record.meta({ maxProperties });
}

// --- Containers --------------------------------------------------------------------------------------------

export const EnvVar = z.strictObject({
  name: envVarName().describe("Name of the environment variable."),
  value: z.string().max(32_768).describe("Value of the environment variable (may be empty)."),
});
export type EnvVar = z.infer<typeof EnvVar>;

export const envList = () => keyedList(EnvVar, "name", 128);

export const SecretEnvVar = z.strictObject({
  name: envVarName().describe("Name of the environment variable."),
  secretKey: secretKey().describe(
    "Key in the loco-managed Secret whose value becomes the variable (set with `loco env set --secret`).",
  ),
});
export type SecretEnvVar = z.infer<typeof SecretEnvVar>;

/** `maxItems` is small where it multiplies: a CEL rule compares env and secretEnv names, per task in a Pipeline. */
export const secretEnvList = (maxItems: number) => keyedList(SecretEnvVar, "name", maxItems);

/** env and secretEnv end up in one container env list, where a name may appear only once. */
export function distinctEnvNames<T extends { env?: EnvVar[]; secretEnv?: SecretEnvVar[] }>() {
  return {
    cel: "!has(self.env) || !has(self.secretEnv) || self.secretEnv.all(s, !self.env.exists(e, e.name == s.name))",
    message: "a variable can't be in both env and secretEnv; remove it from one of them",
    field: ".secretEnv",
    holds: (value: T) => !value.secretEnv?.some((s) => value.env?.some((e) => e.name === s.name)),
    explain: (value: T) => {
      const clash = value.secretEnv?.find((s) => value.env?.some((e) => e.name === s.name))?.name;
      return `${clash} is in both env and secretEnv; remove it from one of them`;
    },
  };
}

export const Resources = z.strictObject({
  cpu: quantity()
    .describe(
      "CPU reserved for each container (e.g. 250m, 1). It is a request, not a limit: containers may burst above it.",
    )
    .optional(),
  memory: quantity()
    .describe(
      "Memory for each container (e.g. 256Mi, 1Gi), used as both request and limit: above it the container is restarted.",
    )
    .optional(),
});
export type Resources = z.infer<typeof Resources>;

// --- Status ------------------------------------------------------------------------------------------------

/** The metav1.Condition shape, so kubectl, Argo CD and `kubectl wait --for=condition=Ready` understand it. */
export const Condition = z.strictObject({
  type: z
    .string()
    .min(1)
    .max(316)
    .regex(
      /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/,
      {
        error: "must be a condition type such as Ready",
      },
    )
    .describe("Kind of condition, such as Ready or Succeeded."),
  status: z.enum(["True", "False", "Unknown"]).describe("Whether the condition holds: True, False or Unknown."),
  observedGeneration: z
    .int()
    .min(0)
    .optional()
    .describe("metadata.generation the condition was computed from; older than the object's means it is stale."),
  lastTransitionTime: timestamp().describe("When status last changed."),
  reason: z
    .string()
    .min(1)
    .max(1024)
    .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/, { error: "must be a PascalCase reason such as Available" })
    .describe("PascalCase code for the last transition, for machines (see the reasons in the reference)."),
  message: z.string().max(32_768).describe("Sentence for humans explaining the last transition."),
});
export type Condition = z.infer<typeof Condition>;

export const conditions = () =>
  keyedList(Condition, "type", 16).describe("Latest observations of the object's state; one entry per type.");

export const observedGeneration = () =>
  z.int().min(0).describe("metadata.generation of the spec the status describes.");

// --- Objects -----------------------------------------------------------------------------------------------

/** The parts of ObjectMeta loco reads; anything else Kubernetes sets passes through untouched. */
export const ObjectMeta = z.looseObject({
  name: z.string().max(253).optional().describe("Name, unique per kind within a namespace (or cluster)."),
  namespace: z.string().max(63).optional().describe("Namespace of a namespaced object."),
  uid: z.string().optional().describe("Unique id assigned by the apiserver."),
  resourceVersion: z.string().optional().describe("Opaque version for optimistic concurrency; never compare it."),
  generation: z.int().optional().describe("Incremented by the apiserver on every spec change."),
  creationTimestamp: z.string().optional().describe("When the object was created."),
  labels: z.record(z.string(), z.string()).optional().describe("Labels."),
  annotations: z.record(z.string(), z.string()).optional().describe("Annotations."),
});
export type ObjectMeta = z.infer<typeof ObjectMeta>;

export { apiGroup, apiVersion, apiVersionName };

/**
 * The full object for a kind: apiVersion, kind, metadata, spec and optional status. The generator replaces
 * apiVersion, kind and metadata with Kubernetes' standard declarations.
 */
export function kubernetesObject<K extends string, Spec extends z.ZodType, Status extends z.ZodType>(
  kind: K,
  spec: Spec,
  status: Status,
) {
  return z.strictObject({
    apiVersion: z.literal(apiVersion).describe("Versioned schema of this object."),
    kind: z.literal(kind).describe("Kind of object."),
    metadata: ObjectMeta.describe("Standard Kubernetes object metadata."),
    spec,
    status: status.optional(),
  });
}

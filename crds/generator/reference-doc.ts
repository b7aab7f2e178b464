// Markdown reference pages from the same structural schema that goes into the CRD, so the docs describe exactly
// what the apiserver enforces: every field with its type, default, constraints and meaning.
import { ConditionType, Reason, SummaryCondition } from "../conditions.ts";
import { category, group, type KindDefinition, version } from "../index.ts";
import type { CelValidation } from "../rules.ts";
import { crdSchema } from "./crd-document.ts";
import type { JsonSchema } from "./structural-schema.ts";

export interface FieldRow {
  path: string;
  type: string;
  required: boolean;
  default?: unknown;
  description: string;
  constraints: string[];
}

export interface RuleRow {
  /** Field the rule is declared on (its `self`). */
  path: string;
  field?: string;
  rule: string;
  message: string;
}

const code = (text: string) => `\`${text}\``;

function typeName(schema: JsonSchema): string {
  if (schema["x-kubernetes-int-or-string"]) return "integer or string";
  if (schema.type === "array") return `[]${typeName(schema.items as JsonSchema)}`;
  if (schema.type === "object" && schema.additionalProperties) {
    return `map[string]${typeName(schema.additionalProperties as JsonSchema)}`;
  }
  if (schema["x-kubernetes-preserve-unknown-fields"] && schema.type === undefined) return "any";
  return String(schema.type);
}

function range(min: unknown, max: unknown, unit = ""): string | undefined {
  if (min !== undefined && max !== undefined) return `${min}–${max}${unit}`;
  if (min !== undefined) return `≥ ${min}${unit}`;
  if (max !== undefined) return `≤ ${max}${unit}`;
  return undefined;
}

/** Constraints on values of this schema itself (not its children). */
function valueConstraints(schema: JsonSchema): string[] {
  const out: string[] = [];
  if (Array.isArray(schema.enum)) out.push(`one of ${schema.enum.map((v) => code(String(v))).join(", ")}`);
  const numbers = range(schema.minimum, schema.maximum);
  if (numbers) out.push(numbers);
  const length = range(schema.minLength, schema.maxLength, " characters");
  if (length) out.push(length);
  if (typeof schema.pattern === "string") out.push(`matches ${code(schema.pattern)}`);
  if (typeof schema.format === "string") out.push(`format ${code(schema.format)}`);
  const items = range(schema.minItems, schema.maxItems, " items");
  if (items) out.push(items);
  if (schema["x-kubernetes-list-type"] === "map") {
    out.push(`unique by ${(schema["x-kubernetes-list-map-keys"] as string[]).map(code).join(", ")}`);
  }
  if (schema["x-kubernetes-list-type"] === "set") out.push("unique values");
  if (schema.type === "array" && schema.items) {
    const each = valueConstraints(schema.items as JsonSchema);
    if ((schema.items as JsonSchema).type !== "object" && each.length > 0) out.push(`each: ${each.join("; ")}`);
  }
  if (schema.type === "object" && schema.additionalProperties) {
    const each = valueConstraints(schema.additionalProperties as JsonSchema);
    if (each.length > 0) out.push(`values: ${each.join("; ")}`);
  }
  return out;
}

const rulesOf = (schema: JsonSchema) => (schema["x-kubernetes-validations"] as CelValidation[] | undefined) ?? [];

/** Every field below `schema`, depth first, with `prefix` as the path of `schema` itself. */
export function fieldRows(schema: JsonSchema, prefix: string): FieldRow[] {
  // Each rule is listed on the row of the field it reports (its fieldPath), or else of the field it is declared on.
  const rules = new Map<string, string[]>();
  for (const rule of ruleRows(schema, prefix)) {
    const at = rule.field ?? rule.path;
    rules.set(at, [...(rules.get(at) ?? []), rule.message]);
  }
  const rows: FieldRow[] = [];
  const visit = (node: JsonSchema, path: string) => {
    const objectNode = node.type === "array" ? (node.items as JsonSchema) : node;
    const objectPath = node.type === "array" ? `${path}[]` : path;
    const properties = objectNode?.properties as Record<string, JsonSchema> | undefined;
    if (!properties) return;
    const required = new Set((objectNode.required as string[] | undefined) ?? []);
    for (const [name, child] of Object.entries(properties)) {
      const childPath = objectPath === "" ? name : `${objectPath}.${name}`;
      const ruleMessages = [...(rules.get(childPath) ?? []), ...(rules.get(`${childPath}[]`) ?? [])];
      rows.push({
        path: childPath,
        type: typeName(child),
        required: required.has(name),
        ...(child.default === undefined ? {} : { default: child.default }),
        description: String(child.description ?? ""),
        constraints: [...valueConstraints(child), ...ruleMessages.map((message) => `rule: ${message}`)],
      });
      visit(child, childPath);
    }
  };
  visit(schema, prefix);
  return rows;
}

/** Every CEL rule below (and on) `schema`, with the path it is declared on. */
export function ruleRows(schema: JsonSchema, prefix: string): RuleRow[] {
  const rows: RuleRow[] = [];
  const visit = (node: JsonSchema, path: string) => {
    for (const rule of rulesOf(node)) {
      rows.push({
        path,
        ...(rule.fieldPath ? { field: `${path}${rule.fieldPath}` } : {}),
        rule: rule.rule,
        message: rule.message,
      });
    }
    if (node.type === "array") visit(node.items as JsonSchema, `${path}[]`);
    for (const [name, child] of Object.entries((node.properties as Record<string, JsonSchema>) ?? {})) {
      visit(child, path === "" ? name : `${path}.${name}`);
    }
    if (node.type === "object" && typeof node.additionalProperties === "object") {
      visit(node.additionalProperties as JsonSchema, `${path}.*`);
    }
  };
  visit(schema, prefix);
  return rows;
}

/** Text for a table cell: pipes escaped, and outside code spans `<` and `>` too (LOCO_<APP>_URL isn't HTML). */
const cell = (text: string) =>
  text
    .split("`")
    .map((part, i) => (i % 2 === 0 ? part.replaceAll("<", "&lt;").replaceAll(">", "&gt;") : part))
    .join("`")
    .replaceAll("|", "\\|")
    .replaceAll("\n", " ");

function fieldTable(rows: FieldRow[]): string {
  const lines = ["| Field | Type | Default | Constraints | Description |", "|---|---|---|---|---|"];
  for (const row of rows) {
    const constraints = [...(row.required ? ["**required**"] : []), ...row.constraints].join("; ");
    const fallback = row.default === undefined ? "" : code(JSON.stringify(row.default));
    lines.push(
      `| ${cell(code(row.path))} | ${cell(row.type)} | ${cell(fallback)} | ${cell(constraints)} | ${cell(row.description)} |`,
    );
  }
  return lines.join("\n");
}

export const docHeader = "<!-- Generated by `npm run generate` from crds/*.ts; do not edit. -->";

export const referenceFileName = (definition: Pick<KindDefinition, "kind">) => `${definition.kind.toLowerCase()}.md`;

export function referenceDoc(definition: KindDefinition): string {
  const schema = crdSchema(definition);
  const properties = schema.properties as Record<string, JsonSchema>;
  const summaryCondition = SummaryCondition[definition.kind as keyof typeof SummaryCondition];
  const subresources = ["status", ...(definition.scale ? ["scale"] : [])];
  const out: string[] = [
    docHeader,
    "",
    `# ${definition.kind}`,
    "",
    definition.summary,
    "",
    "| | |",
    "|---|---|",
    `| API version | ${code(`${group}/${version}`)} |`,
    `| Scope | ${definition.scope} |`,
    `| Resource | ${code(`${definition.plural}.${group}`)} (singular ${code(definition.singular)}) |`,
    `| Short names | ${definition.shortNames.map(code).join(", ")} |`,
    `| Category | ${code(category)} (\`kubectl get ${category}\`) |`,
    `| Subresources | ${subresources.join(", ")} |`,
    ...(summaryCondition ? [`| Summary condition | ${code(summaryCondition)} |`] : []),
    "",
  ];
  if (definition.scale) {
    out.push(
      `\`kubectl scale\` writes ${code(definition.scale.specReplicasPath)} and reads ${code(definition.scale.statusReplicasPath)} and ${code(definition.scale.labelSelectorPath)}.`,
      "",
    );
  }
  out.push("## Columns", "", "`kubectl get` shows:", "", "| Column | Value | Meaning |", "|---|---|---|");
  for (const column of definition.printerColumns) {
    const wide = column.priority ? " (with `-o wide`)" : "";
    out.push(`| ${column.name} | ${cell(code(column.jsonPath))} | ${cell(column.description)}${wide} |`);
  }
  if (definition.selectableFields?.length) {
    out.push("", `Selectable with \`--field-selector\`: ${definition.selectableFields.map(code).join(", ")}.`);
  }
  for (const section of ["spec", "status"] as const) {
    const node = properties[section];
    if (!node) continue;
    out.push("", `## ${section === "spec" ? "Spec" : "Status"}`, "", String(node.description ?? ""), "");
    out.push(fieldTable(fieldRows(node, section)));
  }
  const rules = ruleRows(schema, "");
  if (rules.length > 0) {
    out.push(
      "",
      "## Validation rules",
      "",
      "Checked by the apiserver (CEL) and by loco's API and CLI before they send anything.",
      "",
      "| On | Reported at | Rule | Message |",
      "|---|---|---|---|",
    );
    for (const rule of rules) {
      const on = rule.path === "" ? "(object)" : code(rule.path);
      const at = rule.field ? code(rule.field.replace(/^\./, "")) : on;
      out.push(`| ${cell(on)} | ${cell(at)} | ${cell(code(rule.rule))} | ${cell(rule.message)} |`);
    }
  }
  return `${out.join("\n")}\n`;
}

export function referenceIndex(definitions: readonly KindDefinition[]): string {
  const out: string[] = [
    docHeader,
    "",
    "# loco resource reference",
    "",
    `All kinds are in API group ${code(group)}, version ${code(version)}, category ${code(category)}. They are written once as zod schemas in \`crds/\`; the CRDs (\`crds/generated/\`), these pages, the API's request validation and the \`loco.toml\` schema are generated from them.`,
    "",
    "| Kind | Scope | Short names | What it is |",
    "|---|---|---|---|",
  ];
  for (const d of definitions) {
    out.push(
      `| [${d.kind}](${referenceFileName(d)}) | ${d.scope} | ${d.shortNames.map(code).join(", ")} | ${cell(d.summary)} |`,
    );
  }
  out.push(
    "",
    "Examples: [`docs/examples/`](../examples/). Editor schema for `loco.toml`: [`crds/generated/loco-toml.schema.json`](../../crds/generated/loco-toml.schema.json).",
    "",
    "Install the CRDs with `kubectl apply --server-side -f charts/loco/crds/` (or the Helm chart). `crds/generated/` holds the same files plus the `loco.toml` schema, which is not a manifest.",
    "",
    "## Status and conditions",
    "",
    "Every kind reports `status.observedGeneration` and `status.conditions` (the metav1.Condition shape); there is no `phase`. App, Profile and Pipeline summarise into `Ready`; Run into `Succeeded` (Unknown while running, then True or False for good).",
    "",
    `Condition types: ${Object.values(ConditionType).map(code).join(", ")}.`,
    "",
    `Reasons: ${Object.values(Reason).map(code).join(", ")}.`,
    "",
  );
  return out.join("\n");
}

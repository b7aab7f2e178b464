// The body of a server-side apply (application/apply-patch+yaml). The apiserver reads it as YAML, and JSON is
// YAML except for characters YAML does not allow unescaped: JSON.stringify leaves DEL, the C1 controls
// (U+007F–U+009F), the byte-order mark and U+FFFE/U+FFFF raw in strings, and the apiserver then refuses the whole
// body ("yaml: control characters are not allowed") — an env value or a task argument containing one became a
// 500 (found by fuzzing PATCH …/env and POST …/deployments). Outside strings JSON is ASCII, so escaping them as
// \uXXXX everywhere keeps the same JSON value, which YAML's double-quoted strings decode back.
const NOT_YAML_PRINTABLE = /[\u007f-\u009f\ufeff\ufffe\uffff]/g;

export function applyPatchBody(value: unknown): string {
  return JSON.stringify(value).replace(
    NOT_YAML_PRINTABLE,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

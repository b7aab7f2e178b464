// Type-level checks, run by `tsc --noEmit` (npm run typecheck), never executed: a command's implementation gets
// its own arguments and flags with the types its declaration gives them (cli/commands.ts), and the table of
// commands refuses a module whose run() expects another command's.
import { expectTypeOf } from "vitest";
import type {
  deployCommand,
  openCommand,
  runLsCommand,
  runStartCommand,
  tokenCreateCommand,
  whoamiCommand,
} from "./commands.ts";
import type { ContextOf } from "./context.ts";
import { withImplementation } from "./definition.ts";

type Deploy = ContextOf<typeof deployCommand>;
// A string flag with a default always has a value; one without may be absent; a boolean is absent unless given.
expectTypeOf<Deploy["flags"]["file"]>().toEqualTypeOf<string>();
expectTypeOf<Deploy["flags"]["timeout"]>().toEqualTypeOf<string>();
expectTypeOf<Deploy["flags"]["image"]>().toEqualTypeOf<string | undefined>();
expectTypeOf<Deploy["flags"]["wait"]>().toEqualTypeOf<boolean | undefined>();
// -o of a command that prints data, and the global flags.
expectTypeOf<Deploy["flags"]["output"]>().toEqualTypeOf<"text" | "json">();
expectTypeOf<Deploy["flags"]["context"]>().toEqualTypeOf<string | undefined>();
// @ts-expect-error: deploy declares no --limit.
expectTypeOf<Deploy["flags"]["limit"]>();
// @ts-expect-error: whoami prints data but declares no flags of its own.
expectTypeOf<ContextOf<typeof whoamiCommand>["flags"]["file"]>();

// A number flag, a string flag with choices, a list flag, a required argument and one with choices.
expectTypeOf<ContextOf<typeof runLsCommand>["flags"]["limit"]>().toEqualTypeOf<number>();
expectTypeOf<ContextOf<typeof tokenCreateCommand>["flags"]["role"]>().toEqualTypeOf<
  "viewer" | "developer" | "admin" | "owner"
>();
expectTypeOf<ContextOf<typeof tokenCreateCommand>["args"]["name"]>().toEqualTypeOf<string>();
expectTypeOf<ContextOf<typeof runStartCommand>["lists"]["param"]>().toEqualTypeOf<string[]>();
expectTypeOf<ContextOf<typeof openCommand>["args"]["target"]>().toEqualTypeOf<
  "app" | "console" | "dashboard" | "logs" | "docs" | undefined
>();

// The module that implements a command must take that command's context.
withImplementation({} as typeof deployCommand, () => import("./commands/deploy.ts"));
// @ts-expect-error: `loco run ls`'s module reads --limit, which deploy does not declare.
withImplementation({} as typeof deployCommand, () => import("./commands/run-ls.ts"));

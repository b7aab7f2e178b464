// How `loco ls` and `loco status` show Apps the API marks lost (api/lost-object.ts): the mirror's record of an App
// from a cluster that was replaced or wiped. Its last readiness is not repeated; it reads `Lost`, with one line on
// what that means and what brings it back. Apps the API cannot place (lost: null) get a line saying so. Pure.
import type { AppView } from "../client/api-client.ts";

type Standing = Pick<AppView, "name" | "profile" | "ready" | "lost">;

export const LOST = "Lost";

const WHAT =
  "not in the current cluster: what loco shows is the mirror's last record from a cluster that was replaced or wiped";
const whatToDo = (many: boolean) =>
  `The resurrector restores ${many ? "them" : "it"} (on the local platform, \`npm start\` does).`;

/** The READY cell of a table, and the value of status's `Ready:` line. */
export const readyOf = (app: Standing): string => (app.lost === true ? LOST : app.ready);

const named = (apps: readonly Standing[]) => apps.map((a) => `${a.name} (${a.profile})`).join(", ");

/** The lines under a list of Apps: which are lost and what to do, which could not be placed. Empty when all are live. */
export function lostLines(apps: readonly Standing[]): string[] {
  const lines: string[] = [];
  const lost = apps.filter((a) => a.lost === true);
  const unknown = apps.filter((a) => a.lost === null);
  if (lost.length > 0) {
    const many = lost.length > 1;
    lines.push(`${LOST}: ${named(lost)} ${many ? "are" : "is"} ${WHAT}. ${whatToDo(many)}`);
  }
  if (unknown.length > 0) {
    lines.push(
      `Unknown: the API could not read the current cluster's identity just now, so it cannot tell whether ${named(unknown)} ${unknown.length === 1 ? "is" : "are"} in it; try again shortly.`,
    );
  }
  return lines;
}

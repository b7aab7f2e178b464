import { randomBytes } from "node:crypto";

/** A Run name: `<prefix>-<8 characters>`, time-ordered then random, lowercase. */
export function newRunName(prefix: string): string {
  const time = Date.now().toString(36).slice(-5);
  const random = randomBytes(3).readUIntBE(0, 3).toString(36).padStart(5, "0").slice(-3);
  return `${prefix}-${time}${random}`;
}

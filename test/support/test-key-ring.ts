// The key-encryption key test APIs run with (webhook signing secrets are sealed with it), like a platform admin's
// LOCO_KEK: random per test process, so nothing sealed in one run opens in another.
import { randomBytes } from "node:crypto";
import { parseKeyRing } from "../../db/secret-crypto.ts";

/** In LOCO_KEK form, for loco-api processes. */
export const TEST_KEK = `test-1:${randomBytes(32).toString("base64")}`;
export const testKeyRing = parseKeyRing(TEST_KEK, "the test key");

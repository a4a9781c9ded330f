import { eq } from "drizzle-orm";
import { operatorSettings } from "../schema/index.ts";
import type { Db } from "./types.ts";

/** The operator's own details printed on statements: one row, id 'operator' (app/services/operator-settings.server.ts). */

export type OperatorSettingsRow = typeof operatorSettings.$inferSelect;

export const OPERATOR_SETTINGS_ID = "operator";

export async function findOperatorSettings(db: Db): Promise<OperatorSettingsRow | undefined> {
  const rows = await db.select().from(operatorSettings).where(eq(operatorSettings.id, OPERATOR_SETTINGS_ID)).limit(1);
  return rows[0];
}

/** Writes the one row; a logo left undefined keeps the stored one, null removes it. */
export async function upsertOperatorSettings(
  db: Db,
  values: { name: string; details: string | null; logo?: { base64: string; mime: "image/png" | "image/jpeg" } | null },
  now: Date,
): Promise<OperatorSettingsRow> {
  const logo = values.logo === undefined ? {} : { logoBase64: values.logo?.base64 ?? null, logoMime: values.logo?.mime ?? null };
  const set = { name: values.name, details: values.details, ...logo, updatedAt: now };
  const rows = await db
    .insert(operatorSettings)
    .values({ id: OPERATOR_SETTINGS_ID, ...set })
    .onConflictDoUpdate({ target: operatorSettings.id, set })
    .returning();
  return rows[0]!;
}

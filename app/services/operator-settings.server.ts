import { z } from "zod";
import { findOperatorSettings, upsertOperatorSettings, type OperatorSettingsRow } from "../../db/queries/operator-settings.ts";
import { db, transaction } from "~/lib/db.server";
import { AppError } from "~/lib/errors";
import { parseInput } from "~/lib/validation";
import { requireRole, type Actor } from "~/auth/actor";
import { recordAudit } from "./audit.server.ts";
import { OPERATOR_LOGO_MAX_BYTES, updateOperatorSettingsSchema, type OperatorLogoType, type UpdateOperatorSettingsInput } from "./operator-settings.schema.ts";
import { canEmbedImage, type StatementOperator } from "./statement-files.server.ts";

export { updateOperatorSettingsSchema };

/**
 * The operator's own details (docs/statements.md): the name, details and logo printed at the top of
 * every statement. One row; until an admin saves it, statements carry DEFAULT_OPERATOR_NAME.
 */

export const DEFAULT_OPERATOR_NAME = "SaaS LiteLLM";

export const operatorSettingsSchema = z.object({
  name: z.string(),
  details: z.string().nullable(),
  logo: z.object({ mime: z.enum(["image/png", "image/jpeg"]), base64: z.string(), bytes: z.number().int() }).nullable(),
  /** Null until an admin first saves the settings. */
  updated_at: z.string().nullable(),
});
export type OperatorSettings = z.infer<typeof operatorSettingsSchema>;

function view(row: OperatorSettingsRow | undefined): OperatorSettings {
  if (!row) return { name: DEFAULT_OPERATOR_NAME, details: null, logo: null, updated_at: null };
  const logo = row.logoBase64 && row.logoMime ? { mime: row.logoMime, base64: row.logoBase64, bytes: Buffer.from(row.logoBase64, "base64").length } : null;
  return { name: row.name, details: row.details, logo, updated_at: row.updatedAt.toISOString() };
}

/** The settings as the admin pages show them (viewers too). */
export async function getOperatorSettings(actor: Actor): Promise<OperatorSettings> {
  requireRole(actor, "viewer", "read the operator settings");
  return view(await findOperatorSettings(db()));
}

/** What statements print at the top; for the statements' own renderers, which have already checked who may read the statement. */
export async function statementOperator(): Promise<StatementOperator> {
  const settings = view(await findOperatorSettings(db()));
  return { name: settings.name, details: settings.details, logo: settings.logo ? { mime: settings.logo.mime, base64: settings.logo.base64 } : null };
}

/** The image type from its first bytes (what the file is, whatever its name or declared type says). */
function sniffImage(bytes: Buffer): OperatorLogoType | null {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return "image/png";
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
  return null;
}

const logoError = (message: string) => new AppError("BAD_REQUEST", message, { fieldErrors: { logo: [message] } });

/** Saves the operator's name, details and logo (admins and owners); audited without the image itself. */
export async function updateOperatorSettings(actor: Actor, input: UpdateOperatorSettingsInput): Promise<OperatorSettings> {
  requireRole(actor, "admin", "change the operator settings");
  const value = parseInput(updateOperatorSettingsSchema, input);
  let logo: { base64: string; mime: OperatorLogoType } | null | undefined;
  if (value.logo_base64) {
    const bytes = Buffer.from(value.logo_base64, "base64");
    if (bytes.length > OPERATOR_LOGO_MAX_BYTES) throw logoError(`The logo is ${Math.ceil(bytes.length / 1024)} KB; use a PNG or JPEG of at most 256 KB.`);
    const mime = sniffImage(bytes);
    if (!mime) throw logoError("The logo must be a PNG or JPEG image; this file is neither.");
    if (!canEmbedImage(bytes)) throw logoError("This image could not be read (it may be damaged); export it again as PNG or JPEG.");
    logo = { base64: bytes.toString("base64"), mime };
  } else if (value.remove_logo) logo = null;

  return transaction(async ({ tx }) => {
    const before = view(await findOperatorSettings(tx));
    const row = await upsertOperatorSettings(tx, { name: value.name, details: value.details ? value.details : null, logo }, new Date());
    const after = view(row);
    const summary = (s: OperatorSettings) => ({ name: s.name, details: s.details, logo: s.logo ? { mime: s.logo.mime, bytes: s.logo.bytes } : null });
    await recordAudit(tx, actor, "operator.update", "operator", { before: summary(before), after: summary(after) });
    return after;
  });
}

import { z } from "zod";

/**
 * What the operator-settings service takes: the operator's name, details and logo as printed at the
 * top of every statement (app/services/statement-files.server.ts). Client-safe (zod only), so the
 * settings form checks in the browser what the service checks again.
 */

export const OPERATOR_LOGO_MAX_BYTES = 256 * 1024;
export const OPERATOR_LOGO_TYPES = ["image/png", "image/jpeg"] as const;
export type OperatorLogoType = (typeof OPERATOR_LOGO_TYPES)[number];

const name = z
  .string({ required_error: "Give the name printed on statements" })
  .trim()
  .min(1, "Give the name printed on statements, such as your company's legal name")
  .max(200, "Use at most 200 characters");
// Line ends as LF, whatever the form sent (multipart bodies carry CRLF).
const details = z
  .string()
  .trim()
  .max(1000, "Use at most 1,000 characters")
  .transform((v) => v.replace(/\r\n?/g, "\n"))
  .optional();

/** The service's input (tRPC, REST and the settings page alike): the logo as base64 of a PNG or JPEG of at most 256 KB. */
export const updateOperatorSettingsSchema = z.object({
  name,
  /** Address, tax number, contact: printed under the name, line breaks kept. Empty clears it. */
  details,
  /** A new logo; left out keeps the current one. */
  logo_base64: z
    .string()
    .trim()
    .max(Math.ceil((OPERATOR_LOGO_MAX_BYTES * 4) / 3) + 4, "The logo must be at most 256 KB")
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, "Send the logo as base64")
    .optional(),
  /** True removes the logo (ignored when a new one is sent). */
  remove_logo: z.boolean().optional(),
});
export type UpdateOperatorSettingsInput = z.input<typeof updateOperatorSettingsSchema>;

/** The settings page's form: the logo as an uploaded file, checked for type and size before it is sent. */
export const operatorSettingsFormSchema = z.object({
  name,
  details,
  logo: z
    // A File from the browser's form or the server's multipart parser (which need not be the global File class).
    .custom<File>((v) => typeof v === "object" && v !== null && "arrayBuffer" in v && "size" in v && "type" in v, "Choose a PNG or JPEG file")
    .refine((f) => (OPERATOR_LOGO_TYPES as readonly string[]).includes(f.type), "The logo must be a PNG or JPEG image")
    .refine((f) => f.size <= OPERATOR_LOGO_MAX_BYTES, "The logo must be at most 256 KB")
    .optional(),
  remove_logo: z.boolean().optional(),
});

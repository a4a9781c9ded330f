import { z } from "zod";
import { ADMIN_ROLES } from "../../db/schema/roles.ts";

/**
 * What the API-tokens service takes as input.
 * Client-safe (zod only), so forms validate in the browser with the very schema the service parses.
 */

export const createApiTokenSchema = z.object({
  name: z
    .string({ required_error: "Give the token a name" })
    .trim()
    .min(1, "Give the token a name, such as the script that will use it")
    .max(100, "Use at most 100 characters"),
  role: z.enum(ADMIN_ROLES, { errorMap: () => ({ message: "Choose owner, admin or viewer" }) }),
});

export const revokeApiTokenSchema = z.object({ id: z.string({ required_error: "Give the token id" }).min(1, "Give the token id") });

import { z } from "zod";
import { ADMIN_ROLES } from "../../db/schema/roles.ts";

/**
 * What the admin-accounts service takes as input.
 * Client-safe (zod only), so forms validate in the browser with the very schema the service parses.
 */

export const createAdminAccountSchema = z.object({
  email: z.string({ required_error: "Enter an email" }).trim().email("Enter a valid email address, like ops@example.com").max(254),
  name: z.string({ required_error: "Enter a name" }).trim().min(1, "Enter a name").max(100, "Use at most 100 characters"),
  role: z.enum(ADMIN_ROLES, { errorMap: () => ({ message: "Choose owner, admin or viewer" }) }),
  password: z
    .string({ required_error: "Enter a password" })
    .min(12, "Use at least 12 characters")
    .max(200, "Use at most 200 characters"),
});

export const disableAdminAccountSchema = z.object({ id: z.string().min(1, "Give the account id") });

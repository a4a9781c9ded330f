import { z } from "zod";

/**
 * What the sign-in service takes as input.
 * Client-safe (zod only), so forms validate in the browser with the very schema the service parses.
 */

export const masterKeySignInSchema = z.object({
  masterKey: z.string({ required_error: "Enter the master key" }).trim().min(1, "Enter the master key"),
});

export const passwordSignInSchema = z.object({
  email: z.string({ required_error: "Enter your email" }).trim().email("Enter a valid email address, like you@example.com"),
  password: z.string({ required_error: "Enter your password" }).min(1, "Enter your password"),
});

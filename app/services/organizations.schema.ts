import { z } from "zod";

/**
 * What the organizations service takes as input (REST, tRPC and the admin forms).
 * Client-safe (zod only), so forms validate in the browser with the very schema the service parses.
 */

const name = z
  .string({ required_error: "Give the organization a name", invalid_type_error: "name must be text" })
  .trim()
  .min(1, "Give the organization a name")
  .max(100, "Use at most 100 characters");
const litellmOrganizationId = z
  .string({ required_error: "Give the LiteLLM organization id, e.g. acme-corp", invalid_type_error: "litellm_organization_id must be text" })
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, "Use 1–63 letters, digits, dots, dashes or underscores, starting with a letter or digit (e.g. acme-corp)");
const description = z.string({ invalid_type_error: "description must be text" }).trim().max(500, "Use at most 500 characters").nullish();

export const createOrganizationSchema = z.object({ name, litellm_organization_id: litellmOrganizationId, description });
export const updateOrganizationSchema = z.object({
  organization_id: z.string({ required_error: "Say which organization (organization_id)" }).min(1),
  name: name.optional(),
  litellm_organization_id: litellmOrganizationId.optional(),
  description,
});
export const organizationIdSchema = z.object({ organization_id: z.string({ required_error: "Say which organization (organization_id)" }).min(1) });

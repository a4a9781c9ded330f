import { z } from "zod";

/**
 * What the model-groups service takes as input (REST, tRPC and the admin forms).
 * Client-safe (zod only), so forms validate in the browser with the very schema the service parses.
 */

const name = z
  .string({ required_error: "Give the model group a name, e.g. basic-models", invalid_type_error: "name must be text" })
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "Use 1–64 letters, digits, dots, dashes or underscores (e.g. basic-models)");
const models = z
  .array(z.string({ invalid_type_error: "Each model must be a name (text)" }).trim().min(1, "Model names cannot be empty"), {
    required_error: "List the LiteLLM models of this group, e.g. [\"gpt-3.5-turbo\"]",
    invalid_type_error: "models must be a list of LiteLLM model names",
  })
  .min(1, "List at least one LiteLLM model")
  .max(200, "Use at most 200 models")
  .transform((list) => [...new Set(list)]);
const description = z.string({ invalid_type_error: "description must be text" }).trim().max(500, "Use at most 500 characters").nullish();

export const createModelGroupSchema = z.object({ name, models, description });
export const updateModelGroupSchema = z.object({
  model_group_id: z.string({ required_error: "Say which model group (model_group_id)" }).min(1),
  name: name.optional(),
  models: models.optional(),
  description,
});
export const modelGroupIdSchema = z.object({ model_group_id: z.string({ required_error: "Say which model group (model_group_id)" }).min(1) });

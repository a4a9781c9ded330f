import { randomUUID } from "node:crypto";
import { z } from "zod";
import {
  deleteModelGroupRow,
  findModelGroupById,
  findModelGroupByName,
  insertModelGroup,
  listModelGroups as listModelGroupRows,
  listUnverifiedModelGroups,
  teamsUsingModelGroup,
  updateModelGroupRow,
  type ModelGroupRow,
} from "../../db/queries/model-groups.ts";
import { bumpDesiredVersion } from "../../db/queries/teams.ts";
import { litellm } from "~/integrations/litellm/client.server";
import { isLiteLLMError } from "~/integrations/litellm/errors";
import { sendJob } from "~/jobs/boss.server";
import { db, transaction } from "~/lib/db.server";
import { AppError } from "~/lib/errors";
import { logger } from "~/lib/logger.server";
import { parseInput } from "~/lib/validation";
import { requireRole, type Actor } from "~/auth/actor";
import { recordAudit } from "./audit.server.ts";
import { createModelGroupSchema, modelGroupIdSchema, updateModelGroupSchema } from "./model-groups.schema.ts";

export { createModelGroupSchema, modelGroupIdSchema, updateModelGroupSchema };

export const modelGroupSchema = z.object({
  model_group_id: z.string(),
  name: z.string(),
  models: z.array(z.string()),
  description: z.string().nullable(),
  /** `unverified`: saved while LiteLLM could not be asked; checked again by the reconcile job. */
  verification: z.enum(["verified", "unverified", "invalid"]),
  verification_error: z.string().nullable(),
  verified_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ModelGroup = z.infer<typeof modelGroupSchema>;
export const modelGroupDetailSchema = modelGroupSchema.extend({ teams: z.array(z.object({ team_id: z.string(), name: z.string() })) });

function view(row: ModelGroupRow): ModelGroup {
  return {
    model_group_id: row.id,
    name: row.name,
    models: row.models,
    description: row.description,
    verification: row.verification,
    verification_error: row.verificationError,
    verified_at: row.verifiedAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

type Verification = { verification: "verified" | "unverified"; verificationError: string | null; verifiedAt: Date | null };

/**
 * Checks model names against what LiteLLM serves, exactly and case-sensitively. Unknown names are
 * refused with the list of valid ones; when LiteLLM cannot be asked, the group is kept unverified.
 */
async function verifyModels(list: string[]): Promise<Verification> {
  let served: string[];
  try {
    served = (await litellm().modelInfo()).map((m) => m.model_name);
  } catch (error) {
    if (!isLiteLLMError(error)) throw error;
    return { verification: "unverified", verificationError: `Not checked yet: LiteLLM could not be asked (${error.message}).`, verifiedAt: null };
  }
  const known = new Set(served);
  const unknown = list.filter((m) => !known.has(m));
  if (unknown.length) {
    const hints = unknown.map((m) => {
      const caseOnly = served.find((s) => s.toLowerCase() === m.toLowerCase());
      return caseOnly ? `${m} (did you mean ${caseOnly}? names are case-sensitive)` : m;
    });
    const valid = [...new Set(served)].sort().join(", ") || "none yet: add models in LiteLLM first";
    throw new AppError("BAD_REQUEST", `LiteLLM does not serve ${hints.join(", ")}. Model names must match LiteLLM's exactly. Valid names: ${valid}.`, {
      fieldErrors: { models: [`Unknown to LiteLLM: ${hints.join(", ")}. Valid names: ${valid}`] },
    });
  }
  return { verification: "verified", verificationError: null, verifiedAt: new Date() };
}

export async function createModelGroup(actor: Actor, input: z.input<typeof createModelGroupSchema>): Promise<ModelGroup> {
  requireRole(actor, "admin", "create model groups");
  const values = parseInput(createModelGroupSchema, input);
  const verification = await verifyModels(values.models);
  return transaction(async ({ tx }) => {
    if (await findModelGroupByName(tx, values.name)) {
      throw new AppError("CONFLICT", `A model group named ${values.name} already exists.`, { fieldErrors: { name: ["A model group with this name already exists"] } });
    }
    const row = await insertModelGroup(tx, { id: randomUUID(), name: values.name, models: values.models, description: values.description ?? null, ...verification });
    if (!row) throw new AppError("CONFLICT", `A model group named ${values.name} already exists.`, { fieldErrors: { name: ["A model group with this name already exists"] } });
    await recordAudit(tx, actor, "model-group.create", row.id, { after: view(row) });
    return view(row);
  });
}

export async function listModelGroups(actor: Actor): Promise<ModelGroup[]> {
  requireRole(actor, "viewer", "see model groups");
  return (await listModelGroupRows(db())).map(view);
}

export async function getModelGroup(actor: Actor, input: z.input<typeof modelGroupIdSchema>): Promise<z.infer<typeof modelGroupDetailSchema>> {
  requireRole(actor, "viewer", "see model groups");
  const { model_group_id } = parseInput(modelGroupIdSchema, input);
  const row = await findModelGroupById(db(), model_group_id);
  if (!row) throw new AppError("NOT_FOUND", `No model group has the id ${model_group_id}.`);
  const users = await teamsUsingModelGroup(db(), row.id);
  return { ...view(row), teams: users.map((t) => ({ team_id: t.id, name: t.name })) };
}

/** Changes a group; when its models change, every team using it is brought in line in LiteLLM (no new keys). */
export async function updateModelGroup(actor: Actor, input: z.input<typeof updateModelGroupSchema>): Promise<ModelGroup> {
  requireRole(actor, "admin", "change model groups");
  const values = parseInput(updateModelGroupSchema, input);
  const verification = values.models ? await verifyModels(values.models) : undefined;
  return transaction(async ({ tx }) => {
    const before = await findModelGroupById(tx, values.model_group_id);
    if (!before) throw new AppError("NOT_FOUND", `No model group has the id ${values.model_group_id}.`);
    if (values.name && values.name.toLowerCase() !== before.name.toLowerCase() && (await findModelGroupByName(tx, values.name))) {
      throw new AppError("CONFLICT", `A model group named ${values.name} already exists.`, { fieldErrors: { name: ["A model group with this name already exists"] } });
    }
    const row = (await updateModelGroupRow(tx, before.id, {
      ...(values.name !== undefined ? { name: values.name } : {}),
      ...(values.description !== undefined ? { description: values.description } : {}),
      ...(values.models ? { models: values.models, ...verification } : {}),
    }))!;
    const modelsChanged = values.models && JSON.stringify([...values.models].sort()) !== JSON.stringify([...before.models].sort());
    if (modelsChanged) {
      const affected = (await teamsUsingModelGroup(tx, before.id)).map((t) => t.id);
      await bumpDesiredVersion(tx, affected);
      for (const teamId of affected) await sendJob("sync-team", { teamId, reason: "change" }, { tx, singletonKey: teamId });
    }
    await recordAudit(tx, actor, "model-group.update", before.id, { before: view(before), after: view(row) });
    return view(row);
  });
}

/** Deletes a group no team uses; refused, naming the teams, while any does. */
export async function deleteModelGroup(actor: Actor, input: z.input<typeof modelGroupIdSchema>): Promise<{ deleted: true }> {
  requireRole(actor, "admin", "delete model groups");
  const { model_group_id } = parseInput(modelGroupIdSchema, input);
  return transaction(async ({ tx }) => {
    const before = await findModelGroupById(tx, model_group_id);
    if (!before) throw new AppError("NOT_FOUND", `No model group has the id ${model_group_id}.`);
    const users = await teamsUsingModelGroup(tx, before.id);
    if (users.length) {
      throw new AppError("CONFLICT", `The model group ${before.name} is used by ${users.map((t) => t.name).join(", ")}. Remove it from ${users.length === 1 ? "that team" : "those teams"} first.`);
    }
    await deleteModelGroupRow(tx, before.id);
    await recordAudit(tx, actor, "model-group.delete", before.id, { before: view(before) });
    return { deleted: true as const };
  });
}

/** For the reconcile job: checks groups saved while LiteLLM was unreachable. Unknown names mark the group invalid. */
export async function reverifyModelGroups(): Promise<void> {
  for (const group of await listUnverifiedModelGroups(db())) {
    try {
      const verification = await verifyModels(group.models);
      if (verification.verification === "verified") await updateModelGroupRow(db(), group.id, verification);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      await updateModelGroupRow(db(), group.id, { verification: "invalid", verificationError: error.userMessage, verifiedAt: null });
      logger().warn({ modelGroup: group.name }, "model group names are unknown to LiteLLM");
    }
  }
}

import { randomUUID } from "node:crypto";
import { z } from "zod";
import { findModelGroupsByNames } from "../../db/queries/model-groups.ts";
import { findOrganizationById } from "../../db/queries/organizations.ts";
import {
  bumpDesiredVersion,
  findActiveTeamByName,
  findTeamById,
  insertTeam,
  insertTeamKey,
  keysOfTeam,
  keysOfTeams,
  listTeams as listTeamRows,
  lockTeam,
  modelGroupsOfTeams,
  setTeamKeyStatus,
  setTeamModelGroups,
  updateTeamRow,
  type TeamKeyRow,
  type TeamRow,
} from "../../db/queries/teams.ts";
import type { Db } from "../../db/queries/types.ts";
import { hashKey, newVirtualKey } from "~/integrations/litellm/client.server";
import { sendJob } from "~/jobs/boss.server";
import { decryptSecret, encryptSecret } from "~/lib/crypto.server";
import { db, transaction } from "~/lib/db.server";
import { AppError } from "~/lib/errors";
import { maskKey } from "~/lib/logger.server";
import { parseInput } from "~/lib/validation";
import { can, isCustomer, requireRole, requireTeamAccess, type Actor, type AdminActor } from "~/auth/actor";
import type { AdminRole } from "../../db/schema/index.ts";
import { recordAudit } from "./audit.server.ts";
import { ensurePeriod } from "./budget.server.ts";

// ── input ───────────────────────────────────────────────────────────────────────────────────────

const MAX_BUDGET = 1_000_000_000;
const money = z
  .number({ invalid_type_error: "max_budget must be a number of USD, e.g. 100.0" })
  .finite("max_budget must be a finite number")
  .min(0, "max_budget cannot be negative")
  .max(MAX_BUDGET, `max_budget must be at most ${MAX_BUDGET}`)
  .refine((v) => Math.round(v * 100) === v * 100 || Math.abs(Math.round(v * 100) - v * 100) < 1e-6, "max_budget can have at most two decimals (cents)");
const duration = z
  .string({ invalid_type_error: "budget_duration must be text like 30d" })
  .trim()
  .regex(/^([1-9]\d{0,2})(d|mo)$/, "Use a duration like 1d, 7d, 30d or 1mo, or leave it empty for a one-off budget");
const limit = (field: string, max: number) =>
  z
    .number({ invalid_type_error: `${field} must be a whole number` })
    .int(`${field} must be a whole number`)
    .min(1, `${field} must be at least 1 (leave it empty for no limit)`)
    .max(max, `${field} must be at most ${max}`);
const modelGroupNames = z
  .array(z.string({ invalid_type_error: "Each model group is a name" }).trim().min(1, "Model group names cannot be empty"), {
    required_error: "Choose at least one model group (model_groups), e.g. [\"basic-models\"]",
    invalid_type_error: "model_groups must be a list of model group names",
  })
  .min(1, "Choose at least one model group")
  .transform((list) => [...new Set(list)]);
const teamName = z
  .string({ required_error: "Give the team a name", invalid_type_error: "name must be text" })
  .trim()
  .min(1, "Give the team a name")
  .max(100, "Use at most 100 characters");

export const createTeamSchema = z.object({
  name: teamName,
  organization_id: z.string({ required_error: "Say which organization the team belongs to (organization_id)" }).trim().min(1, "Say which organization"),
  model_groups: modelGroupNames,
  max_budget: money.nullish(),
  budget_duration: duration.nullish(),
  budget_mode: z.enum(["hard", "soft"], { errorMap: () => ({ message: "budget_mode must be hard or soft" }) }).default("hard"),
  rpm_limit: limit("rpm_limit", 10_000_000).nullish(),
  tpm_limit: limit("tpm_limit", 10_000_000_000).nullish(),
  /** Make a job of any spend row whose session id is not yet one of the team's jobs (docs/jobs.md). Off by default. */
  implicit_jobs: z.boolean({ invalid_type_error: "implicit_jobs must be true or false" }).optional(),
});

const teamId = z.string({ required_error: "Say which team (team_id)" }).trim().min(1, "Say which team (team_id)");
export const teamIdSchema = z.object({ team_id: teamId });
export const updateTeamSchema = z.object({
  team_id: teamId,
  name: teamName.optional(),
  model_groups: modelGroupNames.optional(),
  max_budget: money.nullish(),
  budget_duration: duration.nullish(),
  budget_mode: z.enum(["hard", "soft"], { errorMap: () => ({ message: "budget_mode must be hard or soft" }) }).optional(),
  rpm_limit: limit("rpm_limit", 10_000_000).nullish(),
  tpm_limit: limit("tpm_limit", 10_000_000_000).nullish(),
  implicit_jobs: z.boolean({ invalid_type_error: "implicit_jobs must be true or false" }).optional(),
});
export const listTeamsSchema = z.object({ organization_id: z.string().trim().min(1).optional() }).default({});

// ── output ──────────────────────────────────────────────────────────────────────────────────────

export const teamSchema = z.object({
  team_id: z.string(),
  name: z.string(),
  organization_id: z.string(),
  organization_name: z.string(),
  model_groups: z.array(z.string()),
  /** The models the team may call: the union of its model groups' models. */
  models: z.array(z.string()),
  max_budget: z.number().nullable(),
  budget_duration: z.string().nullable(),
  budget_mode: z.enum(["hard", "soft"]),
  rpm_limit: z.number().nullable(),
  tpm_limit: z.number().nullable(),
  /** Whether ingestion makes a job of a session id the team has not created (docs/jobs.md). */
  implicit_jobs: z.boolean(),
  status: z.enum(["active", "suspended", "deleted"]),
  /** True until LiteLLM has the team and its key for the first time. */
  provisioning: z.boolean(),
  sync: z.object({
    state: z.enum(["pending", "in_sync", "failing"]),
    last_error: z.string().nullable(),
    next_retry_at: z.string().nullable(),
    synced_at: z.string().nullable(),
  }),
  /** The raw key: admins only, on request (every reveal is audited); null while provisioning and for viewers. */
  virtual_key: z.string().nullable(),
  /** Always safe to show. */
  virtual_key_masked: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Team = z.infer<typeof teamSchema>;

type Loaded = { team: TeamRow; organizationName: string; groups: Array<{ name: string; models: string[] }>; keys: TeamKeyRow[] };

function currentKey(keys: TeamKeyRow[]) {
  return keys.find((k) => k.status === "live") ?? null;
}

function view(loaded: Loaded, reveal: boolean): Team {
  const { team, groups } = loaded;
  const live = currentKey(loaded.keys);
  const raw = live ? decryptSecret(live.keyEncrypted) : null;
  return {
    team_id: team.id,
    name: team.name,
    organization_id: team.organizationId,
    organization_name: loaded.organizationName,
    model_groups: groups.map((g) => g.name),
    models: desiredModels(groups),
    max_budget: team.maxBudget === null ? null : Number(team.maxBudget),
    budget_duration: team.budgetDuration,
    budget_mode: team.budgetMode,
    rpm_limit: team.rpmLimit,
    tpm_limit: team.tpmLimit,
    implicit_jobs: team.implicitJobs,
    status: team.status,
    provisioning: !live && team.status !== "deleted",
    sync: {
      state: team.syncState,
      last_error: team.syncError,
      next_retry_at: team.syncState === "failing" ? (team.nextSyncAt?.toISOString() ?? null) : null,
      synced_at: team.syncedAt?.toISOString() ?? null,
    },
    virtual_key: reveal ? raw : null,
    virtual_key_masked: raw ? maskKey(raw) : null,
    created_at: team.createdAt.toISOString(),
    updated_at: team.updatedAt.toISOString(),
  };
}

/** The models a team may call: the union of its groups' models, sorted. */
export function desiredModels(groups: Array<{ models: string[] }>): string[] {
  return [...new Set(groups.flatMap((g) => g.models))].sort();
}

async function load(tx: Db, id: string): Promise<Loaded> {
  const team = await findTeamById(tx, id);
  if (!team || team.status === "deleted") throw new AppError("NOT_FOUND", `No team has the id ${id}.`);
  const [org, groups, keys] = await Promise.all([findOrganizationById(tx, team.organizationId), modelGroupsOfTeams(tx, [id]), keysOfTeam(tx, id)]);
  return { team, organizationName: org?.name ?? "", groups, keys };
}

async function resolveModelGroups(tx: Db, names: string[]) {
  const found = await findModelGroupsByNames(tx, names);
  const missing = names.filter((n) => !found.some((g) => g.name.toLowerCase() === n.toLowerCase()));
  if (missing.length) {
    throw new AppError("BAD_REQUEST", `Unknown model group${missing.length > 1 ? "s" : ""}: ${missing.join(", ")}. Create ${missing.length > 1 ? "them" : "it"} first, or pick existing ones.`, {
      fieldErrors: { model_groups: [`Unknown: ${missing.join(", ")}`] },
    });
  }
  return found;
}

/** A new key for the team, chosen by us and stored encrypted before LiteLLM hears of it. */
async function addPendingKey(tx: Db, teamIdValue: string) {
  const raw = newVirtualKey();
  return insertTeamKey(tx, {
    id: randomUUID(),
    teamId: teamIdValue,
    keyHash: hashKey(raw),
    keyEncrypted: encryptSecret(raw),
    keyAlias: `saas-${teamIdValue}-${Date.now().toString(36)}`,
    status: "pending",
  });
}

async function enqueueSync(tx: Db, id: string) {
  await bumpDesiredVersion(tx, [id]);
  await sendJob("sync-team", { teamId: id, reason: "change" }, { tx, singletonKey: id });
}

/** Waits (briefly) for the worker to make the team's key live, so callers usually get it at once. */
async function waitForLiveKey(id: string, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    const keys = await keysOfTeam(db(), id);
    if (keys.some((k) => k.status === "live") && !keys.some((k) => k.status === "pending")) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function revealFor(actor: Actor, requested: boolean) {
  return requested && can(actor, "admin");
}

async function auditReveal(actor: Actor, t: Team) {
  if (t.virtual_key) await recordAudit(db(), actor, "team.key.reveal", t.team_id, { key: t.virtual_key_masked });
}

// ── operations ──────────────────────────────────────────────────────────────────────────────────

/**
 * Creates a team and, in the same transaction, the job that provisions it in LiteLLM (a LiteLLM
 * team with the union of its model groups' models and its limits, and a virtual key under it).
 * Waits up to `waitMs` for the worker, so the answer usually carries the key; otherwise it says the
 * team is provisioning and the key appears when the worker succeeds.
 */
export async function createTeam(actor: Actor, input: z.input<typeof createTeamSchema>, options: { waitMs?: number; revealKey?: boolean } = {}): Promise<Team> {
  requireRole(actor, "admin", "create teams");
  const values = parseInput(createTeamSchema, input);
  const id = `team-${randomUUID()}`;
  await transaction(async ({ tx }) => {
    const org = await findOrganizationById(tx, values.organization_id);
    if (!org) {
      throw new AppError("BAD_REQUEST", `No organization has the id ${values.organization_id}. Create it first, or use an existing organization_id.`, {
        fieldErrors: { organization_id: ["Unknown organization"] },
      });
    }
    if (await findActiveTeamByName(tx, org.id, values.name)) {
      throw new AppError("CONFLICT", `${org.name} already has a team named ${values.name}.`, { fieldErrors: { name: ["This organization already has a team with this name"] } });
    }
    const groups = await resolveModelGroups(tx, values.model_groups);
    const inserted = await insertTeam(tx, {
      id,
      name: values.name,
      organizationId: org.id,
      maxBudget: values.max_budget == null ? null : values.max_budget.toFixed(2),
      budgetDuration: values.budget_duration ?? null,
      budgetMode: values.budget_mode,
      rpmLimit: values.rpm_limit ?? null,
      tpmLimit: values.tpm_limit ?? null,
      implicitJobs: values.implicit_jobs ?? false,
    });
    await setTeamModelGroups(tx, id, groups.map((g) => g.id));
    // The first budget period opens now (LiteLLM has spent nothing for this team yet), so credits added
    // before the worker runs already belong to it.
    await ensurePeriod(tx, inserted, 0n, inserted.budgetStartsAt);
    await addPendingKey(tx, id);
    await sendJob("sync-team", { teamId: id, reason: "change" }, { tx, singletonKey: id });
    await recordAudit(tx, actor, "team.create", id, { after: { ...values, model_groups: groups.map((g) => g.name) } });
  });
  await waitForLiveKey(id, options.waitMs ?? 5000);
  const team = view(await load(db(), id), revealFor(actor, options.revealKey ?? true));
  await auditReveal(actor, team);
  return team;
}

/**
 * The role check of a team-scoped service: another team's customer gets the not-found of a missing
 * team (requireTeamAccess), its own team's customer and too-low admins the role's refusal.
 */
function requireTeamRole(actor: Actor, input: unknown, role: AdminRole, action: string): asserts actor is AdminActor {
  const teamId = (input as { team_id?: unknown } | null)?.team_id;
  if (isCustomer(actor) && typeof teamId === "string") requireTeamAccess(actor, teamId, action, role);
  requireRole(actor, role, action);
}

export async function getTeam(actor: Actor, input: z.input<typeof teamIdSchema>, options: { revealKey?: boolean } = {}): Promise<Team> {
  requireTeamRole(actor, input, "viewer", "see teams");
  // The team's record (its LiteLLM ids, sync errors, masked key) is for admins; the portal shows the customer its own view.
  requireRole(actor, "viewer", "see teams");
  const { team_id } = parseInput(teamIdSchema, input);
  const team = view(await load(db(), team_id), revealFor(actor, options.revealKey ?? false));
  await auditReveal(actor, team);
  return team;
}

export async function listTeams(actor: Actor, input: z.input<typeof listTeamsSchema> = {}): Promise<Team[]> {
  requireRole(actor, "viewer", "see teams");
  const filter = parseInput(listTeamsSchema, input ?? {});
  const rows = await listTeamRows(db(), { organizationId: filter.organization_id });
  const ids = rows.map((r) => r.team.id);
  const [groups, keys] = await Promise.all([modelGroupsOfTeams(db(), ids), keysOfTeams(db(), ids)]);
  return rows.map((r) =>
    view({ team: r.team, organizationName: r.organizationName, groups: groups.filter((g) => g.teamId === r.team.id), keys: keys.filter((k) => k.teamId === r.team.id) }, false),
  );
}

/** Changes a team's model groups, budget, limits, mode or name; LiteLLM follows within seconds, with the same key. */
export async function updateTeam(actor: Actor, input: z.input<typeof updateTeamSchema>): Promise<Team> {
  requireTeamRole(actor, input, "admin", "change teams");
  const values = parseInput(updateTeamSchema, input);
  await transaction(async ({ tx }) => {
    const locked = await lockTeam(tx, values.team_id);
    if (!locked || locked.status === "deleted") throw new AppError("NOT_FOUND", `No team has the id ${values.team_id}.`);
    const before = view(await load(tx, values.team_id), false);
    if (values.name && values.name.toLowerCase() !== locked.name.toLowerCase()) {
      const same = await findActiveTeamByName(tx, locked.organizationId, values.name);
      if (same) throw new AppError("CONFLICT", `This organization already has a team named ${values.name}.`, { fieldErrors: { name: ["Name already used in this organization"] } });
    }
    if (values.model_groups) {
      const groups = await resolveModelGroups(tx, values.model_groups);
      await setTeamModelGroups(tx, locked.id, groups.map((g) => g.id));
    }
    await updateTeamRow(tx, locked.id, {
      ...(values.name !== undefined ? { name: values.name } : {}),
      ...(values.max_budget !== undefined ? { maxBudget: values.max_budget === null ? null : values.max_budget.toFixed(2) } : {}),
      // A new duration starts a new period now (the budget's anchor moves); a new amount applies to this period.
      ...(values.budget_duration !== undefined && values.budget_duration !== locked.budgetDuration
        ? { budgetDuration: values.budget_duration, budgetStartsAt: new Date() }
        : {}),
      ...(values.budget_mode !== undefined ? { budgetMode: values.budget_mode } : {}),
      ...(values.rpm_limit !== undefined ? { rpmLimit: values.rpm_limit } : {}),
      ...(values.tpm_limit !== undefined ? { tpmLimit: values.tpm_limit } : {}),
      ...(values.implicit_jobs !== undefined ? { implicitJobs: values.implicit_jobs } : {}),
    });
    await enqueueSync(tx, locked.id);
    const after = view(await load(tx, values.team_id), false);
    await recordAudit(tx, actor, "team.update", locked.id, { before, after });
  });
  return view(await load(db(), values.team_id), false);
}

async function changeStatus(actor: Actor, input: z.input<typeof teamIdSchema>, to: "active" | "suspended", action: string): Promise<Team> {
  requireTeamRole(actor, input, "admin", action === "team.suspend" ? "suspend teams" : "resume teams");
  const { team_id } = parseInput(teamIdSchema, input);
  await transaction(async ({ tx }) => {
    const locked = await lockTeam(tx, team_id);
    if (!locked || locked.status === "deleted") throw new AppError("NOT_FOUND", `No team has the id ${team_id}.`);
    if (locked.status === to) return;
    await updateTeamRow(tx, team_id, { status: to });
    await enqueueSync(tx, team_id);
    await recordAudit(tx, actor, action, team_id, { before: { status: locked.status }, after: { status: to } });
  });
  return view(await load(db(), team_id), false);
}

/** Blocks the team in LiteLLM: its key is refused until the team is resumed. */
export const suspendTeam = (actor: Actor, input: z.input<typeof teamIdSchema>) => changeStatus(actor, input, "suspended", "team.suspend");
export const resumeTeam = (actor: Actor, input: z.input<typeof teamIdSchema>) => changeStatus(actor, input, "active", "team.resume");

/** A new key under the same team; the old one is revoked in LiteLLM and its hash kept, so its spend still matches. */
export async function rotateTeamKey(actor: Actor, input: z.input<typeof teamIdSchema>, options: { waitMs?: number; revealKey?: boolean } = {}): Promise<Team> {
  requireTeamRole(actor, input, "admin", "rotate keys");
  const { team_id } = parseInput(teamIdSchema, input);
  await transaction(async ({ tx }) => {
    const locked = await lockTeam(tx, team_id);
    if (!locked || locked.status === "deleted") throw new AppError("NOT_FOUND", `No team has the id ${team_id}.`);
    const keys = await keysOfTeam(tx, team_id);
    if (keys.some((k) => k.status === "pending")) throw new AppError("CONFLICT", "A new key is already being made for this team; wait a few seconds and reload.");
    for (const k of keys.filter((k) => k.status === "live")) await setTeamKeyStatus(tx, k.id, "retiring");
    await addPendingKey(tx, team_id);
    await enqueueSync(tx, team_id);
    await recordAudit(tx, actor, "team.key.rotate", team_id, { before: { keys: keys.filter((k) => k.status === "live").map((k) => maskKey(decryptSecret(k.keyEncrypted))) } });
  });
  await waitForLiveKey(team_id, options.waitMs ?? 5000);
  const team = view(await load(db(), team_id), revealFor(actor, options.revealKey ?? true));
  await auditReveal(actor, team);
  return team;
}

/** Removes the team and its keys from LiteLLM; our history (usage, audit, key hashes) stays. */
export async function deleteTeam(actor: Actor, input: z.input<typeof teamIdSchema>): Promise<{ team_id: string; name: string; deleted: true }> {
  requireTeamRole(actor, input, "admin", "delete teams");
  const { team_id } = parseInput(teamIdSchema, input);
  const name = await transaction(async ({ tx }) => {
    const locked = await lockTeam(tx, team_id);
    if (!locked || locked.status === "deleted") throw new AppError("NOT_FOUND", `No team has the id ${team_id}.`);
    await updateTeamRow(tx, team_id, { status: "deleted", deletedAt: new Date() });
    await enqueueSync(tx, team_id);
    await recordAudit(tx, actor, "team.delete", team_id, { before: { name: locked.name, status: locked.status } });
    return locked.name;
  });
  return { team_id, name, deleted: true };
}

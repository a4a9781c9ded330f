import { randomUUID } from "node:crypto";
import { z } from "zod";
import { findOrganizationById, listOrganizations } from "../../db/queries/organizations.ts";
import {
  insertPriceVersion,
  lastVersionNumber,
  listVersions,
  lockPriceList,
  modelPricesOf,
  versionsOfOrganizations,
  type ModelPriceRow,
  type PriceVersionRow,
} from "../../db/queries/price-lists.ts";
import { bumpDesiredVersion, findTeamById, listTeams } from "../../db/queries/teams.ts";
import type { Db } from "../../db/queries/types.ts";
import { sendJob } from "~/jobs/boss.server";
import { db, transaction } from "~/lib/db.server";
import { AppError } from "~/lib/errors";
import { parseInput } from "~/lib/validation";
import { noSuchTeam, requireRole, type Actor } from "~/auth/actor";
import { recordAudit } from "./audit.server.ts";
import { organizationPriceListSchema, setOrganizationPriceListSchema, setTeamPriceListSchema, teamPriceListSchema } from "./price-lists.schema.ts";

export { organizationPriceListSchema, setOrganizationPriceListSchema, setTeamPriceListSchema, teamPriceListSchema };

/**
 * Price lists (docs/billing.md): what a customer pays. Append-only versions with an effective time,
 * now or later; ingestion prices each request by the version in force at its start time
 * (db/queries/usage-ingest.ts), so a change never reprices a call already made.
 */

/** How far in the past an effective_at may be and still mean "now" (clocks of callers drift a little). */
export const EFFECTIVE_AT_SKEW_MS = 60_000;

export const priceVersionSchema = z.object({
  version_id: z.string(),
  organization_id: z.string(),
  team_id: z.string().nullable(),
  version: z.number().int(),
  kind: z.enum(["markup", "per_model", "inherit"]),
  markup_percent: z.number().nullable(),
  fallback_markup_percent: z.number().nullable(),
  models: z.array(z.object({ model: z.string(), input_per_million: z.number(), output_per_million: z.number() })),
  effective_at: z.string(),
  created_at: z.string(),
  created_by: z.string(),
  note: z.string().nullable(),
});
export type PriceVersion = z.infer<typeof priceVersionSchema>;

export const priceListSchema = z.object({
  organization_id: z.string(),
  team_id: z.string().nullable(),
  /** The version of this list in force now (null: none yet). */
  current: priceVersionSchema.nullable(),
  /** Versions that take effect later, soonest first. */
  upcoming: z.array(priceVersionSchema),
  /** Every version, newest first. */
  history: z.array(priceVersionSchema),
  /** What prices the team's (or organization's) requests now: its own list, its organization's, or none (billed at cost). */
  effective: z.object({ source: z.enum(["team", "organization", "none"]), version: priceVersionSchema.nullable() }),
});
export type PriceList = z.infer<typeof priceListSchema>;

const num = (v: string | null) => (v === null ? null : Number(v));

function view(row: PriceVersionRow, prices: ModelPriceRow[]): PriceVersion {
  return {
    version_id: row.id,
    organization_id: row.organizationId,
    team_id: row.teamId,
    version: row.version,
    kind: row.kind,
    markup_percent: num(row.markupPercent),
    fallback_markup_percent: num(row.fallbackMarkupPercent),
    models: prices.filter((p) => p.versionId === row.id).map((p) => ({ model: p.model, input_per_million: Number(p.inputPerMillion), output_per_million: Number(p.outputPerMillion) })),
    effective_at: row.effectiveAt.toISOString(),
    created_at: row.createdAt.toISOString(),
    created_by: row.createdBy,
    note: row.note,
  };
}

/** The version of `versions` (one list, any order) in force at `at`. */
function inForce(versions: PriceVersionRow[], at: Date): PriceVersionRow | undefined {
  let best: PriceVersionRow | undefined;
  for (const v of versions) if (v.effectiveAt <= at && (!best || v.effectiveAt > best.effectiveAt || (v.effectiveAt.getTime() === best.effectiveAt.getTime() && v.version > best.version))) best = v;
  return best;
}

/**
 * The version that prices a request of the team at `at` (as ingestion decides): the team's own list
 * in force (unless it is `inherit`), else its organization's; undefined: billed at cost.
 */
export function versionFor(own: PriceVersionRow[], organization: PriceVersionRow[], at: Date): { source: "team" | "organization" | "none"; version: PriceVersionRow | undefined } {
  const mine = inForce(own, at);
  if (mine && mine.kind !== "inherit") return { source: "team", version: mine };
  const theirs = inForce(organization, at);
  return theirs ? { source: "organization", version: theirs } : { source: "none", version: undefined };
}

async function listOf(tx: Db, organizationId: string, teamId: string | null, now: Date): Promise<PriceList> {
  const [versions, organizationVersions] = await Promise.all([listVersions(tx, organizationId, teamId), teamId ? listVersions(tx, organizationId, null) : Promise.resolve([])]);
  const prices = await modelPricesOf(tx, [...versions, ...organizationVersions].map((v) => v.id));
  const current = inForce(versions, now);
  const effective = teamId ? versionFor(versions, organizationVersions, now) : { source: current ? ("organization" as const) : ("none" as const), version: current };
  return {
    organization_id: organizationId,
    team_id: teamId,
    current: current ? view(current, prices) : null,
    upcoming: versions
      .filter((v) => v.effectiveAt > now)
      .sort((a, b) => a.effectiveAt.getTime() - b.effectiveAt.getTime())
      .map((v) => view(v, prices)),
    history: versions.map((v) => view(v, prices)),
    effective: { source: effective.source, version: effective.version ? view(effective.version, prices) : null },
  };
}

function effectiveTime(given: string | null | undefined, now: Date): Date {
  if (!given) return now;
  const at = new Date(given);
  if (at.getTime() < now.getTime() - EFFECTIVE_AT_SKEW_MS) {
    throw new AppError("BAD_REQUEST", `effective_at ${given} is in the past: a price change takes effect now or later, never earlier (history is never rewritten).`, {
      fieldErrors: { effective_at: ["Use now (leave it out) or a later time"] },
    });
  }
  return at < now ? now : at;
}

type ListValues = z.output<typeof setTeamPriceListSchema>;

async function writeVersion(actor: Actor & { userId: string }, organizationId: string, teamId: string | null, values: ListValues, now: Date): Promise<PriceList> {
  const effectiveAt = effectiveTime(values.effective_at, now);
  return transaction(async ({ tx }) => {
    await lockPriceList(tx, organizationId, teamId);
    const version = (await lastVersionNumber(tx, organizationId, teamId)) + 1;
    const row = await insertPriceVersion(
      tx,
      {
        id: randomUUID(),
        organizationId,
        teamId,
        version,
        kind: values.kind,
        markupPercent: values.kind === "markup" ? (values.markup_percent ?? null) : null,
        fallbackMarkupPercent: values.kind === "per_model" ? (values.fallback_markup_percent ?? null) : null,
        effectiveAt,
        createdBy: actor.userId,
        note: values.note ?? null,
      },
      values.kind === "per_model" ? (values.models ?? []).map((m) => ({ model: m.model, inputPerMillion: m.input_per_million, outputPerMillion: m.output_per_million })) : [],
    );
    // Hard budgets are in billed dollars: LiteLLM's limit follows the price list (docs/budgets.md),
    // so every team it prices is synced now and again when the version takes effect.
    const affected = teamId ? [teamId] : (await listTeams(tx, { organizationId })).map((t) => t.team.id);
    if (affected.length) await bumpDesiredVersion(tx, affected);
    for (const id of affected) {
      await sendJob("sync-team", { teamId: id, reason: "change" }, { tx, singletonKey: id });
      if (effectiveAt > now) await sendJob("sync-team", { teamId: id, reason: "change" }, { tx, startAfter: effectiveAt, singletonKey: `${id}:price:${row.id}` });
    }
    const after = view(row, (values.models ?? []).map((m) => ({ versionId: row.id, model: m.model, inputPerMillion: m.input_per_million, outputPerMillion: m.output_per_million })));
    await recordAudit(tx, actor, teamId ? "team.price_list" : "organization.price_list", teamId ?? organizationId, { after });
    return listOf(tx, organizationId, teamId, now);
  });
}

/** A new version of an organization's price list (admins). */
export async function setOrganizationPriceList(actor: Actor, input: z.input<typeof setOrganizationPriceListSchema>, now = new Date()): Promise<PriceList> {
  requireRole(actor, "admin", "change price lists");
  const values = parseInput(setOrganizationPriceListSchema, input);
  const organization = await findOrganizationById(db(), values.organization_id);
  if (!organization) throw new AppError("NOT_FOUND", `No organization has the id ${values.organization_id}.`);
  return writeVersion(actor, organization.id, null, { ...values, team_id: "" }, now);
}

/** A new version of a team's own price list (admins); `kind: "inherit"` puts it back on its organization's. */
export async function setTeamPriceList(actor: Actor, input: z.input<typeof setTeamPriceListSchema>, now = new Date()): Promise<PriceList> {
  requireRole(actor, "admin", "change price lists");
  const values = parseInput(setTeamPriceListSchema, input);
  const team = await findTeamById(db(), values.team_id);
  if (!team || team.status === "deleted") throw new AppError("NOT_FOUND", noSuchTeam(values.team_id));
  return writeVersion(actor, team.organizationId, team.id, values, now);
}

/** An organization's price list: in force now, upcoming, and every version (admins: it shows our prices). */
export async function getOrganizationPriceList(actor: Actor, input: z.input<typeof organizationPriceListSchema>, now = new Date()): Promise<PriceList> {
  requireRole(actor, "viewer", "see price lists");
  const { organization_id } = parseInput(organizationPriceListSchema, input);
  const organization = await findOrganizationById(db(), organization_id);
  if (!organization) throw new AppError("NOT_FOUND", `No organization has the id ${organization_id}.`);
  return listOf(db(), organization.id, null, now);
}

/** A team's own price list and what prices its requests now (its own or its organization's). */
export async function getTeamPriceList(actor: Actor, input: z.input<typeof teamPriceListSchema>, now = new Date()): Promise<PriceList> {
  requireRole(actor, "viewer", "see price lists");
  const { team_id } = parseInput(teamPriceListSchema, input);
  const team = await findTeamById(db(), team_id);
  if (!team || team.status === "deleted") throw new AppError("NOT_FOUND", noSuchTeam(team_id));
  return listOf(db(), team.organizationId, team.id, now);
}

export type PricingOfTeam = {
  source: "team" | "organization" | "none";
  version: PriceVersionRow | undefined;
  prices: Map<string, { input: string; output: string }>;
};

/** What prices each of these teams' requests at `at` (one read of all their organizations' versions). */
export async function pricingOfTeams(tx: Db, teams: Array<{ id: string; organizationId: string }>, at = new Date()): Promise<Map<string, PricingOfTeam>> {
  const versions = await versionsOfOrganizations(tx, [...new Set(teams.map((t) => t.organizationId))]);
  const chosen = new Map<string, { source: PricingOfTeam["source"]; version: PriceVersionRow | undefined }>();
  for (const team of teams) {
    const own = versions.filter((v) => v.teamId === team.id);
    const organization = versions.filter((v) => v.teamId === null && v.organizationId === team.organizationId);
    chosen.set(team.id, versionFor(own, organization, at));
  }
  const prices = await modelPricesOf(
    tx,
    [...new Set([...chosen.values()].filter((c) => c.version?.kind === "per_model").map((c) => c.version!.id))],
  );
  return new Map(
    [...chosen].map(([teamId, c]) => [
      teamId,
      { ...c, prices: new Map(prices.filter((p) => p.versionId === c.version?.id).map((p) => [p.model, { input: p.inputPerMillion, output: p.outputPerMillion }])) },
    ]),
  );
}

export const unpricedModelSchema = z.object({
  model: z.string(),
  /** The price lists in force that neither list the model nor have a fallback markup: their teams are billed at cost for it. */
  price_lists: z.array(z.object({ organization_id: z.string(), organization_name: z.string(), team_id: z.string().nullable(), version: z.number() })),
});
export type UnpricedModel = z.infer<typeof unpricedModelSchema>;

/**
 * For the Models page: of `models`, those that a per-model price list in force now neither prices
 * nor covers by a fallback markup (billed at cost), with the lists concerned.
 */
export async function unpricedModels(actor: Actor, models: string[], now = new Date()): Promise<UnpricedModel[]> {
  requireRole(actor, "viewer", "see price lists");
  const organizations = await listOrganizations(db());
  const versions = await versionsOfOrganizations(
    db(),
    organizations.map((o) => o.id),
  );
  const lists = new Map<string, PriceVersionRow[]>();
  for (const v of versions) {
    const key = `${v.organizationId}\u0000${v.teamId ?? ""}`;
    lists.set(key, [...(lists.get(key) ?? []), v]);
  }
  const open = [...lists.values()].map((l) => inForce(l, now)).filter((v): v is PriceVersionRow => v?.kind === "per_model" && v.fallbackMarkupPercent === null);
  const prices = await modelPricesOf(
    db(),
    open.map((v) => v.id),
  );
  const nameOf = new Map(organizations.map((o) => [o.id, o.name]));
  return models
    .map((model) => ({
      model,
      price_lists: open
        .filter((v) => !prices.some((p) => p.versionId === v.id && p.model === model))
        .map((v) => ({ organization_id: v.organizationId, organization_name: nameOf.get(v.organizationId) ?? v.organizationId, team_id: v.teamId, version: v.version })),
    }))
    .filter((m) => m.price_lists.length > 0);
}

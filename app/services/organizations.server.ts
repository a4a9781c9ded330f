import { randomUUID } from "node:crypto";
import { z } from "zod";
import {
  findOrganizationById,
  findOrganizationByLitellmId,
  findOrganizationByName,
  insertOrganization,
  listOrganizations as listOrganizationRows,
  updateOrganizationRow,
  type OrganizationRow,
} from "../../db/queries/organizations.ts";
import { db, transaction } from "~/lib/db.server";
import { AppError } from "~/lib/errors";
import { parseInput } from "~/lib/validation";
import { requireRole, type Actor } from "~/auth/actor";
import { recordAudit } from "./audit.server.ts";
import { createOrganizationSchema, organizationIdSchema, updateOrganizationSchema } from "./organizations.schema.ts";

export { createOrganizationSchema, organizationIdSchema, updateOrganizationSchema };

export const organizationSchema = z.object({
  organization_id: z.string(),
  name: z.string(),
  litellm_organization_id: z.string(),
  description: z.string().nullable(),
  statement_period: z.enum(["calendar_month", "budget_period"]),
  /** The currency the organization is billed in (USD unless set), with its fixed rate (units per USD) and the rate's date. */
  currency: z.string(),
  exchange_rate: z.string().nullable(),
  exchange_rate_date: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Organization = z.infer<typeof organizationSchema>;

function view(row: OrganizationRow): Organization {
  return {
    organization_id: row.id,
    name: row.name,
    litellm_organization_id: row.litellmOrganizationId,
    description: row.description,
    statement_period: row.statementPeriod,
    currency: row.currency,
    exchange_rate: row.exchangeRate === null ? null : row.exchangeRate.replace(/\.?0+$/, ""),
    exchange_rate_date: row.exchangeRateDate,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

async function assertUnique(tx: Parameters<typeof findOrganizationByName>[0], values: { name?: string; litellmId?: string }, exceptId?: string) {
  if (values.name) {
    const same = await findOrganizationByName(tx, values.name);
    if (same && same.id !== exceptId) {
      throw new AppError("CONFLICT", `An organization named ${values.name} already exists.`, { fieldErrors: { name: ["An organization with this name already exists"] } });
    }
  }
  if (values.litellmId) {
    const same = await findOrganizationByLitellmId(tx, values.litellmId);
    if (same && same.id !== exceptId) {
      throw new AppError("CONFLICT", `The LiteLLM organization id ${values.litellmId} is already used by ${same.name}.`, {
        fieldErrors: { litellm_organization_id: ["Already used by another organization"] },
      });
    }
  }
}

/** The billing columns to write: USD clears the rate; a rate given without a currency keeps the current one. */
function billingRow(values: { statement_period?: "calendar_month" | "budget_period"; currency?: string; exchange_rate?: string | null; exchange_rate_date?: string | null }) {
  return {
    ...(values.statement_period ? { statementPeriod: values.statement_period } : {}),
    ...(values.currency === "USD" ? { currency: "USD", exchangeRate: null, exchangeRateDate: null } : {}),
    ...(values.currency && values.currency !== "USD" ? { currency: values.currency, exchangeRate: values.exchange_rate ?? null, exchangeRateDate: values.exchange_rate_date ?? null } : {}),
  };
}

export async function createOrganization(actor: Actor, input: z.input<typeof createOrganizationSchema>): Promise<Organization> {
  requireRole(actor, "admin", "create organizations");
  const values = parseInput(createOrganizationSchema, input);
  return transaction(async ({ tx }) => {
    await assertUnique(tx, { name: values.name, litellmId: values.litellm_organization_id });
    const row = await insertOrganization(tx, {
      id: randomUUID(),
      name: values.name,
      litellmOrganizationId: values.litellm_organization_id,
      description: values.description ?? null,
      ...billingRow(values),
    });
    if (!row) throw new AppError("CONFLICT", "That organization was just created by someone else; reload and check.");
    await recordAudit(tx, actor, "organization.create", row.id, { after: view(row) });
    return view(row);
  });
}

export async function listOrganizations(actor: Actor): Promise<Organization[]> {
  requireRole(actor, "viewer", "see organizations");
  return (await listOrganizationRows(db())).map(view);
}

export async function getOrganization(actor: Actor, input: z.input<typeof organizationIdSchema>): Promise<Organization> {
  requireRole(actor, "viewer", "see organizations");
  const { organization_id } = parseInput(organizationIdSchema, input);
  const row = await findOrganizationById(db(), organization_id);
  if (!row) throw new AppError("NOT_FOUND", `No organization has the id ${organization_id}.`);
  return view(row);
}

export async function updateOrganization(actor: Actor, input: z.input<typeof updateOrganizationSchema>): Promise<Organization> {
  requireRole(actor, "admin", "change organizations");
  const values = parseInput(updateOrganizationSchema, input);
  return transaction(async ({ tx }) => {
    const before = await findOrganizationById(tx, values.organization_id);
    if (!before) throw new AppError("NOT_FOUND", `No organization has the id ${values.organization_id}.`);
    await assertUnique(tx, { name: values.name, litellmId: values.litellm_organization_id }, before.id);
    const row = await updateOrganizationRow(tx, before.id, {
      ...(values.name !== undefined ? { name: values.name } : {}),
      ...(values.litellm_organization_id !== undefined ? { litellmOrganizationId: values.litellm_organization_id } : {}),
      ...(values.description !== undefined ? { description: values.description } : {}),
      ...billingRow(values),
    });
    await recordAudit(tx, actor, "organization.update", before.id, { before: view(before), after: view(row!) });
    return view(row!);
  });
}

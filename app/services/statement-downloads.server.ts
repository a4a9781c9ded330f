import { z } from "zod";
import { parseInput } from "~/lib/validation";
import type { Actor } from "~/auth/actor";
import { statementOperator } from "./operator-settings.server.ts";
import { statementCsv, statementPdf, type StatementFile } from "./statement-files.server.ts";
import { getStatement } from "./statements.server.ts";

/**
 * A statement as a file to download (CSV or PDF), for the admin pages and the portal alike.
 * getStatement decides who may read it (a customer only its own team's; anything else is NOT_FOUND);
 * the files are rendered from the customer's document alone, never with our cost or margin.
 */

export const statementDownloadSchema = z.object({
  statement_id: z.string({ required_error: "Give the statement id" }).min(1, "Give the statement id"),
  format: z.enum(["csv", "pdf"], { errorMap: () => ({ message: "Choose csv or pdf" }) }),
});

export async function statementDownload(actor: Actor, input: z.input<typeof statementDownloadSchema>): Promise<StatementFile> {
  const { statement_id, format } = parseInput(statementDownloadSchema, input);
  const [{ document }, operator] = await Promise.all([getStatement(actor, { statement_id }), statementOperator()]);
  return format === "csv" ? statementCsv(document, operator) : statementPdf(document, operator);
}

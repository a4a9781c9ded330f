import { createRequire } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import { statementCsv, statementFileName, statementPdf, type StatementOperator } from "./statement-files.server.ts";
import { statementDocumentSchema, type StatementDocument } from "./statements.schema.ts";

/**
 * The statement files as a customer opens them: the PDF's text read back with pdf.js (what a
 * viewer or a screen reader gets), and the CSV parsed as a spreadsheet would.
 */

const require = createRequire(import.meta.url);
const standardFontDataUrl = path.join(path.dirname(require.resolve("pdfjs-dist/package.json")), "standard_fonts") + path.sep;

/** Every page's text, one string per page, items joined by spaces and lines by newlines. */
async function pdfText(bytes: Uint8Array): Promise<string[]> {
  const pdf = await getDocument({ data: new Uint8Array(bytes), standardFontDataUrl, verbosity: 0 }).promise;
  const pages: string[] = [];
  for (let n = 1; n <= pdf.numPages; n++) {
    const content = await (await pdf.getPage(n)).getTextContent();
    let text = "";
    for (const item of content.items) if ("str" in item) text += item.str + (item.hasEOL ? "\n" : " ");
    pages.push(text.replace(/[ \t]+/g, " "));
  }
  await pdf.destroy();
  return pages;
}

/** The pages' text as one line: what wraps where does not matter to what it says. */
const flat = (pages: string[]) => pages.join(" ").replace(/\s+/g, " ");

/** RFC 4180 rows (quoted cells, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += ch;
  }
  if (cell || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

// A 1×1 PNG (the logo) as the operator settings store it.
const PNG_1PX = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

const operator: StatementOperator = {
  name: "Northwind AI Ltd",
  details: "1 Harbour Street, Bristol BS1 4XX\nVAT GB123456789 · billing@northwind.example",
  logo: { mime: "image/png", base64: PNG_1PX },
};

const money = (usd: string, converted: string) => ({ usd, converted });

function usdTeamDoc(): StatementDocument {
  return statementDocumentSchema.parse({
    statement_id: "stmt-team-2026-11",
    status: "closed",
    organization: { id: "org-1", name: "Acme Robotics" },
    team: { id: "team-1", name: "Vision Squad" },
    period: { start: "2026-11-01T00:00:00.000Z", end: "2026-12-01T00:00:00.000Z", basis: "calendar_month" },
    closed_at: "2026-12-01T00:05:00.000Z",
    currency: { code: "USD", rate: "1", rate_date: null },
    opening_balance: money("50", "50.00"),
    credits: [
      { entry_id: "c1", team_id: "team-1", kind: "credit", amount: money("100", "100.00"), reason: "November top-up", created_at: "2026-11-03T10:00:00.000Z" },
      { entry_id: "c2", team_id: "team-1", kind: "adjustment", amount: money("-2.5", "-2.50"), reason: "=HYPERLINK(\"http://evil\") goodwill, reversed", created_at: "2026-11-20T09:30:00.000Z" },
    ],
    credits_total: money("100", "100.00"),
    adjustments_total: money("-2.5", "-2.50"),
    usage: [
      { model: "gpt-4o", team_id: "team-1", team_name: "Vision Squad", requests: 1234, prompt_tokens: 2_345_678, completion_tokens: 345_678, billed: money("1234.5678901234", "1234.57") },
      { model: "claude-3-5-sonnet", team_id: "team-1", team_name: "Vision Squad", requests: 17, prompt_tokens: 9_000, completion_tokens: 1_200, billed: money("0.1234", "0.12") },
    ],
    late_usage: [
      {
        model: "gpt-4o",
        team_id: "team-1",
        team_name: "Vision Squad",
        requests: 3,
        prompt_tokens: 300,
        completion_tokens: 30,
        billed: money("0.015", "0.02"),
        period_start: "2026-10-01T00:00:00.000Z",
        period_end: "2026-11-01T00:00:00.000Z",
        recorded_at: "2026-12-01T00:05:00.000Z",
      },
    ],
    total_billed: money("1234.7062901234", "1234.71"),
    credits_used: money("140.25", "140.25"),
    closing_balance: money("7.25", "7.25"),
  });
}

function eurOrgDoc(): StatementDocument {
  const teams = Array.from({ length: 30 }, (_, i) => ({ id: `team-${i}`, name: `Team ${String(i).padStart(2, "0")}` }));
  const usage = teams.flatMap((t, i) =>
    ["gpt-4o", "gpt-4o-mini", "text-embedding-3-large"].map((model, j) => ({
      model,
      team_id: t.id,
      team_name: t.name,
      requests: 100 + i * 3 + j,
      prompt_tokens: 10_000 + i,
      completion_tokens: 2_000 + j,
      billed: money(`${i}.${j}1`, `${(i * 0.92).toFixed(2)}`),
    })),
  );
  return statementDocumentSchema.parse({
    statement_id: "stmt-org-2026-11",
    status: "open",
    organization: { id: "org-2", name: "Müller & Söhne GmbH" },
    team: null,
    period: { start: "2026-11-01T00:00:00.000Z", end: "2026-12-01T00:00:00.000Z", basis: "calendar_month" },
    closed_at: null,
    currency: { code: "EUR", rate: "0.9215", rate_date: "2026-10-31" },
    opening_balance: money("0", "0.00"),
    credits: [{ entry_id: "c9", team_id: "team-3", kind: "credit", amount: money("10", "9.22"), reason: "Welcome credit", created_at: "2026-11-02T08:00:00.000Z" }],
    credits_total: money("10", "9.22"),
    adjustments_total: money("0", "0.00"),
    usage,
    late_usage: [],
    total_billed: money("12345.678", "11376.54"),
    credits_used: money("0", "0.00"),
    closing_balance: money("10", "9.22"),
  });
}

describe("the statement PDF", () => {
  it("reads like a business document: the operator, the customer, the period, every line and the totals to the cent", async () => {
    const doc = usdTeamDoc();
    const file = await statementPdf(doc, operator);
    expect(file.contentType).toBe("application/pdf");
    expect(file.fileName).toBe("statement_Acme-Robotics_Vision-Squad_2026-11-01.pdf");
    expect(Buffer.from(file.body.slice(0, 5)).toString()).toBe("%PDF-");

    const text = flat(await pdfText(file.body));
    expect(text).toContain("Northwind AI Ltd");
    expect(text).toContain("VAT GB123456789");
    expect(text).toContain("Statement");
    expect(text).toContain("Acme Robotics");
    expect(text).toContain("Team: Vision Squad");
    expect(text).toContain("1 Nov 2026 – 30 Nov 2026");
    expect(text).toContain("stmt-team-2026-11");
    // Each model line: name, requests, tokens, billed with its currency code.
    expect(text).toMatch(/gpt-4o 1,234 2,345,678 345,678 USD 1,234\.57/);
    expect(text).toMatch(/claude-3-5-sonnet 17 9,000 1,200 USD 0\.12/);
    // Late usage, dated, with the period it belongs to.
    expect(text).toMatch(/1 Dec 2026 Oct 2026 gpt-4o 3 300 \/ 30 USD 0\.02/);
    // Credits and adjustments, dated.
    expect(text).toMatch(/3 Nov 2026 Credit November top-up USD 100\.00/);
    expect(text).toMatch(/20 Nov 2026 Adjustment .*goodwill, reversed USD -2\.50/);
    // Totals.
    expect(text).toMatch(/Total billed USD 1,234\.71/);
    expect(text).toMatch(/Opening balance USD 50\.00/);
    expect(text).toMatch(/Credits USD 100\.00/);
    expect(text).toMatch(/Adjustments USD -2\.50/);
    expect(text).toMatch(/Credits used USD 140\.25/);
    expect(text).toMatch(/Closing balance USD 7\.25/);
    expect(text).toContain("Page 1 of 1");
    // A USD statement names no exchange rate.
    expect(text).not.toContain("1 USD =");
  });

  it("states the rate and its date beside converted figures, and breaks a long table across pages with its header repeated", async () => {
    const doc = eurOrgDoc();
    const pages = await pdfText((await statementPdf(doc, { ...operator, logo: null, details: null })).body);
    const text = flat(pages);
    expect(pages.length).toBeGreaterThan(1);
    expect(text).toContain("Müller & Söhne GmbH");
    expect(text).toContain("Currency EUR Exchange rate 1 USD = 0.9215 EUR Rate date 31 Oct 2026");
    expect(text).toContain("converted from USD at 1 USD = 0.9215 EUR (rate of 31 Oct 2026)");
    expect(text).toContain("Open: provisional");
    expect(text).toMatch(/Total billed EUR 11,376\.54/);
    expect(text).toMatch(/Closing balance EUR 9\.22/);
    // Every line of every team is there; the organization's statement names each line's team.
    for (const u of doc.usage) expect(text).toContain(`${u.team_name} ${u.model} ${u.requests} `);
    expect(text).toMatch(/Team 29 text-embedding-3-large 189 10,029 2,002 EUR 26\.68/);
    expect(text).toMatch(/2 Nov 2026 Credit Team 03 Welcome credit EUR 9\.22/);
    expect(pages[1]).toContain("Usage by model (continued)");
    expect(pages.at(-1)).toContain(`Page ${pages.length} of ${pages.length}`);
    expect(text).not.toMatch(/\bUSD \d/); // every figure is in euros
  });

  it("prints names the standard font cannot show as readable text rather than garbage, and skips a broken logo", async () => {
    const doc = { ...usdTeamDoc(), organization: { id: "org-3", name: "Café 東京 Ōsaka" } };
    const file = await statementPdf(doc, { ...operator, logo: { mime: "image/png", base64: "bm90IGFuIGltYWdl" } });
    const text = flat(await pdfText(file.body));
    expect(text).toContain("Café ?? Osaka");
    expect(file.fileName).toBe("statement_Cafe-Osaka_Vision-Squad_2026-11-01.pdf");
  });
});

describe("an empty statement", () => {
  it("says so in the PDF, shows a budget period's times, and still carries every total in the CSV", async () => {
    const zero = money("0", "0.00");
    const doc = statementDocumentSchema.parse({
      ...usdTeamDoc(),
      period: { start: "2026-11-07T09:30:00.000Z", end: "2026-12-07T09:30:00.000Z", basis: "budget_period" },
      credits: [],
      usage: [],
      late_usage: [],
      opening_balance: zero,
      credits_total: zero,
      adjustments_total: zero,
      total_billed: zero,
      credits_used: zero,
      closing_balance: zero,
    });
    const text = flat(await pdfText((await statementPdf(doc, { name: "Solo Operator", details: null, logo: null })).body));
    expect(text).toContain("7 Nov 2026 09:30 – 7 Dec 2026 09:30 UTC");
    expect(text).toContain("Budget period");
    expect(text).toContain("No usage in this period.");
    expect(text).toContain("No credits or adjustments in this period.");
    expect(text).toMatch(/Total billed USD 0\.00/);
    const rows = parseCsv(statementCsv(doc, { name: "Solo Operator", details: null, logo: null }).body);
    expect(rows.filter((r) => r[0] === "total").map((r) => [r[5], r[11], r[12]])).toEqual([
      ["total_billed", "0", "0.00"],
      ["opening_balance", "0", "0.00"],
      ["credits_total", "0", "0.00"],
      ["adjustments_total", "0", "0.00"],
      ["credits_used", "0", "0.00"],
      ["closing_balance", "0", "0.00"],
    ]);
  });
});

describe("the statement CSV", () => {
  it("has the header block and one row per line, with totals equal to the document's, exact", () => {
    const doc = usdTeamDoc();
    const file = statementCsv(doc, operator);
    expect(file.contentType).toBe("text/csv; charset=utf-8");
    expect(file.fileName).toBe(statementFileName(doc, "csv"));
    const rows = parseCsv(file.body);
    const blank = rows.findIndex((r) => r.length === 1 && r[0] === "");
    const header = Object.fromEntries(rows.slice(1, blank).map(([k, v]) => [k, v]));
    expect(rows[0]).toEqual(["field", "value"]);
    expect(header).toMatchObject({
      operator: "Northwind AI Ltd",
      organization: "Acme Robotics",
      team: "Vision Squad",
      period_start: "2026-11-01T00:00:00.000Z",
      period_end: "2026-12-01T00:00:00.000Z",
      currency: "USD",
      rate: "1",
      rate_date: "",
    });

    const [columns, ...lines] = rows.slice(blank + 1);
    const records = lines.map((r) => Object.fromEntries(columns!.map((c, i) => [c, r[i]])));
    expect(records.map((r) => r.line_type)).toEqual(["usage", "usage", "late_usage", "credit", "adjustment", "total", "total", "total", "total", "total", "total"]);
    expect(records[0]).toMatchObject({ model: "gpt-4o", requests: "1234", prompt_tokens: "2345678", completion_tokens: "345678", amount_usd: "1234.5678901234", amount: "1234.57", currency: "USD" });
    expect(records[2]).toMatchObject({ date: "2026-12-01T00:05:00.000Z", period_start: "2026-10-01T00:00:00.000Z", amount_usd: "0.015" });
    // The formula is neutralised (a leading apostrophe); the negative amount stays a number.
    expect(records[4]).toMatchObject({ description: "'=HYPERLINK(\"http://evil\") goodwill, reversed", amount_usd: "-2.5", amount: "-2.50" });

    const totals = Object.fromEntries(records.filter((r) => r.line_type === "total").map((r) => [r.description, { usd: r.amount_usd, converted: r.amount }]));
    expect(totals).toEqual({
      total_billed: doc.total_billed,
      opening_balance: doc.opening_balance,
      credits_total: doc.credits_total,
      adjustments_total: doc.adjustments_total,
      credits_used: doc.credits_used,
      closing_balance: doc.closing_balance,
    });
    expect(records.find((r) => r.description === "total_billed")).toMatchObject({ requests: String(1234 + 17 + 3) });
    // Never our cost or margin.
    expect(file.body).not.toMatch(/cost|margin/i);
  });

  it("names the currency, the rate and its date for a converted statement, and the team of each line", () => {
    const doc = eurOrgDoc();
    const rows = parseCsv(statementCsv(doc, operator).body);
    const header = Object.fromEntries(rows.slice(1, 16).map(([k, v]) => [k, v]));
    expect(header).toMatchObject({ currency: "EUR", rate: "0.9215", rate_date: "2026-10-31", team: "", organization: "Müller & Söhne GmbH" });
    const credit = rows.find((r) => r[0] === "credit")!;
    expect(credit.slice(2, 4)).toEqual(["team-3", "Team 03"]);
    expect(rows.filter((r) => r[0] === "usage")).toHaveLength(doc.usage.length);
  });
});

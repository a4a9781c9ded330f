import { inflateSync } from "node:zlib";
import PDFDocument from "pdfkit";
import { formatDay, formatMoney, formatPeriod, formatShortPeriod, groupDecimal } from "~/lib/statement-format";
import { csvCell, type CsvCell } from "~/lib/csv";
import type { StatementDocument } from "./statements.schema.ts";

/**
 * A statement as the files a customer downloads (docs/statements.md): CSV (a header block, then one
 * row per line with exact amounts) and a PDF that reads like a business document (the operator's
 * logo, name and details, the customer, the period, line items, totals). Both are rendered from the
 * StatementDocument alone, which never holds our cost or margin, so neither file can show them.
 * Converted figures always travel with the currency code; a non-USD statement states its rate and
 * the rate's date.
 */

/** The operator as printed at the top of a statement (app/services/operator-settings.server.ts). */
export type StatementOperator = {
  name: string;
  details: string | null;
  logo: { mime: "image/png" | "image/jpeg"; base64: string } | null;
};

export type StatementFile<Body extends string | Uint8Array = string | Uint8Array> = { body: Body; fileName: string; contentType: string };

// ---------------------------------------------------------------------------------------------
// Names, dates and money as text

/** `statement_<organization>[_<team>]_<period start>.<ext>`: letters, digits, dot, dash and underscore only. */
export function statementFileName(doc: StatementDocument, ext: "csv" | "pdf"): string {
  const safe = (s: string) =>
    s
      .normalize("NFKD")
      .replace(/\p{M}/gu, "")
      .replace(/[^A-Za-z0-9._-]+/g, "-")
      .replace(/^[-.]+|-+$/g, "")
      .slice(0, 60);
  const parts = ["statement", safe(doc.organization.name), doc.team ? safe(doc.team.name) : "", doc.period.start.slice(0, 10)].filter(Boolean);
  return `${parts.join("_")}.${ext}`;
}

const formatCount = (n: number) => groupDecimal(String(n));

/** Team names by id, from the lines that carry them (credit lines carry only the id). */
function teamNames(doc: StatementDocument): Map<string, string> {
  const names = new Map<string, string>();
  if (doc.team) names.set(doc.team.id, doc.team.name);
  for (const line of [...doc.usage, ...doc.late_usage]) if (line.team_id && line.team_name) names.set(line.team_id, line.team_name);
  return names;
}

// ---------------------------------------------------------------------------------------------
// CSV

const CSV_LINE_HEADER = [
  "line_type",
  "date",
  "team_id",
  "team",
  "model",
  "description",
  "period_start",
  "period_end",
  "requests",
  "prompt_tokens",
  "completion_tokens",
  "amount_usd",
  "amount",
  "currency",
] as const;

/**
 * The statement as CSV (RFC 4180, CRLF, formula-safe cells as ~/lib/csv writes them): a `field,value`
 * header block (statement, operator, customer, period, currency, rate, rate date), a blank line,
 * then one row per line. `line_type` is usage, credit, adjustment, late_usage or total;
 * `amount_usd` is exact, `amount` is in `currency` rounded to cents. The total rows carry the
 * document's own totals, named in `description`.
 */
export function statementCsv(doc: StatementDocument, operator: StatementOperator): StatementFile<string> {
  const row = (cells: readonly CsvCell[]) => cells.map(csvCell).join(",") + "\r\n";
  const code = doc.currency.code;
  let out = row(["field", "value"]);
  const header: Array<[string, CsvCell]> = [
    ["statement_id", doc.statement_id],
    ["status", doc.status],
    ["operator", operator.name],
    ["operator_details", operator.details],
    ["organization_id", doc.organization.id],
    ["organization", doc.organization.name],
    ["team_id", doc.team?.id],
    ["team", doc.team?.name],
    ["period_start", doc.period.start],
    ["period_end", doc.period.end],
    ["period_basis", doc.period.basis],
    ["closed_at", doc.closed_at],
    ["currency", code],
    ["rate", doc.currency.rate],
    ["rate_date", doc.currency.rate_date],
  ];
  for (const [field, value] of header) out += row([field, value]);
  out += "\r\n" + row(CSV_LINE_HEADER);

  const names = teamNames(doc);
  const teamOf = (teamId: string | null) => (teamId ? (names.get(teamId) ?? null) : null);
  for (const u of doc.usage) {
    out += row(["usage", null, u.team_id, u.team_name, u.model, null, doc.period.start, doc.period.end, u.requests, u.prompt_tokens, u.completion_tokens, u.billed.usd, u.billed.converted, code]);
  }
  for (const l of doc.late_usage) {
    out += row(["late_usage", l.recorded_at, l.team_id, l.team_name, l.model, "usage of a closed period", l.period_start, l.period_end, l.requests, l.prompt_tokens, l.completion_tokens, l.billed.usd, l.billed.converted, code]);
  }
  for (const c of doc.credits) {
    out += row([c.kind, c.created_at, c.team_id, teamOf(c.team_id), null, c.reason, null, null, null, null, null, c.amount.usd, c.amount.converted, code]);
  }
  const lines = [...doc.usage, ...doc.late_usage];
  const sum = (pick: (l: (typeof lines)[number]) => number) => lines.reduce((n, l) => n + pick(l), 0);
  const totals: Array<[string, { usd: string; converted: string }, boolean]> = [
    ["total_billed", doc.total_billed, true],
    ["opening_balance", doc.opening_balance, false],
    ["credits_total", doc.credits_total, false],
    ["adjustments_total", doc.adjustments_total, false],
    ["credits_used", doc.credits_used, false],
    ["closing_balance", doc.closing_balance, false],
  ];
  for (const [name, amount, counts] of totals) {
    out += row([
      "total",
      null,
      null,
      null,
      null,
      name,
      doc.period.start,
      doc.period.end,
      counts ? sum((l) => l.requests) : null,
      counts ? sum((l) => l.prompt_tokens) : null,
      counts ? sum((l) => l.completion_tokens) : null,
      amount.usd,
      amount.converted,
      code,
    ]);
  }
  return { body: out, fileName: statementFileName(doc, "csv"), contentType: "text/csv; charset=utf-8" };
}

// ---------------------------------------------------------------------------------------------
// PDF

// Characters Helvetica (WinAnsi) prints beyond Latin-1; anything else would come out as garbage.
const WIN_ANSI_EXTRA = new Set("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ");

/** Text the standard fonts can print: accents kept where Latin-1 has them, stripped otherwise, anything else "?". */
export function printable(text: string): string {
  let out = "";
  for (const ch of text.normalize("NFC")) {
    const cp = ch.codePointAt(0)!;
    if (ch === "\n" || ch === "\t") out += ch === "\t" ? " " : ch;
    else if ((cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff) || WIN_ANSI_EXTRA.has(ch)) out += ch;
    else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue;
    else {
      const base = ch.normalize("NFKD").replace(/[^\x20-\x7e]/g, "");
      out += base || "?";
    }
  }
  return out;
}

type Align = "left" | "right";
type Column = { label: string; width: number; align?: Align };
type Cell = string;

const PAGE = { size: "A4" as const, margin: 50, footer: 40 };
const INK = "#0f172a";
const MUTED = "#475569";
const RULE = "#cbd5e1";
const BAND = "#f1f5f9";
const FONT = "Helvetica";
const BOLD = "Helvetica-Bold";

/** Whether pdfkit can place this image (a PNG or JPEG it fully reads), so a saved logo never breaks a statement. */
export function canEmbedImage(bytes: Buffer): boolean {
  type Opened = { width: number; height: number; image?: { imgData?: Uint8Array } };
  try {
    const probe = new PDFDocument({ autoFirstPage: false }) as unknown as { openImage(src: Buffer): Opened };
    const image = probe.openImage(bytes);
    // pdfkit inflates a PNG's pixels while writing the file, where a damaged stream would throw outside any caller: inflate it now.
    if (image.image?.imgData) inflateSync(image.image.imgData);
    return image.width > 0 && image.height > 0;
  } catch {
    return false;
  }
}

/** The page area a table may use before it breaks to the next page. */
function bottomOf(doc: PDFKit.PDFDocument) {
  return doc.page.height - PAGE.margin - PAGE.footer;
}

/**
 * A table that breaks across pages: each row is as tall as its tallest wrapped cell; a row that
 * would cross the bottom starts a new page, which repeats the header. `emphasis` rows print bold
 * over a band (totals).
 */
function drawTable(doc: PDFKit.PDFDocument, title: string, columns: Column[], rows: Array<{ cells: Cell[]; emphasis?: boolean }>, empty?: string) {
  const left = PAGE.margin;
  const width = columns.reduce((w, c) => w + c.width, 0);
  const pad = 4;
  const size = 9;

  const heightOf = (cells: Cell[], font: string) => {
    doc.font(font).fontSize(size);
    return Math.max(...cells.map((text, i) => doc.heightOfString(printable(text) || " ", { width: columns[i]!.width - 2 * pad }))) + 2 * pad;
  };
  const drawRow = (cells: Cell[], y: number, height: number, font: string, color: string) => {
    doc.font(font).fontSize(size).fillColor(color);
    let x = left;
    cells.forEach((text, i) => {
      const col = columns[i]!;
      doc.text(printable(text), x + pad, y + pad, { width: col.width - 2 * pad, align: col.align ?? "left", lineBreak: true });
      x += col.width;
    });
  };
  const drawHeader = (continued: boolean) => {
    doc.font(BOLD).fontSize(11).fillColor(INK).text(printable(continued ? `${title} (continued)` : title), left, doc.y, { width });
    doc.moveDown(0.3);
    const y = doc.y;
    const height = heightOf(columns.map((c) => c.label), BOLD);
    drawRow(columns.map((c) => c.label), y, height, BOLD, MUTED);
    doc.moveTo(left, y + height).lineTo(left + width, y + height).lineWidth(0.75).strokeColor(RULE).stroke();
    doc.y = y + height;
  };

  // Keep the title, the header and the first row together.
  if (doc.y + 60 > bottomOf(doc)) doc.addPage();
  drawHeader(false);
  if (!rows.length && empty) {
    doc.font(FONT).fontSize(size).fillColor(MUTED).text(printable(empty), left + pad, doc.y + pad, { width: width - 2 * pad });
    doc.y += pad;
  }
  for (const row of rows) {
    const font = row.emphasis ? BOLD : FONT;
    const height = heightOf(row.cells, font);
    if (doc.y + height > bottomOf(doc)) {
      doc.addPage();
      drawHeader(true);
    }
    const y = doc.y;
    if (row.emphasis) doc.rect(left, y, width, height).fillColor(BAND).fill();
    drawRow(row.cells, y, height, font, INK);
    doc.moveTo(left, y + height).lineTo(left + width, y + height).lineWidth(0.25).strokeColor(RULE).stroke();
    doc.y = y + height;
  }
  doc.x = left;
  doc.moveDown(1.2);
}

/** Scales column widths to fill the text width (A4 less margins). */
function fit(columns: Column[], total: number): Column[] {
  const sum = columns.reduce((w, c) => w + c.width, 0);
  return columns.map((c) => ({ ...c, width: (c.width * total) / sum }));
}

function drawLetterhead(doc: PDFKit.PDFDocument, statement: StatementDocument, operator: StatementOperator) {
  const left = PAGE.margin;
  const width = doc.page.width - 2 * PAGE.margin;
  const top = PAGE.margin;
  let logoBottom = top;
  // A logo pdfkit cannot read is left out rather than failing the customer's statement.
  const logo = operator.logo ? Buffer.from(operator.logo.base64, "base64") : null;
  const hasLogo = logo !== null && canEmbedImage(logo);
  if (hasLogo) {
    doc.image(logo, left, top, { fit: [150, 60] });
    logoBottom = top + 60;
  }
  const textLeft = hasLogo ? left + 170 : left;
  const textWidth = left + width - textLeft;
  const align: Align = hasLogo ? "right" : "left";
  doc.font(BOLD).fontSize(16).fillColor(INK).text(printable(operator.name), textLeft, top, { width: textWidth, align });
  if (operator.details) doc.font(FONT).fontSize(9).fillColor(MUTED).text(printable(operator.details), textLeft, doc.y + 2, { width: textWidth, align });
  doc.y = Math.max(doc.y, logoBottom) + 16;
  doc.moveTo(left, doc.y).lineTo(left + width, doc.y).lineWidth(1).strokeColor(INK).stroke();
  doc.y += 18;

  doc.font(BOLD).fontSize(24).fillColor(INK).text("Statement", left, doc.y, { width });
  const status =
    statement.status === "closed"
      ? `Closed ${statement.closed_at ? formatDay(statement.closed_at) : ""}`.trim()
      : "Open: provisional, figures may still change until the period closes";
  doc.font(FONT).fontSize(9).fillColor(MUTED).text(printable(status), left, doc.y + 2, { width });
  doc.y += 14;

  // Billed to (left) and the statement's facts (right).
  const blockTop = doc.y;
  const half = width / 2 - 10;
  doc.font(BOLD).fontSize(9).fillColor(MUTED).text("BILLED TO", left, blockTop, { width: half });
  doc.font(BOLD).fontSize(11).fillColor(INK).text(printable(statement.organization.name), left, doc.y + 2, { width: half });
  if (statement.team) doc.font(FONT).fontSize(10).fillColor(INK).text(printable(`Team: ${statement.team.name}`), left, doc.y + 1, { width: half });
  const leftBottom = doc.y;

  const facts: Array<[string, string]> = [
    ["Statement no.", statement.statement_id],
    ["Period", formatPeriod(statement.period)],
    ["Period basis", statement.period.basis === "calendar_month" ? "Calendar month (UTC)" : "Budget period"],
    ["Currency", statement.currency.code],
    ...(statement.currency.code === "USD"
      ? []
      : ([
          ["Exchange rate", `1 USD = ${statement.currency.rate} ${statement.currency.code}`],
          ["Rate date", statement.currency.rate_date ? formatDay(statement.currency.rate_date) : "not set"],
        ] as Array<[string, string]>)),
  ];
  const factsLeft = left + width / 2 + 10;
  const labelWidth = 75;
  let y = blockTop;
  for (const [label, value] of facts) {
    doc.font(BOLD).fontSize(9).fillColor(MUTED).text(label, factsLeft, y, { width: labelWidth });
    doc.font(FONT).fontSize(9).fillColor(INK).text(printable(value), factsLeft + labelWidth, y, { width: half - labelWidth });
    y = Math.max(doc.y, y + 12) + 2;
  }
  doc.x = left;
  doc.y = Math.max(leftBottom, y) + 20;
}

function drawTotals(doc: PDFKit.PDFDocument, statement: StatementDocument) {
  const code = statement.currency.code;
  const m = (x: { converted: string }) => formatMoney(x.converted, code);
  const rows: Array<[string, string, boolean]> = [
    ["Total billed", m(statement.total_billed), true],
    ["Opening balance", m(statement.opening_balance), false],
    ["Credits", m(statement.credits_total), false],
    ["Adjustments", m(statement.adjustments_total), false],
    ["Credits used", m(statement.credits_used), false],
    ["Closing balance", m(statement.closing_balance), true],
  ];
  const width = doc.page.width - 2 * PAGE.margin;
  const boxWidth = 280;
  const left = PAGE.margin + width - boxWidth;
  const rowHeight = 18;
  if (doc.y + rows.length * rowHeight + 30 > bottomOf(doc)) doc.addPage();
  doc.font(BOLD).fontSize(11).fillColor(INK).text("Totals", left, doc.y, { width: boxWidth });
  doc.moveDown(0.3);
  for (const [label, value, strong] of rows) {
    const y = doc.y;
    if (strong) doc.rect(left, y, boxWidth, rowHeight).fillColor(BAND).fill();
    doc.font(strong ? BOLD : FONT).fontSize(10).fillColor(INK);
    doc.text(label, left + 6, y + 4, { width: 140 });
    doc.text(printable(value), left + 146, y + 4, { width: boxWidth - 152, align: "right" });
    doc.moveTo(left, y + rowHeight).lineTo(left + boxWidth, y + rowHeight).lineWidth(0.25).strokeColor(RULE).stroke();
    doc.y = y + rowHeight;
  }
  doc.x = PAGE.margin;
  doc.moveDown(1);
  const note =
    code === "USD"
      ? "All amounts in USD, rounded to the cent."
      : `All amounts in ${code}, converted from USD at 1 USD = ${statement.currency.rate} ${code}${statement.currency.rate_date ? ` (rate of ${formatDay(statement.currency.rate_date)})` : ""} and rounded to the cent.`;
  doc.font(FONT).fontSize(8).fillColor(MUTED).text(printable(note), PAGE.margin, doc.y, { width });
}

function drawFooters(doc: PDFKit.PDFDocument, statement: StatementDocument, operator: StatementOperator) {
  const range = doc.bufferedPageRange();
  for (let i = 0; i < range.count; i++) {
    doc.switchToPage(range.start + i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0; // writing below the bottom margin would otherwise add a page
    const y = doc.page.height - PAGE.margin - 10;
    const text = `${operator.name} · Statement ${statement.statement_id} · ${formatPeriod(statement.period)} · Page ${i + 1} of ${range.count}`;
    doc.font(FONT).fontSize(8).fillColor(MUTED).text(printable(text), PAGE.margin, y, { width: doc.page.width - 2 * PAGE.margin, align: "center", lineBreak: false });
    doc.page.margins.bottom = bottom;
  }
}

/** The statement as a PDF (A4, Helvetica: no font files), rendered in this process. */
export async function statementPdf(statement: StatementDocument, operator: StatementOperator): Promise<StatementFile<Uint8Array>> {
  const doc = new PDFDocument({
    size: PAGE.size,
    margin: PAGE.margin,
    bufferPages: true,
    info: {
      Title: printable(`Statement ${statement.organization.name}${statement.team ? ` / ${statement.team.name}` : ""} ${formatPeriod(statement.period)}`),
      Author: printable(operator.name),
      Subject: `Statement ${statement.statement_id}`,
      CreationDate: statement.closed_at ? new Date(statement.closed_at) : new Date(),
    },
  });
  const chunks: Buffer[] = [];
  doc.on("data", (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<Buffer>((resolve, reject) => {
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });

  const code = statement.currency.code;
  const m = (x: { converted: string }) => formatMoney(x.converted, code);
  const total = doc.page.width - 2 * PAGE.margin;
  const perTeam = statement.team === null;
  const names = teamNames(statement);

  drawLetterhead(doc, statement, operator);

  const usageColumns = fit(
    [
      ...(perTeam ? [{ label: "Team", width: 100 }] : []),
      { label: "Model", width: perTeam ? 120 : 190 },
      { label: "Requests", width: 55, align: "right" as const },
      { label: "Input tokens", width: 70, align: "right" as const },
      { label: "Output tokens", width: 70, align: "right" as const },
      { label: `Billed (${code})`, width: 85, align: "right" as const },
    ],
    total,
  );
  const usageRows = statement.usage.map((u) => ({
    cells: [...(perTeam ? [u.team_name ?? u.team_id ?? ""] : []), u.model, formatCount(u.requests), formatCount(u.prompt_tokens), formatCount(u.completion_tokens), m(u.billed)],
  }));
  if (statement.usage.length) {
    const sum = (pick: (u: (typeof statement.usage)[number]) => number) => statement.usage.reduce((n, u) => n + pick(u), 0);
    const usageBilled = statement.late_usage.length ? null : m(statement.total_billed);
    usageRows.push({
      emphasis: true,
      cells: [...(perTeam ? [""] : []), "Usage total", formatCount(sum((u) => u.requests)), formatCount(sum((u) => u.prompt_tokens)), formatCount(sum((u) => u.completion_tokens)), usageBilled ?? ""],
    } as (typeof usageRows)[number]);
  }
  drawTable(doc, "Usage by model", usageColumns, usageRows, "No usage in this period.");

  if (statement.late_usage.length) {
    const lateColumns = fit(
      [
        { label: "Recorded", width: 62 },
        { label: "For period", width: 100 },
        ...(perTeam ? [{ label: "Team", width: 75 }] : []),
        { label: "Model", width: perTeam ? 75 : 150 },
        { label: "Requests", width: 55, align: "right" as const },
        { label: "Tokens in / out", width: 78, align: "right" as const },
        { label: `Billed (${code})`, width: 85, align: "right" as const },
      ],
      total,
    );
    drawTable(
      doc,
      "Late usage: adjustments for calls of closed periods",
      lateColumns,
      statement.late_usage.map((l) => ({
        cells: [
          formatDay(l.recorded_at),
          formatShortPeriod({ start: l.period_start, end: l.period_end }),
          ...(perTeam ? [l.team_name ?? l.team_id ?? ""] : []),
          l.model,
          formatCount(l.requests),
          `${formatCount(l.prompt_tokens)} / ${formatCount(l.completion_tokens)}`,
          m(l.billed),
        ],
      })),
    );
  }

  const creditColumns = fit(
    [
      { label: "Date", width: 70 },
      { label: "Type", width: 70 },
      ...(perTeam ? [{ label: "Team", width: 100 }] : []),
      { label: "Reason", width: perTeam ? 170 : 270 },
      { label: `Amount (${code})`, width: 85, align: "right" as const },
    ],
    total,
  );
  drawTable(
    doc,
    "Credits and adjustments",
    creditColumns,
    statement.credits.map((c) => ({
      cells: [formatDay(c.created_at), c.kind === "credit" ? "Credit" : "Adjustment", ...(perTeam ? [names.get(c.team_id) ?? c.team_id] : []), c.reason, m(c.amount)],
    })),
    "No credits or adjustments in this period.",
  );

  drawTotals(doc, statement);
  drawFooters(doc, statement, operator);
  doc.end();
  return { body: new Uint8Array(await ended), fileName: statementFileName(statement, "pdf"), contentType: "application/pdf" };
}

/**
 * CSV as spreadsheets read it (RFC 4180): comma-separated, CRLF line ends, a cell quoted when it
 * holds a quote, comma, CR or LF (quotes doubled). Safe to open in Excel, LibreOffice or Sheets:
 * a text cell starting with `=`, `+`, `-`, `@`, a tab or a CR would run as a formula there
 * ("CSV injection"), so it gets a leading apostrophe. Numbers, and text that is exactly a decimal
 * number (money written with moneyString, e.g. "-0.25"), are written as they are: they cannot be
 * formulas, and a spreadsheet should still see them as numbers.
 */

export type CsvCell = string | number | bigint | boolean | Date | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One cell as CSV text: null/undefined → empty, dates → ISO 8601 (UTC), text neutralised and quoted when needed. */
export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  if (typeof value === "bigint" || typeof value === "boolean") return String(value);
  let text = value instanceof Date ? value.toISOString() : value;
  if (FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A whole CSV document: a header row, then one line per row, each ending in CRLF. */
export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly CsvCell[]>): string {
  let out = header.map(csvCell).join(",") + "\r\n";
  for (const row of rows) out += row.map(csvCell).join(",") + "\r\n";
  return out;
}

/** A file name safe for Content-Disposition: letters, digits, dot, dash and underscore only. */
export function csvFileName(...parts: string[]): string {
  const base = parts
    .map((p) => p.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, ""))
    .filter(Boolean)
    .join("_");
  return `${base || "export"}.csv`;
}

/** The HTTP answer for a CSV download (UTF-8, as an attachment, never cached by shared caches); the body may be streamed. */
export function csvResponse(body: string | ReadableStream<Uint8Array>, fileName: string, headers?: HeadersInit): Response {
  const h = new Headers(headers);
  h.set("Content-Type", "text/csv; charset=utf-8");
  h.set("Content-Disposition", `attachment; filename="${fileName.replace(/[^A-Za-z0-9._-]/g, "_")}"`);
  h.set("Cache-Control", "private, no-store");
  h.set("X-Content-Type-Options", "nosniff");
  return new Response(body, { status: 200, headers: h });
}

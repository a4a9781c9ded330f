import { describe, expect, it } from "vitest";
import { csvCell, csvFileName, csvResponse, toCsv } from "./csv";

describe("csv", () => {
  it("writes plain cells as they are", () => {
    expect(csvCell("gpt-4")).toBe("gpt-4");
    expect(csvCell(12.5)).toBe("12.5");
    expect(csvCell(0)).toBe("0");
    expect(csvCell(null)).toBe("");
    expect(csvCell(undefined)).toBe("");
    expect(csvCell(new Date("2026-11-01T09:30:00Z"))).toBe("2026-11-01T09:30:00.000Z");
  });

  it("quotes cells holding commas, quotes or line breaks, doubling quotes", () => {
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell("line 1\nline 2")).toBe('"line 1\nline 2"');
    expect(csvCell("cr\rlf")).toBe('"cr\rlf"');
  });

  it("neutralises cells a spreadsheet would run as a formula", () => {
    expect(csvCell("=HYPERLINK(\"http://evil\")")).toBe('"\'=HYPERLINK(""http://evil"")"');
    expect(csvCell("+1+2")).toBe("'+1+2");
    expect(csvCell("-2+3")).toBe("'-2+3");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("\tcmd")).toBe("'\tcmd");
    expect(csvCell("=1,2")).toBe(`"'=1,2"`);
  });

  it("keeps numbers and exact decimal text numeric, negative ones included", () => {
    expect(csvCell("-0.0000000001")).toBe("-0.0000000001");
    expect(csvCell("12.3456789012")).toBe("12.3456789012");
    expect(csvCell(-3)).toBe("-3");
    expect(csvCell("-1e5")).toBe("'-1e5");
  });

  it("builds a document with CRLF line ends", () => {
    expect(
      toCsv(
        ["day", "model", "cost"],
        [
          ["2026-11-01", "gpt-4", "1.5"],
          ["2026-11-02", "=cmd", null],
        ],
      ),
    ).toBe("day,model,cost\r\n2026-11-01,gpt-4,1.5\r\n2026-11-02,'=cmd,\r\n");
  });

  it("makes safe file names and a download response", async () => {
    expect(csvFileName("team-1", "usage days", "2026-11-01")).toBe("team-1_usage-days_2026-11-01.csv");
    expect(csvFileName('a"b/../c')).toBe("a-b-..-c.csv");
    const res = csvResponse("a,b\r\n", "x.csv");
    expect(res.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("Content-Disposition")).toBe('attachment; filename="x.csv"');
    expect(await res.text()).toBe("a,b\r\n");
  });
});

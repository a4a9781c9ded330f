/**
 * Python-flavoured formatting that LiteLLM's messages leak onto the wire: `str(dict)` (the repr that
 * `handle_exception_on_proxy` puts in `message`), `str(float)` in budget messages, and `json.dumps`
 * (the JSON strings in the /key/update response). CONTRACT §0 "Error envelope".
 */

/** Python's `repr(float)`: shortest round-trip digits, `5.0` for whole numbers, `1e-05` below 1e-4. */
export function pyFloat(n: number): string {
  if (Number.isNaN(n)) return "nan";
  if (!Number.isFinite(n)) return n > 0 ? "inf" : "-inf";
  if (n === 0) return Object.is(n, -0) ? "-0.0" : "0.0";
  const sign = n < 0 ? "-" : "";
  const [mantissa, expText] = Math.abs(n).toExponential().split("e");
  const exp = Number(expText);
  const digits = mantissa.replace(".", "");
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (exp >= 0) {
    const whole = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
    const fraction = digits.slice(exp + 1) || "0";
    return `${sign}${whole}.${fraction}`;
  }
  return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
}

/** Python's `repr(str)`: single quotes unless the text holds a single quote and no double quote. */
export function pyStr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch < " " || ch === "\x7f") out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + quote;
}

/**
 * Python's `repr()` of a JSON-like value. Numbers keep their JavaScript form (`-1`, `0.5`): JSON
 * cannot tell `1` from `1.0`, and CONTRACT §1 quotes "Received: -1" for a `-1` budget.
 */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return pyStr(value);
  if (value instanceof Date) return pyStr(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pyStr(k)}: ${pyRepr(v)}`);
    return `{${entries.join(", ")}}`;
  }
  return pyStr(String(value));
}

/** Python's `json.dumps(value)` with its default separators (`", "`, `": "`) and `ensure_ascii`. */
export function pyJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean" || typeof value === "number") return JSON.stringify(value);
  if (typeof value === "string") return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (value instanceof Date) return pyJsonDumps(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(", ")}]`;
  const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pyJsonDumps(k)}: ${pyJsonDumps(v)}`);
  return `{${entries.join(", ")}}`;
}

/** "abcd****wxyz": how LiteLLM shows a rejected non-`sk-` key (CONTRACT §0). Short values are fully masked. */
export function maskSecret(value: string): string {
  return value.length > 8 ? `${value.slice(0, 4)}****${value.slice(-4)}` : "****";
}

/** "abc***yz": the masked user id in the admin-only route message (CONTRACT §0). */
export function maskUserId(userId: string): string {
  return userId.length > 5 ? `${userId.slice(0, 3)}***${userId.slice(-2)}` : "***";
}

/** `abbreviate_api_key`: "sk-...wxyz" (CONTRACT §0 "Hashing"). */
export function abbreviateKey(rawKey: string): string {
  return `sk-...${rawKey.slice(-4)}`;
}

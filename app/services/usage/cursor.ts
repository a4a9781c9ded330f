import { AppError } from "~/lib/errors";
import type { RequestKey } from "../../../db/queries/dashboards.ts";

/**
 * A keyset cursor over requests: an opaque string (base64url of the start time to the microsecond
 * and the request id), so a page starts exactly after the last row shown, even among rows that
 * share a millisecond.
 */

export const encodeCursor = (key: RequestKey): string => Buffer.from(`${key.startTime}\n${key.requestId}`, "utf8").toString("base64url");

const ISO_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z$/;

/** The key of a cursor; null when it is not one of ours. */
export function decodeCursor(cursor: string): RequestKey | null {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) return null;
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const cut = text.indexOf("\n");
  if (cut < 0) return null;
  const startTime = text.slice(0, cut);
  const requestId = text.slice(cut + 1);
  if (!ISO_MICROS.test(startTime) || Number.isNaN(Date.parse(startTime)) || !requestId) return null;
  return { startTime, requestId };
}

/** decodeCursor for an API field: a cursor that is not one of ours is refused, naming the field. */
export function requireCursor(cursor: string, field: string): RequestKey {
  const key = decodeCursor(cursor);
  if (!key) throw new AppError("BAD_REQUEST", `${field} is not a cursor from an earlier page; leave it out to start from the newest.`, { fieldErrors: { [field]: ["Not a cursor"] } });
  return key;
}

export const keyOf = (row: { startTimeExact: string; requestId: string }): RequestKey => ({ startTime: row.startTimeExact, requestId: row.requestId });

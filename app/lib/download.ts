/**
 * The HTTP answer for a file download (a statement's PDF or CSV): its own content type, as an
 * attachment under a safe file name, private and never cached by shared caches.
 */
export function downloadResponse(file: { body: string | Uint8Array; fileName: string; contentType: string }, headers?: HeadersInit): Response {
  const h = new Headers(headers);
  h.set("Content-Type", file.contentType);
  h.set("Content-Disposition", `attachment; filename="${file.fileName.replace(/[^A-Za-z0-9._-]/g, "_")}"`);
  h.set("Cache-Control", "private, no-store");
  h.set("X-Content-Type-Options", "nosniff");
  // A copy into a plain ArrayBuffer-backed view: what Response's BodyInit takes.
  const body = typeof file.body === "string" ? file.body : new Uint8Array(file.body);
  return new Response(body, { status: 200, headers: h });
}

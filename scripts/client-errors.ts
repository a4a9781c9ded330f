import type { Server } from "node:http";
import type { Socket } from "node:net";

/**
 * Answers requests that Node's HTTP parser refuses before any route sees them with a status and our
 * error body, instead of a reset connection: 431 when the request line (the URL) and headers are
 * over the header limit (`--max-http-header-size`, 16 KB by default; the parser cannot tell a long
 * URL from a long header), 400 for anything else that is not HTTP. Node's own answer closes the
 * socket while the client is still sending, so curl and most clients see ECONNRESET instead of the
 * status; here the socket is half-closed and the rest is read (for at most a few seconds).
 */
export function answerClientErrors(server: Server, limitBytes: number): void {
  const answered = new WeakSet<Socket>();
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    if (answered.has(socket)) return;
    answered.add(socket);
    if (!socket.writable || error.code === "ECONNRESET") {
      socket.destroy();
      return;
    }
    const overflow = error.code === "HPE_HEADER_OVERFLOW";
    const status = overflow ? "431 Request Header Fields Too Large" : "400 Bad Request";
    const message = overflow
      ? `The URL and headers are longer than this server accepts (${Math.round(limitBytes / 1024)} KB together). Send a shorter URL (fewer or shorter query parameters) or smaller headers.`
      : "The request is not valid HTTP.";
    const body = JSON.stringify({ error: { code: "BAD_REQUEST", message } });
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
    );
    // Keep reading what the client still sends (closing with unread data resets the connection), then let go.
    socket.resume();
    setTimeout(() => socket.destroy(), 5000).unref();
  });
}

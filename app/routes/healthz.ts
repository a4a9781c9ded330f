/** Liveness: the process is up and serving. Touches nothing else. */
export function loader() {
  return new Response(JSON.stringify({ status: "alive" }), {
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store" },
  });
}

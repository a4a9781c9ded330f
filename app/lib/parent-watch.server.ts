/**
 * A process started by another (npm, `npm start`'s launcher) stops when that parent goes away,
 * whatever killed it: a parent killed with SIGKILL, or a shell that died of SIGTERM without passing
 * it on, would otherwise leave us running under PID 1, holding our ports (docs/operations.md, Signals).
 * The parent is gone when we are re-parented: process.ppid changes.
 */
export function onParentExit(onGone: () => void, options: { intervalMs?: number } = {}): void {
  const parent = process.ppid;
  // Started by PID 1 (a container's entrypoint, systemd) or already orphaned: nothing to watch.
  if (parent <= 1) return;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, options.intervalMs ?? 500);
  timer.unref();
}

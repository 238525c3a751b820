// SIGTERM or SIGINT closes the application (its shutdown hooks drain work and close connections),
// then exits 0. Nest's enableShutdownHooks would re-raise the signal and exit 143 after a clean drain.
export function closeOnSignals(app: { close(): Promise<void> }, log: (message: string) => void): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    log(`${signal}: shutting down`);
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

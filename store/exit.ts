/**
 * Ending a command-line process without cutting its output. On Linux, writes to a pipe are
 * asynchronous: `process.exit()` right after a large `console.log` drops whatever the pipe had not
 * taken yet (a `plan show --json | jq .` stopped at 64 KiB). So the exit code is set first and the
 * process ends only once stdout and stderr have handed over everything written before.
 */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  // A write's callback runs after every earlier write on the stream has been handed to the OS.
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) resolve();
    else stream.write('', () => resolve());
  });
}

export async function exitWhenFlushed(code: number): Promise<never> {
  process.exitCode = code;
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  // Still exit explicitly: a client connection or timer left open must not keep the CLI running.
  process.exit(code);
}

/**
 * Kills a browser's whole process group with SIGKILL, as a crash would, and waits until none of it is
 * left: a browser's other processes otherwise outlive the main one for a moment and write to the profile
 * while the next launch (or the cleanup) uses it. `exited` resolves when the main process has exited.
 */
export async function killGroup(pid: number, exited: Promise<void>, name: string): Promise<void> {
  const alive = () => {
    try {
      return process.kill(-pid, 0);
    } catch {
      return false;
    }
  };
  if (alive()) process.kill(-pid, 'SIGKILL');
  await exited;
  for (const deadline = Date.now() + 10_000; alive(); await new Promise((resolve) => setTimeout(resolve, 20))) {
    if (Date.now() > deadline) throw new Error(`${name}'s processes (group ${pid}) outlived SIGKILL by 10 s`);
  }
}

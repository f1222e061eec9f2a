import { runBorg, sleep, useCleanup, waitFor } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import {
  archiveNames,
  finishedRun,
  runBackupCli,
  saveEvents,
  savingIsOn,
  startBackup,
  startBackupStack,
  verifyArchives,
  worldFiles,
} from './backup-helpers.js';

useCleanup();

const ITERATIONS = 30;

/** mulberry32: a seeded PRNG, so a failing loop can be replayed with the seed from the message. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Moment = 'anytime' | 'paused' | 'borg';

describe('crash safety: SIGKILL mc-backup at random moments', () => {
  it(`${ITERATIONS} kills: saving is back on within 5 s of the restart, the next backup succeeds, every archive verifies`, async () => {
    const seed = Number(process.env.CRASH_TEST_SEED ?? Date.now() % 1_000_000);
    const random = prng(seed);
    const why = (text: string) => `${text} (replay with CRASH_TEST_SEED=${seed})`;
    // writes with a longer gap: save-all flush takes a moment, so kills land inside the pause
    const stack = await startBackupStack({ env: { BACKUP_ANNOUNCE: 'off' }, mcArgs: ['--write-gap-ms', '20'] });

    // one clean run tells how long a run takes: the window for "anytime" kills
    const t0 = Date.now();
    const clean = await runBackupCli(stack, ['now'], { BACKUP_ARCHIVE_PREFIX: 'clean' });
    expect(clean.code, clean.proc.output.slice(-2000)).toBe(0);
    const runMs = Date.now() - t0;

    const killedWhileOff: number[] = [];
    let orphansStopped = 0;
    const resumeMs: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      // a third each: any moment of the run, right after the server turned saving off, while borg runs
      const moment: Moment = (['anytime', 'paused', 'borg'] as const)[i % 3] as Moment;
      const mark = stack.mc.proc.stdout.length;
      const victim = startBackup(stack, ['now'], { BACKUP_ARCHIVE_PREFIX: `killed${i}` });
      if (moment === 'anytime') {
        await sleep(random() * runMs);
      } else {
        const reached =
          moment === 'paused'
            ? () => saveEvents(stack.mc, mark).includes('off')
            : () => victim.stdout.some((l) => l.includes('"command":"borg"') && l.includes('process start'));
        await waitFor(() => victim.exitInfo !== undefined || reached(), {
          timeoutMs: 30_000,
          intervalMs: 2,
          what: why(`iteration ${i}: ${moment}`),
        });
        await sleep(random() * (moment === 'paused' ? 20 : 300));
      }
      victim.signal('SIGKILL');
      await victim.exited;
      const off = !savingIsOn(stack.mc);
      if (off) killedWhileOff.push(i);

      // restart: the new run first sends the save-on the killed one owed
      const restartMark = stack.mc.proc.stdout.length;
      const restartedAt = Date.now();
      const next = startBackup(stack, ['now'], { BACKUP_ARCHIVE_PREFIX: `next${i}` });
      if (off) {
        await waitFor(() => saveEvents(stack.mc, restartMark).includes('on'), {
          timeoutMs: 5_000,
          intervalMs: 5,
          what: why(`iteration ${i}: save-on after the restart`),
        });
        resumeMs.push(Date.now() - restartedAt);
        // the first toggle the server saw after the restart was save-on (a flush the killed run had
        // already sent may still finish first)
        expect(
          saveEvents(stack.mc, restartMark).find((e) => e === 'on' || e === 'off'),
          why(`iteration ${i}`),
        ).toBe('on');
      }
      const exit = await next.waitExit(60_000);
      expect(exit.code, why(`iteration ${i} (${moment}): the next backup failed:\n${next.output.slice(-3000)}`)).toBe(0);
      expect(finishedRun(next)).toMatchObject({ status: 'success', paused: true });
      if (next.logs().some((l) => l.msg === 'stopping children left behind by a killed run')) orphansStopped++;
      expect(savingIsOn(stack.mc), why(`iteration ${i}`)).toBe(true);
    }

    // every archive in the repository restores to whole files (a killed run's archive, if borg
    // finished it, too); the repository itself is consistent
    const verifyStart = Date.now();
    const names = archiveNames(stack);
    for (let i = 0; i < ITERATIONS; i++) expect(names.some((n) => n.startsWith(`next${i}-`))).toBe(true);
    const checks = await verifyArchives(stack, names);
    for (const [name, check] of checks) {
      expect(check.bad, why(`archive ${name}`)).toEqual([]);
      if (!name.endsWith('.checkpoint')) expect(check.files, why(`archive ${name}`)).toBe(worldFiles(4));
    }
    runBorg(stack.repo, ['check']);
    // the loop did exercise kills while saving was off (the "paused" third always is)
    expect(killedWhileOff.length, why('kills while saving was off')).toBeGreaterThanOrEqual(ITERATIONS / 6);
    console.log(
      `crash loop: seed ${seed}, run ${runMs} ms, ${killedWhileOff.length} kills while saving was off, save-on after restart in max ${Math.max(...resumeMs)} ms, ${orphansStopped} restarts stopped orphans, ${names.length} archives verified in ${Date.now() - verifyStart} ms`,
    );
  }, 300_000);
});

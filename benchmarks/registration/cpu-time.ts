import { readFileSync } from 'node:fs';

/** Linux reports CPU times in clock ticks of 1/USER_HZ s; USER_HZ is 100 on every mainstream architecture. */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, ms) of a process, or of one of its threads when `thread` is given (the
 * main thread's id is the process id), from /proc; undefined where there is no /proc (not Linux).
 * Unlike wall-clock figures, these do not grow when other processes load the machine.
 */
export function cpuTimeMs(pid: number, thread?: number): number | undefined {
  try {
    const path = thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`;
    const stat = readFileSync(path, 'utf8');
    // Fields after the command name (which may hold spaces), from field 3 on: utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** CPU time used between two readings, per `count` items; undefined if either reading is. */
export function cpuPer(
  before: number | undefined,
  after: number | undefined,
  count: number,
): number | undefined {
  return before === undefined || after === undefined ? undefined : (after - before) / Math.max(1, count);
}

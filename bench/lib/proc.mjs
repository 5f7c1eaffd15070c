/**
 * What the kernel says about a server process: CPU seconds (utime + stime from /proc/PID/stat, all
 * threads) and peak resident memory (VmHWM from /proc/PID/status). Linux only, which is where the
 * benchmark runs; elsewhere the values are null and the table says "n/a".
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

/** Clock ticks per second for /proc/PID/stat times (100 on every common Linux). */
const clockTicksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU seconds the process has used so far, or null if it cannot be read. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; the fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after the name and state.
    return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
  } catch {
    return null;
  }
}

function statusKilobytes(pid, field) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Peak resident set size since start (or since the last resetPeakRss), in MB of 10^6 bytes (the
 * kernel counts KiB): the stricter reading of the "300 MB".
 */
export function peakRssMB(pid) {
  const kibibytes = statusKilobytes(pid, 'VmHWM');
  return kibibytes === null ? null : (kibibytes * 1024) / 1e6;
}

/**
 * Resets VmHWM to the current RSS (writing 5 to clear_refs, Linux ≥ 4.0), so the peak covers one
 * scenario rather than the server's whole life. Returns false where the kernel does not allow it.
 */
export function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * CPU seconds all processes on the machine have spent busy so far (from /proc/stat). Comparing it
 * with the server's and the load generator's own CPU shows how much other load shared the machine
 * during a measurement, which this benchmark reports rather than hides.
 */
export function machineBusySeconds() {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = ticks;
    return (user + nice + system + irq + softirq + steal) / clockTicksPerSecond;
  } catch {
    return null;
  }
}

/** Cores kept busy by processes other than this one over the next `milliseconds` (null off Linux). */
export async function otherLoadCores(milliseconds) {
  const busyAtStart = machineBusySeconds();
  const ownAtStart = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, milliseconds));
  const busyAtEnd = machineBusySeconds();
  if (busyAtStart === null || busyAtEnd === null) return null;
  const own = process.cpuUsage(ownAtStart);
  return Math.max(0, busyAtEnd - busyAtStart - (own.user + own.system) / 1e6) / (milliseconds / 1000);
}

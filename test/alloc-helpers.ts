import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * Runs the loops of test/alloc-child.ts, one child process per loop, and reads what each allocated.
 *
 * Why a child: the vitest worker allocates on its own (reporters, other tests' timers), so counting
 * its GCs, as test/sampler.alloc.test.ts once did, fails when the machine is busy. The child is
 * single-threaded V8 with a fixed 64 MB young generation and no memory reducer: nothing is
 * collected during a loop, and `heapUsed` grows by exactly what the loop allocated, whatever the
 * load of the machine (see the flags below and the header of test/alloc-child.ts).
 *
 * Why one child per loop: each loop is measured in the steady state of its own JIT feedback. (Run
 * all in one process, `detector.add` with dedup on allocated 32 B/position after the dedup-off
 * detector had made its code polymorphic; alone it allocates nothing.)
 */
export interface AllocLine {
  name: string;
  /** Steps per measured half. */
  steps: number;
  /** Growth of `heapUsed` over the smaller of the two measured halves, in bytes. */
  heapGrowth: number;
  /** Growth over each half. */
  halves: number[];
  /** Collections during the measured loop (each hides allocation: must be 0 for a valid reading). */
  gcs: number;
  ms: number;
}

/**
 * The bound: 4 bytes per step of the smaller half (2 MB over 5 x 10^5 steps, 0.8 MB over 2 x 10^5),
 * room for what the JIT leaves in both halves. The smallest per-step allocation, one boxed double (16 B),
 * overshoots it 4x; the control loop "one boxed double per step" checks that it does.
 */
export const BOUND_BYTES_PER_STEP = 4;

const root = fileURLToPath(new URL('..', import.meta.url));

/** V8 flags of the child: see the header of test/alloc-child.ts. */
export const CHILD_FLAGS = ['--single-threaded', '--expose-gc', '--no-memory-reducer', '--min-semi-space-size=64', '--max-semi-space-size=64'];

/**
 * Runs one loop of test/alloc-child.ts in its own process and returns its line. Asynchronous, so a
 * test file can measure two loops at once (each child is single-threaded: its reading does not
 * depend on what else runs).
 */
export async function measure(name: string): Promise<AllocLine> {
  const { stdout: out } = await promisify(execFile)(process.execPath, [...CHILD_FLAGS, '--import', 'tsx', 'test/alloc-child.ts', name], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    env: { ...process.env, RADIOMARK_KERNELS: '' },
  });
  const line = out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as AllocLine)
    .find((l) => l.name === name);
  if (line === undefined) throw new Error(`alloc-child printed no line for "${name}"`);
  return line;
}

/** A line as a failure message. */
export function describeLine(l: AllocLine): string {
  return `${l.name}: heap grew ${l.halves.join(' and ')} bytes over two halves of ${l.steps} steps (smaller: ${(l.heapGrowth / l.steps).toFixed(2)} B/step), ${l.gcs} GC(s)`;
}

import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';

/**
 * Share of the container's memory limit that a worker budgets for itself by default: the rest is
 * headroom for what the estimate does not see (V8's young generation, allocator fragmentation,
 * the S3 and Redis clients' buffers).
 */
const CGROUP_LIMIT_SHARE = 0.8;

/** Share of the machine's memory budgeted by default when no container limit applies. */
const TOTAL_MEMORY_SHARE = 0.5;

/**
 * Resident memory of one idle compress process (Node, sharp and libvips loaded, quantizer warm)
 * and of the worker's own process (BullMQ, the AWS SDK, pino): VmRSS measured on Linux x64, Node
 * 22, rounded up. They are set aside from the budget before any job is admitted.
 */
const COMPRESS_PROCESS_BASE_BYTES = 96 * 2 ** 20;
const WORKER_PROCESS_BASE_BYTES = 160 * 2 ** 20;

/** The worker's memory apart from its jobs: its own process and one per compress process. */
export function baseMemoryBytes(processes: number): number {
  return WORKER_PROCESS_BASE_BYTES + processes * COMPRESS_PROCESS_BASE_BYTES;
}

const UNITS: Record<string, number> = { '': 1, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/**
 * Bytes from "4294967296", "512Mi" or "4Gi" (the binary suffixes of Kubernetes quantities), or
 * null when the text is none of these.
 */
export function parseByteSize(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti)?$/.exec(text.trim());
  if (!match) return null;
  const bytes = Math.floor(Number(match[1]) * UNITS[match[2] ?? '']!);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : null;
}

/**
 * The default memory budget: CGROUP_LIMIT_SHARE of the container's memory limit (cgroup v2
 * memory.max, or v1 memory.limit_in_bytes) when one is set below the machine's memory, else
 * TOTAL_MEMORY_SHARE of the machine's memory.
 */
export function defaultMemoryBudget(readLimit: () => number | null = readCgroupMemoryLimit): number {
  const total = totalmem();
  const limit = readLimit();
  if (limit !== null && limit < total) return Math.floor(limit * CGROUP_LIMIT_SHARE);
  return Math.floor(total * TOTAL_MEMORY_SHARE);
}

/** The cgroup's memory limit in bytes, or null when there is none ("max", or no cgroup files). */
function readCgroupMemoryLimit(): number | null {
  for (const path of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8').trim();
    } catch {
      continue;
    }
    const bytes = Number(text);
    return text === 'max' || !Number.isSafeInteger(bytes) ? null : bytes;
  }
  return null;
}

/** Bytes left for jobs under a container memory limit with the default budget (deployment checks). */
export function jobMemoryUnderLimit(limitBytes: number, processes: number): number {
  return Math.floor(limitBytes * CGROUP_LIMIT_SHARE) - baseMemoryBytes(processes);
}

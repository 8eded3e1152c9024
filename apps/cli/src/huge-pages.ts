/**
 * GLIBC_TUNABLES with glibc.malloc.hugetlb=1 added: glibc (2.35 and later) then backs its large
 * allocations with transparent huge pages, so a 12-MP photo's buffers fault in 2-MB pages instead
 * of 4-KB ones (docs/quantizer.md, "Speed, round eight"). Tunables already set are kept, and a
 * hugetlb setting already there wins. bin/kpress does the same in shell for the process itself;
 * this is for the processes kpress starts (compress processes, the demo's workers), since a
 * tunable is read only when a process starts.
 */
export function withHugePages(tunables: string | undefined): string {
  if (tunables === undefined || tunables === '') return HUGE_PAGES;
  if (tunables.split(':').some((tunable) => tunable.startsWith('glibc.malloc.hugetlb='))) return tunables;
  return `${tunables}:${HUGE_PAGES}`;
}

const HUGE_PAGES = 'glibc.malloc.hugetlb=1';

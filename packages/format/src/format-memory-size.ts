/**
 * A memory size in binary units, as memory limits are written (`--memory-budget 6Gi`, Kubernetes
 * `6Gi`, cgroup limits): "3.2 GiB" from 1 GiB up, else whole MiB ("512 MiB"). Data sizes (objects,
 * outputs) use formatBytes, in decimal SI units.
 */
export function formatMemorySize(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  return `${Math.round(bytes / 2 ** 20)} MiB`;
}

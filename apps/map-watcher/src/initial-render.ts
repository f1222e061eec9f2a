/** Pure: is the published map missing or older than the newest input of the world? */
export function needsInitialRender(opts: { publishedSourceTime: number | undefined; newestInputTime: number | undefined }): boolean {
  if (opts.publishedSourceTime === undefined) return true;
  if (opts.newestInputTime === undefined) return false;
  return opts.newestInputTime > opts.publishedSourceTime;
}

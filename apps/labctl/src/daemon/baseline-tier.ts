/**
 * `labctl run` keeps its JavaScript in V8's interpreter (Ignition): no baseline (Sparkplug) and no
 * optimizing compiler. Its only hot stretch is parsing lab.yaml once at start; left to itself, V8
 * optimizes yaml's lexer and parser with TurboFan on background threads, which holds about 10 MiB of
 * resident memory for good (the compiler's code pages and its threads' malloc arenas) and takes
 * longer than the parse it speeds up. Sparkplug's code for the functions run at start (fastify's,
 * yaml's, zod's, execa's) is about 1 MiB more, and the parse is no faster with it (measured). After
 * that the daemon spawns ip, nft and podman per container event; nothing in it is hot. The flag is
 * process-wide, so it is set before the lab is read; `node:v8` is imported here, not at the top of
 * the bundle, so the one-shot commands never load it.
 */
export async function stayAtBaselineTier(): Promise<void> {
  const { setFlagsFromString } = await import('node:v8');
  setFlagsFromString('--max-opt=0');
}

import { stat } from 'node:fs/promises';

/**
 * The access log's identity: inode, size and modification time. A change means new lines, a
 * truncation or a rotation (a new inode); undefined while the log does not exist.
 */
export async function logIdentity(path: string): Promise<string | undefined> {
  try {
    const st = await stat(path, { bigint: true });
    return `${st.ino}:${st.size}:${st.mtimeNs}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

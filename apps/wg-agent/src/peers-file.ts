import { readFileSync, statSync } from 'node:fs';
import { ConfigError, loadYamlConfig, parseYamlConfig, writeFileAtomic } from '@homelab/core';
import { type Peer, type PeersFile, peersFileSchema, type ServerConfig, serverSchema } from './config.js';
import { declarationIssues } from './declaration.js';

export interface Declaration {
  server: ServerConfig;
  peers: Peer[];
}

/** Loads and cross-checks both files; a problem is a ConfigError naming the key (exit 2 at start). */
export function loadDeclaration(serverPath: string, peersPath: string): Declaration {
  const server = loadYamlConfig(serverSchema, serverPath);
  const peers = loadPeers(peersPath);
  const issues = declarationIssues(server, peers.peers);
  if (issues.length > 0) throw new ConfigError(issues.map((i) => ({ ...i, key: `${peersPath}: ${i.key}` })));
  return { server, peers: peers.peers };
}

export function loadPeers(path: string): PeersFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { peers: [] };
    throw error;
  }
  return parseYamlConfig(peersFileSchema, text, path);
}

/**
 * Edits the peers file keeping the owner's comments and layout (yaml's Document API), then writes
 * it atomically with its old mode. `edit` gets the `peers` sequence to change.
 */
export async function editPeersFile(path: string, edit: (peers: import('yaml').YAMLSeq) => void): Promise<void> {
  const yaml = await import('yaml');
  let text = '';
  let mode = 0o644;
  try {
    text = readFileSync(path, 'utf8');
    mode = statSync(path).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const doc = yaml.parseDocument(text.trim() === '' ? 'peers: []\n' : text);
  if (doc.errors.length > 0) throw new ConfigError([{ key: path, problem: `is not valid YAML: ${doc.errors[0]?.message.split('\n')[0]}` }]);
  let peers = doc.get('peers');
  if (!yaml.isSeq(peers)) {
    peers = doc.createNode([]);
    doc.set('peers', peers);
  }
  const seq = peers as import('yaml').YAMLSeq;
  seq.flow = false;
  edit(seq);
  await writeFileAtomic(path, doc.toString(), { mode });
}

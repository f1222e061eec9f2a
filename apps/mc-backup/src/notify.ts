import { errorMessage, type Logger } from '@homelab/core';
import type { RunRecord } from './state.js';

export interface Notifier {
  notify(record: RunRecord): Promise<void>;
}

/** The JSON body of the webhook: the run summary plus who sent it. */
export function notificationBody(record: RunRecord, repo: string): Record<string, unknown> {
  const { steps: _steps, ...summary } = record;
  return { source: 'mc-backup', repository: repo, ...summary };
}

/** A plain POST of the run summary; a failed notification is logged, never fails the run. */
export function createWebhookNotifier(
  opts: { url: string; on: 'always' | 'failure'; repo: string; timeoutMs?: number },
  log: Logger,
): Notifier {
  return {
    async notify(record) {
      if (opts.on === 'failure' && record.status === 'success') return;
      try {
        const res = await fetch(opts.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'mc-backup' },
          body: JSON.stringify(notificationBody(record, opts.repo)),
          signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
        });
        await res.body?.cancel();
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        log.info({ status: record.status }, 'notification sent');
      } catch (error) {
        log.warn({ url: redactUrl(opts.url), error: errorMessage(error) }, 'notification failed');
      }
    },
  };
}

/** Webhook URLs often carry a token: log only scheme, host and path. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.length > 1 ? '/…' : ''}`;
  } catch {
    return '<invalid url>';
  }
}

export const noNotifier: Notifier = { notify: async () => {} };

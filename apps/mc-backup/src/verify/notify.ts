import { errorMessage, type Logger } from '@homelab/core';
import { redactUrl } from '../notify.js';
import type { VerifyRecord } from './store.js';

/** A failed verification as a webhook POST (sent whatever BACKUP_NOTIFY_ON says: it is a failure). */
export function verifyNotificationBody(record: VerifyRecord, repo: string): Record<string, unknown> {
  return {
    source: 'mc-backup',
    event: 'verify',
    repository: repo,
    status: record.ok ? 'success' : 'failure',
    ...record,
    problems: record.problems.slice(0, 50),
  };
}

export function notifyVerifyFailure(url: string, repo: string, record: VerifyRecord, log: Logger): Promise<void> {
  return postWebhook(url, verifyNotificationBody(record, repo), log);
}

/** A plain JSON POST; a failure is logged (URL redacted), never thrown. */
export async function postWebhook(url: string, body: Record<string, unknown>, log: Logger): Promise<void> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'mc-backup' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    log.info({ event: body.event }, 'notification sent');
  } catch (error) {
    log.warn({ url: redactUrl(url), error: errorMessage(error) }, 'notification failed');
  }
}

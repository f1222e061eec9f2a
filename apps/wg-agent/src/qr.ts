import { closeSync, openSync, writeSync } from 'node:fs';

/** qrcode (and its PNG encoder, which loads zlib) is required by the two commands that draw a code, not at start. */
const qrcode = () => require('qrcode') as typeof import('qrcode');

/** The client config as a QR code for the terminal (WireGuard's mobile apps scan it). */
export function terminalQr(text: string): Promise<string> {
  return qrcode().toString(text, { type: 'terminal', small: true, errorCorrectionLevel: 'L' });
}

/**
 * The QR code as a PNG. It holds the client's private key, so the file is created with mode 0600
 * and never over an existing file.
 */
export async function writePngQr(path: string, text: string): Promise<void> {
  const png = await qrcode().toBuffer(text, { type: 'png', errorCorrectionLevel: 'L', margin: 2, scale: 6 });
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, png);
  } finally {
    closeSync(fd);
  }
}

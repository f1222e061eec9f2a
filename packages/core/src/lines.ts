/** What a line splitter is fed: text chunks as a stream delivers them. */
export interface LineSplitter {
  push(chunk: string): void;
  /** The stream ended: a last line without its newline is delivered too. */
  end(): void;
}

/**
 * The one line splitter: a text stream (a child's output, a log socket, a followed file) into
 * lines. A partial line waits for the rest of it; `\r\n` ends a line like `\n`.
 */
export function lineSplitter(onLine: (line: string) => void): LineSplitter {
  let partial = '';
  return {
    push(chunk) {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const part of parts) onLine(part.replace(/\r$/, ''));
    },
    end() {
      const last = partial.replace(/\r$/, '');
      partial = '';
      if (last) onLine(last);
    },
  };
}

/** Reads a stream (utf8) line by line; the last partial line is delivered when it ends. */
export function onLines(stream: NodeJS.ReadableStream | null | undefined, onLine: (line: string) => void): void {
  if (!stream) return;
  const splitter = lineSplitter(onLine);
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => splitter.push(chunk));
  stream.on('end', () => splitter.end());
}

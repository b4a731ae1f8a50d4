// Where a target or step was written: the first stack frame outside dsl/, so
// errors can point at the user's file:line.
export interface SourceLoc {
  file: string;
  line: number;
  column: number;
}

const DSL_DIR = new URL('.', import.meta.url).pathname;

export function callerLoc(): SourceLoc | undefined {
  const stack = new Error().stack?.split('\n').slice(1) ?? [];
  for (const frame of stack) {
    const m = /\(?((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?\s*$/.exec(frame);
    if (!m) continue;
    const file = m[1].startsWith('file://') ? new URL(m[1]).pathname : m[1];
    if (file.startsWith(DSL_DIR) || file.includes('/node_modules/')) continue;
    return { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}

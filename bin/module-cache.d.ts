// Types of bin/module-cache.js for src/load/ts-require.ts.
export interface ModuleStamp {
  ino: string;
  size: string;
  mode: string;
  mtimeNs: string;
  ctimeNs: string;
  at: number;
}
export function moduleStamp(path: string): ModuleStamp | null;
export function transpiledPath(version: string, file: string, source: string, ext: string): string;
export function readTranspiled(path: string): string | undefined;
export function writeTranspiled(path: string, code: string): void;

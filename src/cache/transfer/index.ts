// Cache transfer between runners: --cache-to / --cache-from and `kairos-pipe cache export|import`.
export { parseCacheLocation, DEFAULT_MODE, type CacheLocation, type CacheMode } from './ref.js';
export { exportCache, loadRecords, allRecordKeys, type ExportStats, type ExportOptions } from './export.js';
export { importCache, type ImportStats, type ImportOptions } from './import.js';
export { openSink, openSource } from './open.js';
export { BuildSteps, selectRecords, type BuiltStep } from './select.js';
export { signRecord, verifyRecord, loadCacheKey } from './sign.js';
export { CACHE_CONFIG_MEDIA, CACHE_REF_NAME, buildCache, type CacheConfig, type CacheEntry } from './format.js';
export type { CacheSink, CacheSource } from './endpoint.js';
export * from './errors.js';

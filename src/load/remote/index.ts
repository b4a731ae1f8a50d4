// Remote targets: references into other git repositories, pinned in kairos-pipe.lock.
export { loadRemoteProject, loadLocalOfRemote, remoteOriginOf, pinCommit, resolveRef, type RemoteOptions, type RemoteOrigin } from './resolve.js';
export { parseRemoteSpec, lockKey, type RemoteSpec } from './spec.js';
export { readLock, updateLock, formatLock, lockPath, LOCK_FILE, type LockFile, type LockEntry } from './lock.js';
export * from './errors.js';

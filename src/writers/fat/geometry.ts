// FAT geometry: which FAT type, cluster size, FAT size and root directory size a given
// image size gets, following the cluster-count ranges of Microsoft's FAT specification
// (FAT12 < 4085 clusters, FAT16 < 65525, FAT32 above). Pure arithmetic.

export type FatType = 12 | 16 | 32;

export const SECTOR = 512;

export interface Geometry {
  type: FatType;
  totalSectors: number;
  sectorsPerCluster: number;
  reservedSectors: number;
  fatSectors: number;
  rootEntries: number;
  rootDirSectors: number;
  /** First sector of the data area (cluster 2). */
  dataStart: number;
  clusters: number;
}

const RANGE: Record<FatType, [number, number]> = { 12: [1, 4084], 16: [4085, 65524], 32: [65525, 0x0ffffff4] };

/** Geometry for one type and cluster size, or undefined when the cluster count is out of the type's range. */
export function geometryFor(type: FatType, totalSectors: number, sectorsPerCluster: number, rootEntries: number): Geometry | undefined {
  const reservedSectors = type === 32 ? 32 : 1;
  const rootDirSectors = type === 32 ? 0 : Math.ceil((rootEntries * 32) / SECTOR);
  let fatSectors = 1;
  let clusters = 0;
  for (let i = 0; i < 8; i++) {
    const data = totalSectors - reservedSectors - rootDirSectors - 2 * fatSectors;
    clusters = Math.floor(data / sectorsPerCluster);
    if (clusters <= 0) return undefined;
    const need = Math.ceil((((clusters + 2) * type) / 8) / SECTOR);
    if (need === fatSectors) break;
    fatSectors = need;
  }
  const data = totalSectors - reservedSectors - rootDirSectors - 2 * fatSectors;
  clusters = Math.floor(data / sectorsPerCluster);
  const [min, max] = RANGE[type];
  if (clusters < min || clusters > max) return undefined;
  return {
    type, totalSectors, sectorsPerCluster, reservedSectors, fatSectors,
    rootEntries: type === 32 ? 0 : rootEntries, rootDirSectors,
    dataStart: reservedSectors + 2 * fatSectors + rootDirSectors, clusters,
  };
}

/** Types tried, in order, when the caller does not pick one (small images get FAT12, as mkfs.fat). */
export function autoTypes(sizeBytes: number): FatType[] {
  if (sizeBytes < 32 << 20) return [12, 16, 32];
  if (sizeBytes < 512 << 20) return [16, 32];
  return [32, 16];
}

/**
 * The first geometry (smallest cluster) of the given types whose data area holds
 * what `clustersNeeded(clusterBytes)` asks for.
 */
export function chooseGeometry(
  sizeBytes: number,
  types: FatType[],
  rootEntries: number,
  clustersNeeded: (clusterBytes: number) => number,
): Geometry | undefined {
  const totalSectors = Math.floor(sizeBytes / SECTOR);
  for (const type of types) {
    for (let spc = 1; spc <= 128; spc *= 2) {
      const g = geometryFor(type, totalSectors, spc, rootEntries);
      if (g && clustersNeeded(spc * SECTOR) <= g.clusters) return g;
    }
  }
  return undefined;
}

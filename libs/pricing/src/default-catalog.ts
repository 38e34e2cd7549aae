// The list prices Assay ships with. The JSON sits under src/ and is imported (resolveJsonModule),
// so tsc copies it next to the compiled module and the same import works from src/ and dist/.
// Reading it is the only I/O in this lib, and it happens at module load, never per event.
import catalogFile from './catalog/price-catalog.v1.json';
import { PriceCatalog, priceCatalogFileSchema, type PriceCatalogFile } from './price-catalog';

let cached: PriceCatalog | undefined;

/** The shipped catalog, validated once and shared. Apply operator rates with `.withOverrides()`. */
export function loadDefaultCatalog(): PriceCatalog {
  cached ??= PriceCatalog.fromFile(catalogFile);
  return cached;
}

/** The shipped catalog file as data (header, sources, entries), for listings and admin tools. */
export function defaultCatalogFile(): PriceCatalogFile {
  return priceCatalogFileSchema.parse(catalogFile);
}

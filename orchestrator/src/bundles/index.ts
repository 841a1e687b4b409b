/** Bundle reading and writing, shared by the orchestrator's bundle routes and the installer. */
export { MAX_ZIP_ENTRY_BYTES, MAX_ZIP_TOTAL_BYTES, readZip, ZipError, type ZipLimits } from './zip-reader.ts';
export { writeZip } from './zip-writer.ts';
export { bundleFiles, manifestInputs, readBundleManifests, zipBundle, type BundleProblem, type BundleSource, type ManifestFile } from './bundle.ts';

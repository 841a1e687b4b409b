/** The release this build is; reported by the API document and pods' compatibility checks. */
export const VERSION = '0.1.0';

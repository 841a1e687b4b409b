import { ApiError } from './api.ts';

/** Offers `blob` to the user as a file download. */
export function saveFile(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Downloads an API answer as the file its Content-Disposition names. Fetched first rather than
 * followed as a link, so a refusal (a deleted adapter, an ended session) is shown, not saved as a file.
 */
export async function downloadFrom(path: string, fallbackName: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(path, { credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'Network error', 'the portal cannot be reached: check your connection');
  }
  if (!response.ok) {
    let problem: { title?: string; detail?: string } = {};
    try {
      problem = (await response.json()) as typeof problem;
    } catch {
      // not a problem document
    }
    throw new ApiError(response.status, problem.title ?? response.statusText, problem.detail ?? `the server answered ${response.status}`);
  }
  const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? fallbackName;
  saveFile(name, await response.blob());
}

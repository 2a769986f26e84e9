// Copy a value shown once (an API key, an initial password) to the
// clipboard; where the browser refuses, the field is selected for copying
// by hand (and the old copy command is tried).
export async function copyText(text: string, field: HTMLInputElement | null): Promise<boolean> {
  try {
    if (!navigator.clipboard) throw new Error('no clipboard');
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    field?.focus();
    field?.select();
    try {
      return document.execCommand('copy');
    } catch {
      return false;
    }
  }
}
